"""Whether Diego can answer: his workers, and his knowledge base."""

import asyncio
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# A health check answers fast or says the database is unreachable.
TIMEOUT = 0.5


class DatabaseProbe:
    """Asks the knowledge base a trivial question, on a connection of its own."""

    def __init__(self, database_url: str):
        url = make_url(database_url)
        # SQLite would quietly make a new, empty database where the file went missing.
        self.sqlite_file = url.database if url.get_backend_name() == "sqlite" else None
        self.engine = create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0)

    def _reachable(self) -> bool:
        if self.sqlite_file and not os.path.exists(self.sqlite_file):
            return False
        try:
            with self.engine.connect() as connection:
                # Diego's own table: an empty database in its place is no knowledge base.
                connection.execute(text("SELECT 1 FROM statement LIMIT 1"))
        except Exception:
            return False
        return True

    async def reachable(self) -> bool:
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._reachable), TIMEOUT)
        except TimeoutError:
            return False

    def close(self) -> None:
        self.engine.dispose()
