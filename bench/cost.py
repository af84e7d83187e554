"""What a reply costs the server, all its processes together (issue 15), side by side.

Run: uv run python -m bench.cost [--quick]

100 closed-loop clients (bench/load.py, a process of its own) for 20 s each (--quick: 5 s)
against, in one run:
- echo: the Bocadillo tutorial's app with an echo in place of the bot;
- plumbing: the real `python app.py` (worker pool, ChatterBot, catch-up, history, limits,
  sessions) whose matcher always understands the same thing;
- Diego: the real `python app.py`, whole English corpus, read-only.
For each: replies/s, and server CPU per reply: the main process, the zygote and the workers.
Then Diego on PostgreSQL (POSTGRES_URL, an admin URL; a database is made for the run and
dropped after) through a proxy that counts round trips, and two processes on PostgreSQL
and Redis (REDIS_URL) side by side with the one on SQLite above. During the Diego run,
GET /metrics and GET /client-count are timed under the load.
Issue 15's goals: plumbing <= 0.3 ms of CPU per reply; <= 0.1 PostgreSQL round trips per
reply; two processes on PostgreSQL + Redis >= 0.9 x the replies/s of one on SQLite.
Issue 16's: a scrape of /metrics costs the event loop < 1 ms.
"""

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import redis
from sqlalchemy.engine import make_url

from bench.full_speed import SERVER_ENV, cpu_seconds, descendants, load
from bench.round_trips import RoundTripCounter
from bench.scale_out import POSTGRES_URL, REDIS_URL, replies_per_second
from tests.conftest import copy_of, database_beside, postgres_admin, trained_knowledge
from tests.live import FIRST_START_TIMEOUT, LiveServer

TARGET_PLUMBING_MS = 0.3
TARGET_ROUND_TRIPS = 0.1
TARGET_SCALE_OUT = 0.9
TARGET_SCRAPE_MS = 1.0


def measure(
    database_url: str, clients: int, seconds: float, probe: bool = False, **options
) -> dict:
    with LiveServer(database_url, env=SERVER_ENV, **options) as server:
        pids = [server.process.pid, *descendants(server.process.pid)]
        before = sum(cpu_seconds(pid) for pid in pids)
        probes = Probes(server, seconds) if probe else None
        started = time.perf_counter()
        result = load(server.port, "--clients", str(clients), "--seconds", str(seconds))
        elapsed = time.perf_counter() - started
        used = sum(cpu_seconds(pid) for pid in pids) - before
    replies = result["replies"]
    run = {"rate": replies / elapsed, "cpu_ms": used / replies * 1000, "replies": replies}
    return run | (probes.medians() if probes else {})


class Probes:
    """GET /metrics and GET /client-count, in turn, while the server is under load: the
    difference of their latencies is what a scrape costs the event loop."""

    def __init__(self, server: LiveServer, seconds: float):
        self.times = {"/metrics": [], "/client-count": []}
        self.rendered: list[float] = []
        self._thread = threading.Thread(target=self._run, args=(server, seconds), daemon=True)
        self._thread.start()

    def _run(self, server: LiveServer, seconds: float) -> None:
        time.sleep(1)  # the load, started
        deadline = time.monotonic() + seconds - 2
        while time.monotonic() < deadline:
            for path, times in self.times.items():
                started = time.perf_counter()
                with urllib.request.urlopen(server.http(path), timeout=10) as response:
                    body = response.read().decode()
                times.append(time.perf_counter() - started)
                if path == "/metrics":  # the server's own timing of the scrape before
                    rendered = re.search(r"^diego_metrics_render_seconds (\S+)$", body, re.M)
                    self.rendered.append(float(rendered[1]))
            time.sleep(0.05)

    def medians(self) -> dict:
        self._thread.join()
        medians = {path: statistics.median(times) * 1000 for path, times in self.times.items()}
        return {f"{path} ms": value for path, value in medians.items()} | {
            "rendered ms": statistics.median(self.rendered[1:]) * 1000
        }


def scrape_cost_in_process(samples: int = 200) -> float:
    """Median ms to render /metrics with every series filled, as under load."""
    from diego.serving.metrics import OUTCOMES, REFUSAL_REASONS, Metrics

    metrics = Metrics()
    for n in range(100_000):
        metrics.replied(OUTCOMES[n % len(OUTCOMES)], (n % 1000) / 1000)
    for reason in REFUSAL_REASONS:
        metrics.refused.labels(reason).inc()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        metrics.exposition()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def on_postgresql(database_url: str, clients: int, seconds: float) -> dict:
    """One process on PostgreSQL, through a proxy counting round trips."""
    url = make_url(database_url)
    with RoundTripCounter(url.host, url.port or 5432) as counter:
        proxied = url.set(host="127.0.0.1", port=counter.port).render_as_string(hide_password=False)
        with LiveServer(proxied, env=SERVER_ENV) as server:
            before = counter.round_trips
            started = time.perf_counter()
            result = load(server.port, "--clients", str(clients), "--seconds", str(seconds))
            elapsed = time.perf_counter() - started
            round_trips = counter.round_trips - before
    replies = result["replies"]
    return {"rate": replies / elapsed, "round_trips": round_trips / replies}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    seconds = 5 if args.quick else 20
    echo = (sys.executable, "-m", "bench.echo_servers", "minimal")
    plumbing = (sys.executable, "-m", "bench.echo_servers", "plumbing")
    with tempfile.TemporaryDirectory() as scratch:
        trained = trained_knowledge(Path(scratch))
        runs = {}
        for name, command in [("echo", echo), ("plumbing", plumbing), ("Diego", None)]:
            print(f"measuring: {name}", flush=True)
            url = copy_of(trained, Path(scratch), f"{name}.sqlite3")
            extra = {"command": command} if command else {}
            runs[name] = measure(url, clients=100, seconds=seconds, probe=name == "Diego", **extra)
    redis.from_url(REDIS_URL).flushdb()
    name = f"diego_bench_{uuid.uuid4().hex[:8]}"
    postgres_admin(POSTGRES_URL, f"CREATE DATABASE {name}")
    database_url = database_beside(POSTGRES_URL, name)
    try:
        with LiveServer(database_url, env=SERVER_ENV, ready_timeout=FIRST_START_TIMEOUT):
            pass  # trains the knowledge base once, before anything is measured
        print("measuring: Diego on PostgreSQL", flush=True)
        postgres = on_postgresql(database_url, clients=100, seconds=seconds)
        print("measuring: two processes on PostgreSQL + Redis", flush=True)
        two = replies_per_second(database_url, 2, clients=100, seconds=seconds)
    finally:
        postgres_admin(POSTGRES_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print()
    print("| server | replies/s | server CPU per reply | |")
    print("| --- | --- | --- | --- |")
    for name, run in runs.items():
        verdict = ""
        if name == "plumbing":
            met = run["cpu_ms"] <= TARGET_PLUMBING_MS
            verdict = f"<= {TARGET_PLUMBING_MS} ms: {'met' if met else 'not met'}"
        print(f"| {name} | {run['rate']:,.0f} | {run['cpu_ms']:.3f} ms | {verdict} |")
    print()
    met = postgres["round_trips"] <= TARGET_ROUND_TRIPS
    print(
        f"Diego on PostgreSQL, one process: {postgres['rate']:,.0f} replies/s, "
        f"{postgres['round_trips']:.3f} round trips per reply "
        f"(<= {TARGET_ROUND_TRIPS}: {'met' if met else 'not met'})"
    )
    ratio = two / runs["Diego"]["rate"]
    print(
        f"two processes on PostgreSQL + Redis: {two:,.0f} replies/s, {ratio:.2f} x one on "
        f"SQLite (>= {TARGET_SCALE_OUT}: {'met' if ratio >= TARGET_SCALE_OUT else 'not met'})"
    )
    in_process = scrape_cost_in_process()
    diego = runs["Diego"]
    met = diego["rendered ms"] < TARGET_SCRAPE_MS
    print(
        f"a scrape of /metrics under load takes the event loop {diego['rendered ms']:.3f} ms "
        f"p50 to render, as the server times it (< {TARGET_SCRAPE_MS} ms: "
        f"{'met' if met else 'not met'}); in-process, every series filled: "
        f"{in_process:.3f} ms; round trip /metrics p50 {diego['/metrics ms']:.2f} ms, "
        f"/client-count p50 {diego['/client-count ms']:.2f} ms"
    )


if __name__ == "__main__":
    main()
