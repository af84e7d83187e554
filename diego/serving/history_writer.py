"""The history, written by one thread for every worker: one transaction for all the
exchanges waiting (group commit), and each reply sent only once its exchange is kept."""

import asyncio
import logging
import queue
import threading
import time

from ..knowledge.history import History
from ..logs import OncePerInterval
from .conversation import one_line
from .metrics import metrics

MOST_AT_ONCE = 500  # exchanges in one transaction
# While busy, how long the first exchange waits for others to share its commit: a few
# milliseconds on a reply, for a tenth of the commits (and of their round trips).
GATHERING = 0.02  # seconds

logger = logging.getLogger("diego")


class HistoryWriter:
    """Keeps exchanges in `history`, off the event loop.

    While one transaction commits, the exchanges that come in wait for the next, so a
    busy server commits many exchanges at a time, and an idle one each at once; when
    exchanges come less than `gathering` seconds apart, each commit waits that long after
    its first for more. A reply
    waits for its exchange to be committed: a crash loses no exchange whose reply was
    delivered. If the database fails, the client still gets the answer; the log says so,
    once per interval.
    """

    def __init__(self, history: History, gathering: float = GATHERING):
        self.history = history
        self.gathering = gathering
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._missed = OncePerInterval()
        self._thread = None

    async def keep(self, conversation: str, said: str, replied: str) -> None:
        """Return once the exchange is committed (or could not be)."""
        if self._thread is None:
            # Started at first use, not before: a process forked with a thread running
            # could inherit a lock it holds.
            self._thread = threading.Thread(target=self._write, name="diego-history", daemon=True)
            self._thread.start()
        done = asyncio.get_running_loop().create_future()
        self._queue.put((conversation, said, replied, done, time.monotonic()))
        await done

    def close(self, timeout: float = 5.0) -> None:
        """Write what is waiting, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)

    def _write(self) -> None:
        last_arrival = -float("inf")
        while True:
            waiting = [self._queue.get()]
            # Busy: this exchange came soon after the one before, so others will follow.
            # Asleep until the batch is due, not woken by each exchange that comes: a
            # wake-up takes the GIL from the event loop.
            if waiting[0] is not None and waiting[0][-1] - last_arrival < self.gathering:
                time.sleep(max(0.0, waiting[0][-1] + self.gathering - time.monotonic()))
            while waiting[-1] is not None and len(waiting) < MOST_AT_ONCE:
                try:
                    waiting.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = waiting[-1] is None
            batch = [each for each in waiting if each is not None]
            if batch:
                last_arrival = batch[-1][-1]
                self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list) -> None:
        try:
            self.history.record_all([exchange[:3] for exchange in batch])
        except Exception as exc:
            metrics.database_errors.inc()
            missed = self._missed(len(batch))
            if missed:
                logger.error(
                    "Could not keep %d exchange(s) in the history: %s", missed, one_line(exc)
                )
        # One wake-up of each event loop for the whole batch.
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
        for *_, done, _arrived in batch:
            by_loop.setdefault(done.get_loop(), []).append(done)
        for loop, dones in by_loop.items():
            loop.call_soon_threadsafe(_settle, dones)


def _settle(dones: list[asyncio.Future]) -> None:
    for done in dones:
        if not done.done():  # not given up on by a client that left
            done.set_result(None)
