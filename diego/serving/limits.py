"""Limits on what a client may send, checked before anything reaches the bot."""

import collections
import time
import urllib.parse

LOCALHOST = frozenset({"localhost", "127.0.0.1", "::1"})
# ChatterBot's statement columns hold at most this many characters.
STATEMENT_MAX_LENGTH = 1100


class EmptyMessage(ValueError):
    def __init__(self):
        super().__init__("I'm listening: type something and I'll answer.")


class MessageTooLong(ValueError):
    def __init__(self, max_length: int):
        super().__init__(
            f"That message is too long for me: please keep it under {max_length:,} characters."
        )


def check_message(text: str, max_length: int) -> str:
    """Return the message stripped of surrounding blanks.

    Raises `EmptyMessage`, `MessageTooLong` or `UnreadableCharacter` (text PostgreSQL
    cannot store), whose text is a polite reply for the client.
    """
    text = text.strip()
    if not text:
        raise EmptyMessage()
    if len(text) > max_length:
        raise MessageTooLong(max_length)
    if "\0" in text:
        raise UnreadableCharacter()
    return text


class UnreadableCharacter(ValueError):
    def __init__(self):
        super().__init__(
            "I can't read the NUL character (\\0): please send your message without it."
        )


class TokenBucket:
    """At most `rate` messages a second on average, with bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.updated = clock()

    def take(self) -> bool:
        """Spend a token if there is one; False means: too fast."""
        if not self.has_token():
            return False
        self.tokens -= 1
        return True

    def has_token(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return self.tokens >= 1

    @property
    def full(self) -> bool:
        self.has_token()
        return self.tokens >= self.burst


class Buckets:
    """Several limits at once: a message spends a token of each, or of none."""

    def __init__(self, *buckets: TokenBucket):
        self.buckets = buckets

    def take(self) -> bool:
        if not all(bucket.has_token() for bucket in self.buckets):
            return False
        for bucket in self.buckets:
            bucket.tokens -= 1
        return True


class Full(Exception):
    """No seat for a new client; the message says why, politely, and `reason` in a word
    ("full", "per_address")."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class Admission:
    """Who may open a conversation with this process: origins, and how many seats.

    `allowed_origins` is an exact allowlist of browser origins; when empty, the server's
    own origin (the one the client asked for in its Host header) and localhost are
    allowed. A client that sends no Origin (not a browser page: the REPL) is allowed.
    """

    def __init__(
        self,
        *,
        max_clients: int,
        max_clients_per_ip: int,
        allowed_origins=(),
        rate_per_ip: float = 10.0,
        burst_per_ip: int = 30,
    ):
        self.max_clients = max_clients
        self.max_clients_per_ip = max_clients_per_ip
        self.allowed_origins = frozenset(origin.rstrip("/").lower() for origin in allowed_origins)
        self.rate_per_ip, self.burst_per_ip = rate_per_ip, burst_per_ip
        self.seated = 0
        self.by_ip: collections.Counter[str] = collections.Counter()
        # Kept after an address's last client leaves, until refilled: reconnecting must
        # not give an address a new burst.
        self.buckets: dict[str, TokenBucket] = {}

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        if origin is None:
            return True
        origin = origin.rstrip("/").lower()
        if self.allowed_origins:
            return origin in self.allowed_origins
        scheme, _, authority = origin.partition("://")
        hostname = urllib.parse.urlsplit(origin).hostname
        return scheme in ("http", "https") and (
            authority == (host or "").lower() or hostname in LOCALHOST
        )

    def seat(self, ip: str) -> "Seat":
        """Take a seat for a client from `ip`, given back when the returned context ends.

        Raises `Full` at once when there is none.
        """
        if self.seated >= self.max_clients:
            raise Full(
                "Diego is talking to as many people as he can: please try again later.", "full"
            )
        if self.by_ip[ip] >= self.max_clients_per_ip:
            raise Full(
                "Too many conversations from your address: close one and try again.", "per_address"
            )
        self.seated += 1
        self.by_ip[ip] += 1
        if len(self.buckets) > 2 * len(self.by_ip) + 1000:
            self.buckets = {
                each: bucket
                for each, bucket in self.buckets.items()
                if each in self.by_ip or not bucket.full
            }
        if ip not in self.buckets:
            self.buckets[ip] = TokenBucket(self.rate_per_ip, self.burst_per_ip)
        return Seat(self, ip, self.buckets[ip])

    def _release(self, ip: str) -> None:
        self.seated -= 1
        self.by_ip[ip] -= 1
        if not self.by_ip[ip]:
            del self.by_ip[ip]


class Seat:
    """A client's place: given back when it leaves. `bucket` is its address's rate."""

    def __init__(self, admission: Admission, ip: str, bucket: TokenBucket):
        self.admission, self.ip, self.bucket = admission, ip, bucket

    def __enter__(self) -> "Seat":
        return self

    def __exit__(self, *exc_info) -> None:
        self.admission._release(self.ip)
