import asyncio

from diego.pool import BotPool
from diego.presence import MemoryPresence


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

    def reply(self, text, conversation):
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
