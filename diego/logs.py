"""Logging what happens often (refused connections, a database down) without flooding."""

import time


class OncePerInterval:
    """Says whether to log an event now: at most once per interval, with how many
    happened since."""

    def __init__(self, interval: float = 10.0):
        self.interval = interval
        self._last = -float("inf")
        self._count = 0

    def __call__(self, events: int = 1) -> int:
        """How many events to report now (these included), or 0 to stay quiet."""
        self._count += events
        now = time.monotonic()
        if now - self._last < self.interval:
            return 0
        self._last, count, self._count = now, self._count, 0
        return count
