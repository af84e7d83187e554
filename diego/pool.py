"""Replies computed in worker processes: off the event loop, and on every core."""

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_bot = None


class BotPool:
    """Worker processes forked from this one, each holding a copy of `bot`.

    `bot` needs `reply(text, conversation) -> str` and
    `recent_messages(conversation, limit) -> list` methods, and may have an
    `after_fork()` method run in each worker (to drop inherited connections).
    ChatterBot's `get_response` is CPU-bound Python: threads would share one core
    through the GIL, processes use them all.
    """

    def __init__(self, bot, workers: int):
        # Fork rather than spawn: workers start in milliseconds with the bot already
        # loaded, sharing its memory copy-on-write.
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_adopt,
            initargs=(bot, os.getpid()),
        )
        # Fork every worker now, before the server opens sockets they would inherit.
        self._executor.submit(os.getpid).result()
        self.workers = workers

    async def reply(self, text: str, conversation: str) -> str:
        """Return the bot's reply, computed in a worker process."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _reply, text, conversation)

    async def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        """Return the conversation's last messages, read in a worker process."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _recent_messages, conversation, limit)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _adopt(bot, parent_pid: int) -> None:
    global _bot
    # The parent's event loop owns the signal wakeup pipe and handles Ctrl+C and SIGTERM.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    after_fork = getattr(bot, "after_fork", None)
    if after_fork is not None:
        after_fork()
    _bot = bot
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    # A server killed with -9 cannot stop its workers: they notice and leave.
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)


def _reply(text: str, conversation: str) -> str:
    return _bot.reply(text, conversation)


def _recent_messages(conversation: str, limit: int) -> list[dict]:
    return _bot.recent_messages(conversation, limit)
