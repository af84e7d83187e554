"""The worker pool: replies computed in other processes, the event loop left free."""

import asyncio
import os
import time

import pytest

from diego.pool import BotPool, WorkerDied


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
    pids = [worker.process.pid for worker in pool._workers]
    pool.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


class MoodyBot:
    """Fails on "fail", dies on "die", echoes anything else."""

    def reply(self, text, conversation):
        if text == "fail":
            raise ValueError("no idea")
        if text == "die":
            os._exit(3)
        return text

    def recent_messages(self, conversation, limit):
        return []


def test_a_bot_error_reaches_the_caller_and_the_worker_goes_on(make_pool):
    pool = make_pool(MoodyBot(), workers=1)

    async def scenario():
        with pytest.raises(ValueError, match="no idea"):
            await pool.reply("fail", "c")
        return await pool.reply("still here", "c")

    assert asyncio.run(scenario()) == "still here"


def test_more_requests_than_workers_are_all_answered(make_pool):
    pool = make_pool(MoodyBot(), workers=2)

    async def scenario():
        return await asyncio.gather(*(pool.reply(str(n), "c") for n in range(50)))

    assert asyncio.run(scenario()) == [str(n) for n in range(50)]


def test_a_dead_worker_fails_its_request_and_the_others_take_over(make_pool):
    pool = make_pool(MoodyBot(), workers=2)

    async def scenario():
        with pytest.raises(WorkerDied):
            await pool.reply("die", "c")
        return await asyncio.gather(*(pool.reply(str(n), "c") for n in range(10)))

    assert asyncio.run(scenario()) == [str(n) for n in range(10)]


def test_when_every_worker_is_dead_replies_fail_at_once(make_pool):
    pool = make_pool(MoodyBot(), workers=1)

    async def scenario():
        with pytest.raises(WorkerDied):
            await pool.reply("die", "c")
        with pytest.raises(WorkerDied):
            await pool.reply("hello", "c")

    asyncio.run(scenario())
