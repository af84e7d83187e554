import asyncio

from diego.serving.pool import BotPool
from diego.serving.presence import MemoryPresence


def test_connected_counts_a_client_while_the_block_runs():
    async def scenario():
        presence = MemoryPresence()
        async with presence.connected() as first:
            async with presence.connected() as second:
                assert first != second
                assert await presence.count() == 2
            assert await presence.count() == 1
        return await presence.count()

    assert asyncio.run(scenario()) == 0


def test_client_leaves_the_count_when_the_block_fails():
    async def scenario():
        presence = MemoryPresence()
        try:
            async with presence.connected():
                raise ConnectionResetError
        except ConnectionResetError:
            pass
        return await presence.count()

    assert asyncio.run(scenario()) == 0


class CountingBot:
    """Replies with the count it reads, from whichever process it runs in."""

    def __init__(self, count_clients):
        self.count_clients = count_clients

    def reply(self, text, conversation, address=""):
        return str(self.count_clients())


def test_bot_workers_read_the_live_count():
    presence = MemoryPresence()
    pool = BotPool(CountingBot(presence.current_count), workers=1)

    async def scenario():
        replies = [await pool.reply("how many?", "c")]
        async with presence.connected(), presence.connected():
            replies.append(await pool.reply("how many?", "c"))
            async with presence.connected():
                replies.append(await pool.reply("how many?", "c"))
        replies.append(await pool.reply("how many?", "c"))
        return replies

    try:
        assert asyncio.run(scenario()) == ["0", "2", "3", "0"]
    finally:
        pool.close()


def test_redis_presence_counts_every_process_and_forgets_the_dead(redis_url):
    from diego.serving.presence import RedisPresence

    async def scenario():
        first, second = RedisPresence(redis_url, ttl=1), RedisPresence(redis_url, ttl=1)
        async with first.connected(), second.connected(), second.connected():
            counts = [await first.count(), await second.count()]
        after = await first.count()
        async with second.connected():
            await asyncio.sleep(1.3)  # no heartbeat: the key expires, as if the process died
            expired = await first.count()
            listed = await first._client().smembers(RedisPresence.INSTANCES)
        return counts, after, expired, listed

    counts, after, expired, listed = asyncio.run(scenario())
    assert (counts, after, expired) == ([3, 3], 0, 0)
    assert listed == set()  # the dead processes' keys are forgotten, not scanned for


def test_redis_presence_is_read_from_a_bot_worker(redis_url):
    from diego.serving.presence import RedisPresence

    presence = RedisPresence(redis_url)
    other = RedisPresence(redis_url)
    pool = BotPool(CountingBot(presence.current_count), workers=1)

    async def scenario():
        async with presence.connected(), other.connected():
            return await pool.reply("how many?", "c")

    try:
        assert asyncio.run(scenario()) == "2"
    finally:
        pool.close()


def test_redis_unreachable_means_this_process_counts_alone(caplog):
    from diego.serving.presence import RedisPresence

    async def scenario():
        presence = RedisPresence("redis://127.0.0.1:1/0")
        async with presence.connected(), presence.connected():
            return await presence.count()

    assert asyncio.run(scenario()) == 2
    assert sum("Redis is unreachable" in r.message for r in caplog.records) == 1
