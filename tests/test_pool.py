"""The worker pool: replies computed in other processes, the event loop left free."""

import asyncio
import os
import time

import pytest

from diego.pool import BotPool


class SleepyBot:
    """Takes `delay` seconds to answer, and says which process answered."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.forked = False

    def after_fork(self):
        self.forked = True

    def reply(self, text, conversation):
        time.sleep(self.delay)
        return f"{os.getpid()} {self.forked} {conversation} {text}"

    def recent_messages(self, conversation, limit):
        return [{"pid": os.getpid(), "conversation": conversation, "limit": limit}]


@pytest.fixture
def make_pool():
    pools = []

    def make(bot, workers=2):
        pool = BotPool(bot, workers=workers)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


def test_reply_comes_from_a_forked_worker(make_pool):
    pool = make_pool(SleepyBot())
    pid, forked, conversation, text = asyncio.run(pool.reply("hello", "c1")).split()
    assert int(pid) != os.getpid()
    assert (forked, conversation, text) == ("True", "c1", "hello")


def test_history_is_read_in_a_worker(make_pool):
    pool = make_pool(SleepyBot())
    (read,) = asyncio.run(pool.recent_messages("c1", 5))
    assert read["pid"] != os.getpid()
    assert (read["conversation"], read["limit"]) == ("c1", 5)


def test_event_loop_runs_while_the_bot_thinks(make_pool):
    pool = make_pool(SleepyBot(delay=2.0))

    async def scenario():
        thinking = asyncio.create_task(pool.reply("hello", "c1"))
        await asyncio.sleep(0.05)  # the loop gets here only if the reply does not block it
        done_early = thinking.done()
        await thinking
        return done_early

    assert asyncio.run(scenario()) is False


def test_concurrent_replies_use_every_worker(make_pool):
    pool = make_pool(SleepyBot(delay=0.5), workers=2)

    async def scenario():
        return await asyncio.gather(pool.reply("a", "c1"), pool.reply("b", "c2"))

    pids = {reply.split()[0] for reply in asyncio.run(scenario())}
    assert len(pids) == 2


def test_workers_exit_when_the_pool_closes():
    pool = BotPool(SleepyBot(), workers=2)
    pids = [process.pid for process in pool._executor._processes.values()]
    pool.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
