"""Replies computed in worker processes: off the event loop, and on every core."""

import asyncio
import collections
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import select
import signal
import threading
import time
from multiprocessing import reduction

logger = logging.getLogger("diego")

# Requests go to a worker in batches, one pipe message each, and it holds at most DEPTH
# batches at once: the next waits in its pipe, so the worker never idles while the event
# loop hands out work. A batch is at most MOST_AT_ONCE requests, so that no worker sits
# on a queue another could be answering.
DEPTH = 2
MOST_AT_ONCE = 8
# A worker answering a batch sends back what it answered at least this often, so that
# slow replies do not hold up the first ones of their batch.
FLUSH = 0.002  # seconds
RESPAWN_DELAY = 0.2  # seconds
PING = "__ping__"  # answered by the worker itself: is it still there?


class WorkerDied(RuntimeError):
    """The worker process computing a reply is gone."""


class ReplyTimedOut(RuntimeError):
    """A worker took longer than the pool's time limit: it was stopped and replaced."""


class BotPool:
    """Worker processes, each holding a copy of `bot`, replaced when they die or hang.

    `bot` needs `reply(text, conversation, address) -> str` and
    `recent_messages(conversation, limit) -> list` methods, and may have an
    `after_fork()` method run in each worker (to drop inherited connections), and
    `catch_up()` and `news() -> dict[str, int]` methods: a worker whose bot changed what
    it knows says so with its answer (news of "knowledge_changed"), and every worker
    catches up before its next request, and only then: no worker reads the database
    before each reply to find out. All news, and the pool's own ("worker_restarts"), go
    to `on_news`.
    ChatterBot's `get_response` is CPU-bound Python: threads would share one core through
    the GIL, processes use them all. Each worker has a pipe that the event loop watches,
    so the server needs no thread and little CPU per request (measured: a tenth of what
    `concurrent.futures.ProcessPoolExecutor` costs, see bench/full_speed.py); requests
    that come in the same turn of the event loop share a pipe message, and so do answers.

    Workers are forked by a "zygote" process, forked from this one before the server
    opens any socket: a worker forked later from the server would inherit its clients'
    sockets and keep them open. A request not answered within `reply_timeout` seconds
    fails with `ReplyTimedOut`, and its worker, stuck, is killed; a dead worker is
    replaced at once.
    """

    def __init__(self, bot, workers: int, reply_timeout: float = 30.0, keep=None, on_news=None):
        """`keep(conversation, said, replied)`, if given, is awaited after each reply
        (a `HistoryWriter`'s)."""
        context = multiprocessing.get_context("fork")
        self._zygote, theirs = context.Pipe()
        self._zygote_process = context.Process(
            target=_zygote, args=(bot, theirs, os.getpid()), daemon=True
        )
        self._zygote_process.start()
        theirs.close()
        self.workers = workers
        self.reply_timeout = reply_timeout
        self._keep = keep
        self._on_news = on_news
        self._workers: list[_Worker] = []
        self._waiting: collections.deque[_Request] = collections.deque()
        self._loop = None
        self._next_id = 0
        self._chores: set[asyncio.Handle] = set()
        self._heartbeat = None
        self._dispatching = False  # a dispatch of the waiting requests is due
        self._expiry = None  # when the oldest request is due to time out
        # Of what the bot knows: bumped when it changed, so that each worker catches up.
        self.generation = 0
        for _ in range(workers):
            self._zygote.send("spawn")
            self._take_message()

    @property
    def alive_workers(self) -> int:
        return sum(worker.alive for worker in self._workers)

    async def reply(self, text: str, conversation: str, address: str = "") -> str:
        """Return the bot's reply, computed in a worker process (and kept, with `keep`)."""
        reply = await self._call("reply", text, conversation, address)
        if self._keep is not None:
            await self._keep(conversation, text, reply)
        return reply

    async def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        """Return the conversation's last messages, read in a worker process."""
        return await self._call("recent_messages", conversation, limit)

    async def forget(self, conversation: str) -> int:
        """Erase a conversation, in a worker process; return how many messages it had."""
        return await self._call("forget", conversation)

    def every(self, seconds: float, method: str, *args, then=None) -> None:
        """Call the bot's `method(*args)` in a worker now and every `seconds` (a chore,
        such as pruning the history), from the running event loop, until closed; pass
        each result to `then`, if given."""
        loop = asyncio.get_running_loop()

        def run() -> None:
            self._chores.discard(handle[0])
            task = loop.create_task(self._call(method, *args))
            task.add_done_callback(lambda task: _chore_done(task, then))
            handle[0] = loop.call_later(seconds, run)
            self._chores.add(handle[0])

        handle = [loop.call_soon(run)]
        self._chores.add(handle[0])

    def watch(self, seconds: float, method: str) -> None:
        """Every `seconds`, ask a worker for the bot's `method()`, a summary of what it
        knows: when it changes (other processes write too: a CLI, other servers), every
        worker catches up. One query a period, not one a reply."""
        last = [None]

        def compare(summary) -> None:
            if summary != last[0]:
                last[0] = summary
                self.generation += 1

        self.every(seconds, method, then=compare)

    async def _call(self, method: str, *args):
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._attach(loop)
        if not any(w.alive for w in self._workers) and not self._zygote_process.is_alive():
            raise WorkerDied("Diego's worker processes are gone")
        request = self._request(method, args)
        # For a free worker, or the next one forked: with the others that come in this
        # turn of the loop, in one message.
        self._waiting.append(request)
        if not self._dispatching:
            self._dispatching = True
            loop.call_soon(self._dispatch)
        return await request.future

    def _request(self, method: str, args: tuple) -> "_Request":
        self._next_id += 1
        request = _Request(self._next_id, method, args, self._loop)
        if self._expiry is None:
            self._expiry = self._loop.call_at(request.started + self.reply_timeout, self._expire)
        return request

    def _expire(self) -> None:
        """Fail the requests older than `reply_timeout`: one timer for them all, not one
        each, set for when the oldest left is due. Each queue (the waiting requests, each
        worker's) is in order of age: only its expired head is read."""
        self._expiry = None
        now = self._loop.time()
        queues = [self._waiting, *(w.pending.values() for w in self._workers if w.alive)]
        oldest_left = []
        expired = []
        for queue in queues:
            for request in queue:
                if request.future.done():
                    continue
                if now - request.started < self.reply_timeout:
                    oldest_left.append(request.started)
                    break
                expired.append(request)
        for request in expired:
            request.future.set_exception(ReplyTimedOut(f"No reply within {self.reply_timeout:g} s"))
            self._give_up(request)
        if oldest_left:
            self._expiry = self._loop.call_at(min(oldest_left) + self.reply_timeout, self._expire)

    def _give_up(self, request: "_Request") -> None:
        if request in self._waiting:
            self._waiting.remove(request)
            return
        for worker in self._workers:
            if request.id in worker.pending and worker.alive:
                logger.error(
                    "Diego's worker %d did not answer within %g s: stopping it",
                    worker.pid,
                    self.reply_timeout,
                    extra={"pid": worker.pid},
                )
                worker.alive = False  # no new request for it
                worker.kill()  # its pipe closes: it is buried and replaced

    def _check_idle_workers(self) -> None:
        """Ask each idle worker to answer: one stopped between requests is found too."""
        self._heartbeat = self._loop.call_later(self.reply_timeout, self._check_idle_workers)
        for worker in self._workers:
            if worker.alive and not worker.pending:
                ping = self._request(PING, ())
                # No one awaits it: a worker that does not answer is stopped all the same.
                ping.future.add_done_callback(_consume)
                worker.send([ping], self.generation)

    def _attach(self, loop) -> None:
        # Once per event loop: the pool may outlive one (tests run several).
        self._loop = loop
        self._waiting.clear()
        self._dispatching, self._expiry = False, None
        self._heartbeat = loop.call_later(self.reply_timeout, self._check_idle_workers)
        loop.add_reader(self._zygote.fileno(), self._take_message)
        for worker in self._workers:
            worker.pending.clear()
            worker.batches.clear()
            if worker.alive:
                loop.add_reader(worker.pipe.fileno(), self._receive, worker)

    def _take_message(self) -> None:
        """Read what the zygote says: a new worker, or how one ended."""
        try:
            message = self._zygote.recv()
        except (EOFError, OSError):
            if self._loop is not None:
                self._loop.remove_reader(self._zygote.fileno())
            logger.error("Diego's worker factory is gone: dead workers are not replaced")
            return
        if message[0] == "spawned":
            pipe = multiprocessing.connection.Connection(reduction.recv_handle(self._zygote))
            worker = _Worker(message[1], pipe)
            self._workers = [w for w in self._workers if w.alive] + [worker]
            if self._loop is not None:
                self._loop.add_reader(pipe.fileno(), self._receive, worker)
                self._dispatch()
        else:
            _, pid, how = message
            logger.error(
                "Diego's worker %d %s; a new one replaces it", pid, how, extra={"pid": pid}
            )
            self._take_news({"worker_restarts": 1})

    def _receive(self, worker: "_Worker") -> None:
        try:
            answers, news, finished = worker.pipe.recv()
        except (EOFError, OSError):
            self._bury(worker)
            return
        if news:
            self._take_news(news)
        for request_id, ok, value in answers:
            request = worker.pending.pop(request_id, None)
            if request is not None and not request.future.done():
                if ok:
                    request.future.set_result(value)
                else:
                    request.future.set_exception(value)
        if finished is not None:
            worker.batches.discard(finished)
            if self._waiting and not self._dispatching:
                # Its next batch is in its pipe: this one can wait for the turn's requests.
                self._dispatching = True
                self._loop.call_soon(self._dispatch)

    def _take_news(self, news: dict[str, int]) -> None:
        if news.get("knowledge_changed"):
            self.generation += 1
        if self._on_news is not None:
            self._on_news(news)

    def _dispatch(self) -> None:
        """Hand the waiting requests to the workers with room, the least busy first, each
        its share in one message."""
        self._dispatching = False
        while self._waiting:
            free = [w for w in self._workers if w.alive and len(w.batches) < DEPTH]
            if not free:
                return
            worker = min(free, key=_load)
            share = min(MOST_AT_ONCE, -(-len(self._waiting) // len(free)))
            worker.send([self._waiting.popleft() for _ in range(share)], self.generation)

    def _bury(self, worker: "_Worker") -> None:
        worker.alive = False
        self._loop.remove_reader(worker.pipe.fileno())
        worker.pipe.close()
        for request in worker.pending.values():
            if not request.future.done():
                request.future.set_exception(WorkerDied("The worker computing this reply died"))
        worker.pending.clear()
        self._dispatch()
        # The requests left wait for the replacement (or time out). A worker that dies
        # as it starts is not replaced in a busy loop.
        self._loop.call_later(RESPAWN_DELAY, self._spawn)

    def _spawn(self) -> None:
        try:
            self._zygote.send("spawn")
        except OSError:
            while self._waiting:
                self._waiting.popleft().future.set_exception(WorkerDied("Diego's workers are gone"))

    def close(self, timeout: float = 3.0) -> None:
        """Stop the workers and their zygote; kill those still there after `timeout`
        seconds (a stopped or stuck worker never reads its pipe)."""
        for chore in [*self._chores, self._heartbeat, self._expiry]:
            if chore is not None:
                chore.cancel()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._zygote.fileno())
            for worker in self._workers:
                if worker.alive:
                    self._loop.remove_reader(worker.pipe.fileno())
        for worker in self._workers:
            if worker.alive:
                worker.ask_to_stop()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            while worker.alive and _exists(worker.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            worker.kill()
        try:
            self._zygote.send(None)  # it reaps the workers, then leaves
        except OSError:
            pass
        self._zygote_process.join(timeout=max(0.5, deadline - time.monotonic()))
        if self._zygote_process.is_alive():
            self._zygote_process.kill()
            self._zygote_process.join()
        self._zygote.close()


class _Request:
    __slots__ = ("id", "method", "args", "future", "started")

    def __init__(self, id_: int, method: str, args: tuple, loop):
        self.id, self.method, self.args = id_, method, args
        self.future = loop.create_future()
        self.started = loop.time()


class _Worker:
    def __init__(self, pid: int, pipe):
        self.pid, self.pipe = pid, pipe
        self.pending: dict[int, _Request] = {}
        self.batches: set[int] = set()  # those sent and not all answered, by first id
        self.alive = True

    def send(self, requests: list[_Request], generation: int) -> None:
        for request in requests:
            self.pending[request.id] = request
        self.batches.add(requests[0].id)
        self.pipe.send((generation, [(r.id, r.method, r.args) for r in requests]))

    def ask_to_stop(self) -> None:
        # A worker that does not read its pipe would block this send forever.
        # poll, not select: a worker forked while thousands of clients are connected has
        # a pipe numbered past select's 1,024.
        writable = select.poll()
        writable.register(self.pipe.fileno(), select.POLLOUT)
        if writable.poll(0):
            try:
                self.pipe.send(None)
            except OSError:
                pass

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _chore_done(task: asyncio.Task, then) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        logger.error("A chore of Diego's failed: %s", task.exception())
    elif then is not None:
        then(task.result())


def _consume(future: asyncio.Future) -> None:
    # Its exception retrieved, asyncio does not log it as never retrieved.
    if not future.cancelled():
        future.exception()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _load(worker: _Worker) -> int:
    return len(worker.pending)


def _zygote(bot, control, server_pid: int) -> None:
    """Fork a worker whenever the server asks; tell it how each one ended."""
    _ignore_the_servers_signals()
    threading.Thread(target=_exit_with_parent, args=(server_pid,), daemon=True).start()
    children: set[int] = set()
    while True:
        if control.poll(0.2):
            try:
                request = control.recv()
            except (EOFError, OSError):
                break
            if request is None:
                break
            ours, theirs = multiprocessing.Pipe()
            pid = os.fork()
            if pid == 0:
                control.close()
                ours.close()
                try:
                    _work(bot, theirs, os.getppid())
                finally:
                    os._exit(0)
            theirs.close()
            children.add(pid)
            control.send(("spawned", pid))
            reduction.send_handle(control, ours.fileno(), server_pid)
            ours.close()
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            children.discard(pid)
            control.send(("ended", pid, _how(status)))
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


def _ignore_the_servers_signals() -> None:
    # The parent's event loop owns the signal wakeup pipe and handles Ctrl+C and SIGTERM.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _work(bot, pipe, parent_pid: int) -> None:
    _ignore_the_servers_signals()
    after_fork = getattr(bot, "after_fork", None)
    if after_fork is not None:
        after_fork()
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    catch_up = getattr(bot, "catch_up", lambda: None)
    news = getattr(bot, "news", dict)
    seen = None  # the generation of knowledge caught up with: none yet, after the fork
    while (batch := pipe.recv()) is not None:
        generation, requests = batch
        answers, flushed = [], time.monotonic()
        for number, (request_id, method, args) in enumerate(requests, 1):
            try:
                if method == PING:
                    answer = None
                else:
                    if generation != seen:
                        catch_up()
                        seen = generation
                    answer = getattr(bot, method)(*args)
                answers.append((request_id, True, answer))
            except Exception as exc:
                answers.append((request_id, False, _picklable(exc)))
            finished = number == len(requests)
            if finished or time.monotonic() - flushed > FLUSH:
                pipe.send((answers, news() or None, requests[0][0] if finished else None))
                answers, flushed = [], time.monotonic()


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _exit_with_parent(parent_pid: int) -> None:
    # A server killed with -9 cannot stop its workers: they notice and leave.
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)
