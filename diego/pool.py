"""Replies computed in worker processes: off the event loop, and on every core."""

import asyncio
import collections
import logging
import multiprocessing
import os
import pickle
import select
import signal
import threading
import time

logger = logging.getLogger("diego")

# Requests a worker holds at once: the next one waits in its pipe, so the worker never
# idles while the event loop hands out work, and no request waits behind more than one.
DEPTH = 2


class WorkerDied(RuntimeError):
    """The worker process computing a reply is gone."""


class BotPool:
    """Worker processes forked from this one, each holding a copy of `bot`.

    `bot` needs `reply(text, conversation) -> str` and
    `recent_messages(conversation, limit) -> list` methods, and may have an
    `after_fork()` method run in each worker (to drop inherited connections).
    ChatterBot's `get_response` is CPU-bound Python: threads would share one core through
    the GIL, processes use them all. Each worker has a pipe that the event loop watches,
    so the server needs no thread and little CPU per request (measured: a tenth of what
    `concurrent.futures.ProcessPoolExecutor` costs, see bench/full_speed.py).
    """

    def __init__(self, bot, workers: int):
        # Fork rather than spawn: workers start in milliseconds with the bot already
        # loaded, sharing its memory copy-on-write. All are forked now, before the
        # server opens sockets they would inherit.
        context = multiprocessing.get_context("fork")
        self._workers = []
        for _ in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=_work, args=(bot, theirs, os.getpid()), daemon=True)
            process.start()
            theirs.close()
            self._workers.append(_Worker(process, ours))
        self.workers = workers
        self._waiting = collections.deque()
        self._loop = None
        self._next_id = 0

    @property
    def alive_workers(self) -> int:
        return sum(worker.alive for worker in self._workers)

    async def reply(self, text: str, conversation: str) -> str:
        """Return the bot's reply, computed in a worker process."""
        return await self._call("reply", text, conversation)

    async def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        """Return the conversation's last messages, read in a worker process."""
        return await self._call("recent_messages", conversation, limit)

    async def _call(self, method: str, *args):
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._attach(loop)
        self._next_id += 1
        request = (self._next_id, method, args, loop.create_future())
        worker = min((w for w in self._workers if w.alive), key=_load, default=None)
        if worker is None:
            raise WorkerDied("Diego's worker processes are gone")
        if len(worker.pending) < DEPTH:
            worker.send(request)
        else:
            self._waiting.append(request)
        return await request[3]

    def _attach(self, loop) -> None:
        # Once per event loop: the pool may outlive one (tests run several).
        self._loop = loop
        self._waiting.clear()
        for worker in self._workers:
            worker.pending.clear()
            if worker.alive:
                loop.add_reader(worker.pipe.fileno(), self._receive, worker)

    def _receive(self, worker: "_Worker") -> None:
        try:
            request_id, ok, value = worker.pipe.recv()
        except (EOFError, OSError):
            self._bury(worker)
            return
        future = worker.pending.pop(request_id)
        if not future.done():
            future.set_result(value) if ok else future.set_exception(value)
        while self._waiting and len(worker.pending) < DEPTH:
            worker.send(self._waiting.popleft())

    def _bury(self, worker: "_Worker") -> None:
        logger.error("A worker process of Diego's died (exit code %s)", worker.process.exitcode)
        worker.alive = False
        self._loop.remove_reader(worker.pipe.fileno())
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(WorkerDied("The worker computing this reply died"))
        worker.pending.clear()
        alive = [w for w in self._workers if w.alive]
        while self._waiting:
            request = self._waiting.popleft()
            if alive:
                min(alive, key=_load).send(request)
            else:
                request[3].set_exception(WorkerDied("Diego's worker processes are gone"))

    def close(self, timeout: float = 3.0) -> None:
        """Ask the workers to stop; kill those still there after `timeout` seconds (a
        stopped or stuck worker never reads the request)."""
        for worker in self._workers:
            if self._loop is not None and worker.alive and not self._loop.is_closed():
                self._loop.remove_reader(worker.pipe.fileno())
            # A worker that does not read its pipe would block this send forever.
            _, writable, _ = select.select([], [worker.pipe.fileno()], [], 0)
            if writable:
                try:
                    worker.pipe.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.pipe.close()


class _Worker:
    def __init__(self, process, pipe):
        self.process, self.pipe = process, pipe
        self.pending: dict[int, asyncio.Future] = {}
        self.alive = True

    def send(self, request) -> None:
        request_id, method, args, future = request
        self.pending[request_id] = future
        self.pipe.send((request_id, method, args))


def _load(worker: _Worker) -> int:
    return len(worker.pending)


def _work(bot, pipe, parent_pid: int) -> None:
    # The parent's event loop owns the signal wakeup pipe and handles Ctrl+C and SIGTERM.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    after_fork = getattr(bot, "after_fork", None)
    if after_fork is not None:
        after_fork()
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    while (request := pipe.recv()) is not None:
        request_id, method, args = request
        try:
            pipe.send((request_id, True, getattr(bot, method)(*args)))
        except Exception as exc:
            pipe.send((request_id, False, _picklable(exc)))


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
