"""Who is connected right now."""

import uuid
from contextlib import asynccontextmanager


class MemoryPresence:
    """The clients connected to this process, kept in memory."""

    def __init__(self):
        self._clients: set[str] = set()

    async def add(self, client_id: str) -> None:
        self._clients.add(client_id)

    async def discard(self, client_id: str) -> None:
        self._clients.discard(client_id)

    async def count(self) -> int:
        return len(self._clients)

    @asynccontextmanager
    async def connected(self):
        """Count a new client while the block runs; yield its id."""
        client_id = uuid.uuid4().hex
        await self.add(client_id)
        try:
            yield client_id
        finally:
            await self.discard(client_id)
