"""Diego under fire: what an attack or a fault costs, measured against real servers.

Run: uv run python -m bench.under_fire [--quick]

- a client flooding pings without reading the pongs: what the server grows, and how soon
  it is dropped (MAX_UNSENT_BYTES 1 MiB, the default);
- a worker killed with -9, and one stopped with SIGSTOP: how soon a new one serves
  (REPLY_TIMEOUT 2 s here);
- the history under steady chat with a short retention (HISTORY_RETENTION_DAYS 30 s here,
  pruned every 7.5 s): the database's size over time, flat once pruning keeps up.
"""

import argparse
import asyncio
import os
import signal
import tempfile
import time
from pathlib import Path

import websockets

from tests.conftest import copy_of, trained_knowledge
from tests.live import LiveServer, rss_kib
from tests.serving.test_connections import flood_with_pings, raw_websocket
from tests.test_faults import worker_pids


def ping_flood(database_url: str) -> str:
    with LiveServer(database_url, env={"PING_INTERVAL": "60", "PING_TIMEOUT": "60"}) as server:
        before = rss_kib(server.process.pid)
        sock = raw_websocket(server.port)
        dropped_after = flood_with_pings(sock, seconds=60)
        grown = (rss_kib(server.process.pid) - before) / 1024
        sock.close()
    when = f"dropped after {dropped_after:.2f} s" if dropped_after else "NOT dropped in 60 s"
    return f"ping flood, never reading: {when}, server RSS +{grown:.1f} MiB"


def replaced_after(server: LiveServer, gone: int) -> float:
    """Seconds until the workers are back to two, without `gone`."""
    started = time.monotonic()
    while time.monotonic() - started < 30:
        pids = worker_pids(server)
        if len(pids) == 2 and gone not in pids:
            return time.monotonic() - started
        time.sleep(0.02)
    return float("inf")


def workers(database_url: str) -> list[str]:
    env = {"BOT_WORKERS": "2", "REPLY_TIMEOUT": "2"}
    with LiveServer(database_url, env=env) as server:
        time.sleep(1)
        killed = sorted(worker_pids(server))[0]
        os.kill(killed, signal.SIGKILL)
        after_kill = replaced_after(server, killed)
        time.sleep(1)
        stopped = sorted(worker_pids(server))[0]
        os.kill(stopped, signal.SIGSTOP)
        after_stop = replaced_after(server, stopped)
    return [
        f"worker killed with -9: replaced after {after_kill:.2f} s",
        f"worker stopped (SIGSTOP), idle: found and replaced after {after_stop:.2f} s "
        f"(REPLY_TIMEOUT 2 s: pinged within 2 s, answer awaited 2 s)",
    ]


async def chat_steadily(url: str, seconds: float, clients: int) -> int:
    deadline = time.monotonic() + seconds

    async def one(number: int) -> int:
        sent = 0
        async with websockets.connect(url) as ws:
            while time.monotonic() < deadline:
                await ws.send(f"Hello, this is client {number}, message {sent}")
                await ws.recv()
                sent += 1
                await asyncio.sleep(0.05)
        return sent

    return sum(await asyncio.gather(*(one(n) for n in range(clients))))


def database_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def history_under_load(database_url: str, seconds: float) -> list[str]:
    path = Path(database_url.removeprefix("sqlite:///"))
    retention = 30 / 86400  # 30 s, in days
    env = {"HISTORY_RETENTION_DAYS": repr(retention), "RATE_LIMIT": "1000", "RATE_BURST": "1000"}
    sizes = []
    with LiveServer(database_url, env=env) as server:
        start_size = database_size(path)

        async def sample():
            chat = asyncio.create_task(chat_steadily(server.ws_url, seconds, clients=20))
            while not chat.done():
                sizes.append(database_size(path))
                await asyncio.sleep(seconds / 12)
            return await chat

        exchanges = asyncio.run(sample())
    curve = ", ".join(f"{(size - start_size) / 2**20:.1f}" for size in sizes)
    return [
        f"history, 20 clients chatting {seconds:.0f} s ({exchanges:,} exchanges), retention "
        f"30 s: database growth in MiB over time: {curve}",
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short history run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        trained = trained_knowledge(folder)
        lines = [ping_flood(copy_of(trained, folder, "flood.sqlite3"))]
        lines += workers(copy_of(trained, folder, "workers.sqlite3"))
        seconds = 20 if args.quick else 120
        lines += history_under_load(copy_of(trained, folder, "history.sqlite3"), seconds)
    print("\nDiego under fire")
    for line in lines:
        print(" ", line)


if __name__ == "__main__":
    main()
