"""SQLite as the knowledge base of several processes at once (the bot's workers).

- Write-ahead log: readers never wait for the writer, and a commit needs no fsync of
  the database file. A process killed mid-write loses nothing it committed (a power
  cut may lose the last transactions, never the file's integrity).
- One writer at a time, queued by a kernel lock (flock) on the database file. SQLite
  makes a writer that finds the database locked sleep and retry, 1 ms at first: with
  commits a tenth of that long, two workers left half their time asleep (measured with
  bench/full_speed.py). The flock wakes the next writer as soon as the lock is free, and
  the kernel releases it if its holder dies. Correctness does not depend on it: SQLite
  still does its own locking.
"""

import fcntl
import logging
import os
import signal
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

_WRITES = ("insert", "update", "delete", "replace")
# A writer stopped while holding the lock (SIGSTOP, a debugger) must not stop every other:
# past this wait, SQLite's own locking (and its busy timeout) takes over.
WRITER_WAIT = 2.0  # seconds
RETRY_WAITING_AFTER = 10.0  # seconds

logger = logging.getLogger("diego")


def tune(engine: Engine) -> None:
    """Set up `engine`, if it is a SQLite file, for several processes."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return
    writers = _WriterLock(path)

    @event.listens_for(engine, "connect")
    def use_write_ahead_log(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def wait_for_our_turn(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:7].lower().startswith(_WRITES):
            writers.acquire(id(connection.connection.dbapi_connection))

    @event.listens_for(engine, "checkin")
    def let_the_next_write(dbapi_connection, record):
        writers.release(id(dbapi_connection))

    engine.dispose()  # connections made before these listeners reconnect with them


class _WriterLock:
    """An exclusive flock on the database file, taken by this process while any of its
    connections is writing."""

    def __init__(self, path: str):
        self.path = path
        self._file = None
        self._pid = None
        self._writers: set[int] = set()
        self._gave_up_at = -float("inf")

    def acquire(self, connection_id: int) -> None:
        if self._pid != os.getpid():
            # A forked child must open its own file: a shared one would share the lock.
            self._file = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            self._pid, self._writers = os.getpid(), set()
        if not self._writers:
            # Once given up on, the lock is only tried for a while: it is likely still held.
            recently = time.monotonic() - self._gave_up_at < RETRY_WAITING_AFTER
            if not _lock_within(self._file, 0 if recently else WRITER_WAIT):
                if not recently:
                    logger.warning(
                        "Waited %g s for the database's writer lock: writing without it",
                        WRITER_WAIT,
                    )
                    self._gave_up_at = time.monotonic()
                return
        self._writers.add(connection_id)

    def release(self, connection_id: int) -> None:
        if self._pid == os.getpid() and connection_id in self._writers:
            self._writers.discard(connection_id)
            if not self._writers:
                fcntl.flock(self._file, fcntl.LOCK_UN)


class _Waited(Exception):
    pass


def _lock_within(file: int, seconds: float) -> bool:
    """Take an exclusive flock on `file`, waiting at most `seconds`; False if not taken."""
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        if not seconds:
            return False
    if threading.current_thread() is not threading.main_thread():
        # Only the main thread can be woken by a timer: another one polls.
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.001)
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                pass
        return False

    def give_up(signum, frame):
        raise _Waited

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        fcntl.flock(file, fcntl.LOCK_EX)
        return True
    except _Waited:
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
