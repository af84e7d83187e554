"""Diego on several processes sharing Redis and PostgreSQL: replies/s, and a true count.

Run: uv run python -m bench.scale_out [--quick]

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/14) and PostgreSQL (an admin URL,
POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test, where a database is made
for the run and dropped after).

1. replies/s with 1, 2 and 4 server processes (100 closed-loop clients, and the probes of
   /client-count and /health, spread over them; each process gets cores / processes bot
   workers, at least one), all in one run;
2. the count under churn: clients connect to and leave from two processes at random, then
   a known number stays: every process must count exactly that, then 0.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack

import redis
import websockets

from bench.full_speed import RAISED_LIMITS, SERVER_ENV
from tests.conftest import database_beside, postgres_admin
from tests.live import FIRST_START_TIMEOUT, ROOT, LiveServer

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PROBE_EVERY = 0.01  # seconds, bench.load's default for one load generator


def servers(database_url: str, count: int, stack: ExitStack) -> list[LiveServer]:
    workers = max(1, len(os.sched_getaffinity(0)) // count)
    env = {**SERVER_ENV, "REDIS_URL": REDIS_URL, "BOT_WORKERS": str(workers)}
    return [stack.enter_context(LiveServer(database_url, env=env)) for _ in range(count)]


def replies_per_second(database_url: str, processes: int, clients: int, seconds: float) -> float:
    with ExitStack() as stack:
        running = servers(database_url, processes, stack)
        loads = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.load", "--port", str(server.port)]
                + ["--clients", str(clients // processes), "--seconds", str(seconds)]
                # The probes of /client-count and /health shared out too: the same load
                # in all, whatever the number of processes.
                + ["--probe-every", str(PROBE_EVERY * processes)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for server in running
        ]
        results = [json.loads(load.communicate()[0]) for load in loads]
    return sum(result["replies_per_second"] for result in results)


async def churn(urls: list[str], seconds: float, staying: int) -> list[int]:
    """Connect and leave at random across `urls`, then keep `staying` connections."""
    rng = random.Random(7)
    open_ = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if open_ and rng.random() < 0.5:
            await open_.pop(rng.randrange(len(open_))).close()
        else:
            open_.append(await websockets.connect(rng.choice(urls)))
    while len(open_) > staying:
        await open_.pop().close()
    while len(open_) < staying:
        open_.append(await websockets.connect(rng.choice(urls)))
    return open_


def count_under_churn(database_url: str, seconds: float, staying: int) -> dict:
    with ExitStack() as stack:
        running = servers(database_url, 2, stack)

        async def scenario():
            held = await churn([server.ws_url for server in running], seconds, staying)
            counts = [await asyncio.to_thread(s.wait_for_count, staying, 5) for s in running]
            for ws in held:
                await ws.close()
            after = [await asyncio.to_thread(s.wait_for_count, 0, 5) for s in running]
            return counts, after

        counts, after = asyncio.run(scenario())
    return {"staying": staying, "counts": counts, "after": after}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    seconds = 2 if args.quick else 8
    redis.from_url(REDIS_URL).flushdb()
    name = f"diego_bench_{uuid.uuid4().hex[:8]}"
    postgres_admin(POSTGRES_URL, f"CREATE DATABASE {name}")
    database_url = database_beside(POSTGRES_URL, name)
    try:
        with LiveServer(
            database_url,
            env={**SERVER_ENV, "REDIS_URL": REDIS_URL},
            ready_timeout=FIRST_START_TIMEOUT,
        ):
            pass  # trains the knowledge base once, before anything is measured
        rates = {n: replies_per_second(database_url, n, 100, seconds) for n in (1, 2, 4)}
        churned = count_under_churn(database_url, seconds, 50)
    finally:
        postgres_admin(POSTGRES_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    cores = len(os.sched_getaffinity(0))
    print(f"\nDiego on several processes: {cores} cores, Redis presence, PostgreSQL knowledge")
    print(f"limits raised for the run: {', '.join(RAISED_LIMITS)}")
    for processes, rate in rates.items():
        print(
            f"{processes} process(es), {max(1, cores // processes)} bot worker(s) each: "
            f"{rate:.0f} replies/s ({rate / rates[1]:.2f} x one process)"
        )
    exact = churned["counts"] == [50, 50] and churned["after"] == [0, 0]
    print(
        f"count under churn across 2 processes: {churned['staying']} staying, counted "
        f"{churned['counts']}, then {churned['after']}: {'exact' if exact else 'WRONG'}"
    )


if __name__ == "__main__":
    main()
