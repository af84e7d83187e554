"""Who is connected right now: in this process, or in every process sharing a Redis."""

import asyncio
import logging
import multiprocessing
import os
import uuid
from contextlib import asynccontextmanager

logger = logging.getLogger("diego")


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


class RedisPresence(MemoryPresence):
    """The clients connected to every process that shares one Redis.

    Each process keeps its own clients in memory, as `MemoryPresence` does, and mirrors
    how many it has in the Redis key `diego:presence:<process id>` (listed in the set
    `diego:presence:instances`), which expires
    `ttl` seconds after its last refresh. `heartbeat()` refreshes it every `ttl / 3`
    seconds, so a process that dies (even with kill -9) leaves the count within `ttl`
    seconds, and a Redis that restarts or was unreachable is set right within `ttl / 3`.
    The count is the sum of the live keys. While Redis is unreachable, the process goes
    on with its own count and says so in the log once.
    """

    PREFIX = "diego:presence:"
    # The keys of every process, so that counting reads them without scanning Redis.
    INSTANCES = "diego:presence:instances"

    def __init__(self, redis_url: str, ttl: float = 6.0):
        super().__init__()
        self.redis_url, self.ttl = redis_url, ttl
        self.key = self.PREFIX + uuid.uuid4().hex
        self._redis = None  # made in the event loop that uses it
        self._sync = None  # the workers' own client, made after the fork
        self._sync_pid = None
        self._unreachable = False

    def _client(self):
        if self._redis is None:
            import redis.asyncio

            self._redis = redis.asyncio.from_url(
                self.redis_url, socket_timeout=1, socket_connect_timeout=1
            )
        return self._redis

    async def _publish(self) -> None:
        try:
            async with self._client().pipeline(transaction=False) as pipe:
                pipe.set(self.key, len(self._clients), px=int(self.ttl * 1000))
                pipe.sadd(self.INSTANCES, self.key)
                await pipe.execute()
        except Exception as exc:
            self._lost(exc)
        else:
            self._found()

    async def add(self, client_id: str) -> None:
        await super().add(client_id)
        await self._publish()

    async def discard(self, client_id: str) -> None:
        await super().discard(client_id)
        await self._publish()

    async def count(self) -> int:
        try:
            return await self._total(self._client())
        except Exception as exc:
            self._lost(exc)
            return await super().count()

    async def _total(self, redis) -> int:
        keys = list(await redis.smembers(self.INSTANCES))
        values = await redis.mget(keys) if keys else []
        gone = [key for key, value in zip(keys, values, strict=True) if value is None]
        if gone:  # processes whose key expired: they died
            await redis.srem(self.INSTANCES, *gone)
        return sum(int(value) for value in values if value is not None)

    def current_count(self) -> int:
        """The count across processes, read from a worker process (synchronously)."""
        import redis

        try:
            if self._sync_pid != os.getpid():
                self._sync = redis.from_url(self.redis_url, socket_timeout=1)
                self._sync_pid = os.getpid()
            keys = list(self._sync.smembers(self.INSTANCES))
            return sum(int(v) for v in (self._sync.mget(keys) if keys else []) if v is not None)
        except Exception:
            return super().current_count()

    async def heartbeat(self) -> None:
        """Refresh this process's key until cancelled; then remove it."""
        try:
            while True:
                await self._publish()
                await asyncio.sleep(self.ttl / 3)
        finally:
            try:
                await self._client().delete(self.key)
                await self._client().srem(self.INSTANCES, self.key)
                await self._client().aclose()
            except Exception:
                pass

    def _lost(self, exc: Exception) -> None:
        if not self._unreachable:
            self._unreachable = True
            logger.warning("Redis is unreachable (%s): counting this process's clients only", exc)

    def _found(self) -> None:
        if self._unreachable:
            self._unreachable = False
            logger.info("Redis is back: counting every process's clients again")
