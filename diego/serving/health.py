"""Whether Diego can answer: his workers, and his knowledge base."""

import asyncio
import os
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# A health check answers fast or says the database is unreachable.
TIMEOUT = 0.5
OK, UNREACHABLE, UNWRITABLE = "ok", "unreachable", "unwritable"
WRITE_CHECK_EVERY = 1.0  # seconds


class DatabaseProbe:
    """Asks the knowledge base a trivial question, and makes it write a trivial row (a
    full disk reads fine), on a connection of its own: one statement each, which commits
    itself, so one round trip each."""

    def __init__(self, database_url: str):
        url = make_url(database_url)
        # SQLite would quietly make a new, empty database where the file went missing.
        self.sqlite_file = url.database if url.get_backend_name() == "sqlite" else None
        # A writer that holds SQLite's lock makes the probe wait no longer than it may.
        connect_args = {"timeout": TIMEOUT / 2} if self.sqlite_file else {}
        self.engine = create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=0,
            connect_args=connect_args,
        )
        self._written_at = -float("inf")
        self._has_table = False

    def _state(self) -> str:
        if self.sqlite_file and not os.path.exists(self.sqlite_file):
            return UNREACHABLE
        if not self._asked():
            return UNREACHABLE
        # A write per check would compete with the workers' writes under frequent
        # probing: its answer holds for a second.
        if time.monotonic() - self._written_at < WRITE_CHECK_EVERY:
            return OK
        try:
            with self.engine.connect() as connection:
                if not self._has_table:
                    connection.execute(
                        text("CREATE TABLE IF NOT EXISTS diego_health (checked_at VARCHAR(40))")
                    )
                    connection.execute(text("DELETE FROM diego_health"))
                    connection.execute(text("INSERT INTO diego_health VALUES ('')"))
                    self._has_table = True
                connection.execute(text("UPDATE diego_health SET checked_at = CURRENT_TIMESTAMP"))
        except Exception:
            self._has_table = False
            return UNWRITABLE
        self._written_at = time.monotonic()
        return OK

    def _asked(self) -> bool:
        # Twice at most: a connection from before the database restarted fails once, and
        # is then replaced.
        for _ in range(2):
            try:
                with self.engine.connect() as connection:
                    # Diego's own table: an empty database there is no knowledge base.
                    connection.execute(text("SELECT 1 FROM statement LIMIT 1"))
                return True
            except Exception:
                pass
        return False

    async def state(self) -> str:
        """ "ok", "unreachable" or "unwritable" (a full disk, a read-only file)."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._state), TIMEOUT)
        except TimeoutError:
            return UNREACHABLE

    def close(self) -> None:
        self.engine.dispose()
