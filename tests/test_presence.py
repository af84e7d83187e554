import asyncio

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
