"""The worker pool: replies computed in other processes, the event loop left free."""

import asyncio
import os
import signal
import time

import pytest

from diego.serving.pool import BotPool, ReplyTimedOut, WorkerDied


class SleepyBot:
    """Takes `delay` seconds to answer, and says which process answered."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.forked = False

    def after_fork(self):
        self.forked = True

    def reply(self, text, conversation, address=""):
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
    pids = [worker.pid for worker in pool._workers]
    pool.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


class MoodyBot:
    """Fails on "fail", dies on "die", echoes anything else."""

    def reply(self, text, conversation, address=""):
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


def test_when_every_worker_is_dead_requests_wait_for_their_replacements(make_pool, caplog):
    pool = make_pool(MoodyBot(), workers=1)
    (first,) = [worker.pid for worker in pool._workers]

    async def scenario():
        with pytest.raises(WorkerDied):
            await pool.reply("die", "c")
        return await pool.reply("hello", "c")

    assert asyncio.run(scenario()) == "hello"
    assert [worker.pid for worker in pool._workers if worker.alive] != [first]
    assert f"worker {first} exited with status 3" in caplog.text


def test_a_worker_killed_from_outside_is_replaced(make_pool, caplog):
    pool = make_pool(MoodyBot(), workers=2)

    async def scenario():
        await pool.reply("warm up", "c")  # attaches the pool to this loop
        victim = pool._workers[0].pid
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (
            pool.alive_workers < 2 or victim in [w.pid for w in pool._workers if w.alive]
        ):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the zygote's word on how it ended
        return victim, await asyncio.gather(*(pool.reply(str(n), "c") for n in range(10)))

    victim, replies = asyncio.run(scenario())
    assert replies == [str(n) for n in range(10)]
    assert pool.alive_workers == 2
    assert f"worker {victim} was killed by signal SIGKILL" in caplog.text


def test_a_worker_that_does_not_answer_in_time_is_stopped_and_replaced(caplog):
    pool = BotPool(SleepyBot(delay=3.0), workers=1, reply_timeout=0.5)
    try:
        stuck = pool._workers[0].pid

        async def scenario():
            with pytest.raises(ReplyTimedOut):
                await pool.reply("hello", "c")
            pool.reply_timeout = 5.0
            return await pool.reply("hello again", "c")

        pid, *_ = asyncio.run(scenario()).split()
    finally:
        pool.close()
    assert int(pid) != stuck
    assert f"worker {stuck} did not answer within 0.5 s" in caplog.text


class FileBot:
    """Knows the lines of a file, as read at its last catch-up; 'learn: x' adds one."""

    def __init__(self, path):
        self.path = path
        self.known, self.catch_ups, self.changed = [], 0, False

    def catch_up(self):
        self.known = self.path.read_text().splitlines()
        self.catch_ups += 1

    def news(self):
        changed, self.changed = self.changed, False
        return {"knowledge_changed": 1} if changed else {}

    def knowledge_summary(self):
        return self.path.stat().st_size

    def reply(self, text, conversation, address=""):
        if text.startswith("learn: "):
            with self.path.open("a") as file:
                file.write(text.removeprefix("learn: ") + "\n")
            self.changed = True
        return (os.getpid(), self.catch_ups, tuple(self.known))


def test_workers_catch_up_once_after_a_worker_changed_what_is_known(make_pool, tmp_path):
    knowledge = tmp_path / "knowledge.txt"
    knowledge.write_text("")
    pool = make_pool(FileBot(knowledge))

    async def ask(texts):
        return await asyncio.gather(*(pool.reply(text, "c") for text in texts))

    before = asyncio.run(ask(["hi"] * 20))
    # Each worker caught up once, at its first request, and not at every reply.
    assert {pid: catch_ups for pid, catch_ups, _ in before} == {pid: 1 for pid, *_ in before}
    asyncio.run(ask(["learn: lettuce"]))
    after = asyncio.run(ask(["hi"] * 20))
    assert len({pid for pid, *_ in after}) == 2
    assert all(known == ("lettuce",) and catch_ups == 2 for _, catch_ups, known in after)


def test_workers_catch_up_with_what_other_processes_changed_when_watched(make_pool, tmp_path):
    knowledge = tmp_path / "knowledge.txt"
    knowledge.write_text("")
    pool = make_pool(FileBot(knowledge))

    async def main():
        pool.watch(0.05, "knowledge_summary")
        await asyncio.gather(*(pool.reply("hi", "c") for _ in range(10)))
        knowledge.write_text("written by a CLI\n")
        await asyncio.sleep(0.5)
        return await asyncio.gather(*(pool.reply("hi", "c") for _ in range(20)))

    after = asyncio.run(main())
    assert len({pid for pid, *_ in after}) == 2
    assert all(known == ("written by a CLI",) for *_, known in after)
