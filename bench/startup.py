"""Start-up and reply latency of the real server: first start, restart, round trips.

Run: uv run python -m bench.startup [--restarts 5] [--messages 200]
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time

import websockets

from bench.full_speed import SERVER_ENV
from tests.live import LiveServer

PROMPTS = ["Hello", "How are you?", "What is your name?", "Good morning", "Tell me a joke"]


async def sequential_round_trips(url: str, count: int) -> list[float]:
    times = []
    async with websockets.connect(url) as ws:
        for i in range(count):
            started = time.perf_counter()
            await ws.send(PROMPTS[i % len(PROMPTS)])
            await ws.recv()
            times.append(time.perf_counter() - started)
    return times


async def concurrent_replies(url: str, clients: int, each: int) -> float:
    async def one_client():
        async with websockets.connect(url) as ws:
            for i in range(each):
                await ws.send(PROMPTS[i % len(PROMPTS)])
                await ws.recv()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return clients * each / (time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, int(share * len(values)))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{os.path.join(folder, 'diego.sqlite3')}"
        with LiveServer(url, env=SERVER_ENV) as server:
            first_start = server.ready_at - server.started_at
        restarts = []
        for _ in range(args.restarts):
            with LiveServer(url, env=SERVER_ENV) as server:
                restarts.append(server.ready_at - server.started_at)
        with LiveServer(url, env=SERVER_ENV) as server:
            asyncio.run(sequential_round_trips(server.ws_url, 10))  # warm up
            trips = asyncio.run(sequential_round_trips(server.ws_url, args.messages))
            rate = asyncio.run(concurrent_replies(server.ws_url, clients=20, each=25))

    ms = 1000
    print(f"machine: {os.cpu_count()} cores; server: python app.py, SQLite, read-only")
    print(f"first start (trains the whole English corpus), launch to ready: {first_start:.2f} s")
    print(
        f"restart over the trained database, launch to ready: median "
        f"{statistics.median(restarts):.2f} s, max {max(restarts):.2f} s ({len(restarts)} runs)"
    )
    print(
        f"reply latency, one client, {len(trips)} sequential messages: "
        f"p50 {percentile(trips, 0.5) * ms:.1f} ms, p95 {percentile(trips, 0.95) * ms:.1f} ms, "
        f"p99 {percentile(trips, 0.99) * ms:.1f} ms"
    )
    print(f"throughput, 20 clients x 25 messages: {rate:.0f} replies/s")


if __name__ == "__main__":
    main()
