"""Who is connected right now."""

import multiprocessing
import uuid
from contextlib import asynccontextmanager


class MemoryPresence:
    """The clients connected to this process, kept in memory.

    The count is also kept in shared memory, so processes forked after this object
    was made (the bot's workers) read the live count with `current_count()`.
    """

    def __init__(self):
        self._clients: set[str] = set()
        self._shared_count = multiprocessing.RawValue("q", 0)

    async def add(self, client_id: str) -> None:
        self._clients.add(client_id)
        self._shared_count.value = len(self._clients)

    async def discard(self, client_id: str) -> None:
        self._clients.discard(client_id)
        self._shared_count.value = len(self._clients)

    async def count(self) -> int:
        return len(self._clients)

    def current_count(self) -> int:
        """The count, read from any process forked after this object was made."""
        return self._shared_count.value

    @asynccontextmanager
    async def connected(self):
        """Count a new client while the block runs; yield its id."""
        client_id = uuid.uuid4().hex
        await self.add(client_id)
        try:
            yield client_id
        finally:
            await self.discard(client_id)
