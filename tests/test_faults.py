"""Black-box: crashes, shutdowns, churn and careless clients: the count stays true, nothing
is lost."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from diego.serving.conversation import CANNOT_THINK, TOO_FAST

from .conftest import copy_of
from .live import LiveServer, rss_kib
from .test_server import corpus_replies, reset
from .test_under_fire import ask_once, close_code, frame, handshake, health


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_sigterm_closes_conversations_with_1012_and_exits_0(trained_database):
    async def scenario(server):
        clients = [await websockets.connect(server.ws_url) for _ in range(2)]
        for ws in clients:
            await ws.send("Hello")
            await ws.recv()
        server.process.send_signal(signal.SIGTERM)
        codes = []
        for ws in clients:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            codes.append(closed.value.rcvd.code if closed.value.rcvd else None)
        return codes

    with LiveServer(trained_database) as server:
        assert asyncio.run(scenario(server)) == [1012, 1012]
        assert server.process.wait(15) == 0
    assert "Traceback" not in server.log


def test_2000_connections_opened_and_closed_leak_nothing(server):
    async def cycles(count: int):
        for number in range(count):
            if number % 2:
                async with websockets.connect(server.ws_url) as ws:
                    await ws.send("Hello")
                    await ws.recv()
            else:  # vanish without a close frame
                sock, _ = await asyncio.to_thread(handshake, server.port)
                await asyncio.to_thread(reset, sock)

    pid = server.process.pid
    asyncio.run(cycles(200))  # warm up: first-time allocations are not leaks
    assert server.wait_for_count(0) == 0
    rss, fds = rss_kib(pid), open_files(pid)
    asyncio.run(cycles(2000))
    assert server.wait_for_count(0) == 0
    time.sleep(0.5)
    assert open_files(pid) <= fds + 2
    assert rss_kib(pid) - rss < 4 * 1024  # KiB: under 2 KiB per connection, were they kept


def test_a_client_that_never_reads_is_cut_off_and_others_are_served(server):
    sock, _ = handshake(server.port)
    sock.settimeout(5)
    for _ in range(50):
        try:
            sock.sendall(frame(0x1, b"Hello"))
        except OSError:
            break  # the server closed it
    code = close_code(sock)
    sock.close()
    assert code == 1008
    assert asyncio.run(ask(server.ws_url, "Hello")) in corpus_replies()["Hello"]
    assert server.wait_for_count(0) == 0


async def ask(url: str, text: str) -> str:
    async with websockets.connect(url) as ws:
        await ws.send(text)
        return await ws.recv()


def chat_until_stopped(url: str, delivered: list, stop: threading.Event, client: str) -> None:
    """Chat with learning on, noting each exchange whose reply came back."""

    async def run():
        number = 0
        while not stop.is_set():
            try:
                async with websockets.connect(url, open_timeout=2) as ws:
                    while not stop.is_set():
                        text = f"crash test {client}-{number}"
                        number += 1
                        await ws.send(text)
                        if await asyncio.wait_for(ws.recv(), 5) != TOO_FAST:
                            delivered.append(text)
                        await asyncio.sleep(0.01)
            except (OSError, ConnectionClosed, TimeoutError):
                await asyncio.sleep(0.1)

    asyncio.run(run())


def test_kill_9_while_learning_loses_nothing_delivered_and_never_retrains(
    tmp_path, trained_database
):
    url = copy_of(trained_database, tmp_path)
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        trained = db.execute("select count(*) from statement where conversation = 'training'")
        trained = trained.fetchone()[0]
    delivered: list[str] = []
    port = 0
    for run in range(3):
        with LiveServer(url, "--learn", port=port, env={"RATE_LIMIT": "1000"}) as server:
            port = server.port
            stop = threading.Event()
            chatters = [
                threading.Thread(
                    target=chat_until_stopped, args=(server.ws_url, delivered, stop, f"{run}.{n}")
                )
                for n in range(4)
            ]
            for chatter in chatters:
                chatter.start()
            time.sleep(1.5)
            server.process.kill()  # kill -9, mid-conversation
            server.process.wait()
            stop.set()
            for chatter in chatters:
                chatter.join(10)
        time.sleep(1.5)  # orphaned workers notice and leave
    assert len(delivered) > 20
    with sqlite3.connect(path) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        kept = {
            text
            for (text,) in db.execute(
                "select text from diego_message where sender = 'user' and text like 'crash test %'"
            )
        }
        again = db.execute("select count(*) from statement where conversation = 'training'")
        assert again.fetchone()[0] == trained  # never retrained, never duplicated
    missing = [text for text in delivered if text not in kept]
    assert missing == [], (len(delivered), missing)


def worker_pids(server: LiveServer) -> set[int]:
    """The server's workers: the children of its one child, the zygote that forks them."""
    (zygote,) = children_of(server.process.pid)
    return set(children_of(zygote))


def children_of(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def wait_for_workers(server: LiveServer, count: int, timeout: float = 10) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = worker_pids(server)
        if len(pids) == count and health(server)[1]["workers"] == count:
            return pids
        time.sleep(0.1)
    return worker_pids(server)


def test_dead_workers_are_replaced_and_history_never_answers_500(trained_database):
    with LiveServer(trained_database, env={"BOT_WORKERS": "2"}) as server:
        first = wait_for_workers(server, 2)
        assert len(first) == 2
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        started = time.monotonic()
        statuses = set()
        while time.monotonic() - started < 1:
            try:
                statuses.add(server.get("/history").status)
            except urllib.error.HTTPError as error:
                statuses.add(error.code)
        replaced = wait_for_workers(server, 2)
        took = time.monotonic() - started
        assert len(replaced) == 2 and not replaced & first
        assert took < 5, took
        assert statuses <= {200, 503}, statuses
        assert health(server) == (200, {**health(server)[1], "workers": 2, "status": "ok"})
        assert asyncio.run(ask_once(server.ws_url, "Hello")) in corpus_replies()["Hello"]
    for pid in first:
        assert f"worker {pid} was killed by signal SIGKILL" in server.log
    assert "Traceback" not in server.log


def test_a_stopped_worker_costs_at_most_the_reply_time_limit_then_is_replaced(trained_database):
    env = {"BOT_WORKERS": "2", "REPLY_TIMEOUT": "1"}
    with LiveServer(trained_database, env=env) as server:
        stopped = sorted(wait_for_workers(server, 2))[0]
        os.kill(stopped, signal.SIGSTOP)

        async def ask_many():
            async with websockets.connect(server.ws_url) as ws:
                replies = []
                for _ in range(6):
                    await ws.send("Hello")
                    replies.append(await asyncio.wait_for(ws.recv(), 5))
                return replies

        started = time.monotonic()
        replies = asyncio.run(ask_many())
        took = time.monotonic() - started
        assert set(replies) <= {*corpus_replies()["Hello"], CANNOT_THINK}, replies
        assert took < 6 * 1 + 2, took  # nobody waits past the time limit
        # Asked or not, it is found out (idle workers are pinged) and replaced.
        deadline = time.monotonic() + 1 + 1 + 3
        while stopped in worker_pids(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stopped not in wait_for_workers(server, 2)
        assert asyncio.run(ask_once(server.ws_url, "Hello")) in corpus_replies()["Hello"]
    assert f"worker {stopped} did not answer within 1 s" in server.log


@pytest.fixture
def small_disk(tmp_path):
    """A 96 MiB file system of its own (tmpfs), to fill up; skipped where none can be
    mounted (mounting needs root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:  # nothing left to flush when full
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError:
                pass
    return filler


def test_a_full_disk_keeps_replies_going_says_so_once_and_recovers(small_disk, trained_database):
    url = copy_of(trained_database, small_disk)
    with LiveServer(url, env={"BOT_WORKERS": "1", "RATE_BURST": "100"}) as server:
        assert health(server)[1]["database"] == "ok"
        filler = fill(small_disk)

        async def chat(count):
            async with websockets.connect(server.ws_url) as ws:
                replies = []
                for _ in range(count):
                    await ws.send("Hello")
                    replies.append(await ws.recv())
                return replies

        replies = asyncio.run(chat(20))
        deadline = time.monotonic() + 3  # the write check's answer holds for a second
        while (status := health(server))[0] == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        status, body = status
        filler.unlink()
        deadline = time.monotonic() + 10
        while health(server)[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        recovered = health(server)
        after = asyncio.run(chat(1))
    assert all(reply in corpus_replies()["Hello"] for reply in replies), replies
    assert (status, body["database"]) == (503, "unwritable")
    assert recovered[0] == 200 and after[0] in corpus_replies()["Hello"]
    assert server.log.count("Could not keep") == 1  # 20 exchanges, one line
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_a_writer_lock_held_forever_costs_each_write_at_most_a_short_wait(
    tmp_path, trained_database
):
    import fcntl

    url = copy_of(trained_database, tmp_path)
    with LiveServer(url, env={"REPLY_TIMEOUT": "10", "BOT_WORKERS": "1"}) as server:
        # As a writer stopped while holding it would: nobody else may take it.
        held = os.open(url.removeprefix("sqlite:///"), os.O_RDONLY)
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            started = time.monotonic()
            reply = asyncio.run(ask_once(server.ws_url, "Hello"))
            took = time.monotonic() - started
        finally:
            os.close(held)
    assert reply in corpus_replies()["Hello"]  # kept in the history too, without the lock
    assert took < 2 + 1.5, took
    assert "writing without it" in server.log
