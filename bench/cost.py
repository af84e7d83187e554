"""What a reply costs the server, all its processes together (issue 15), side by side.

Run: uv run python -m bench.cost [--quick]

100 closed-loop clients (bench/load.py, a process of its own) for 20 s each (--quick: 5 s)
against, in one run:
- echo: the Bocadillo tutorial's app with an echo in place of the bot;
- plumbing: the real `python app.py` (worker pool, ChatterBot, catch-up, history, limits,
  sessions) whose matcher always understands the same thing;
- Diego: the real `python app.py`, whole English corpus, read-only.
For each: replies/s, and server CPU per reply: the main process, the zygote and the workers.
Goal 1 of issue 15: plumbing <= 0.3 ms of CPU per reply.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.full_speed import SERVER_ENV, cpu_seconds, descendants, load
from tests.conftest import copy_of, trained_knowledge
from tests.live import LiveServer

TARGET_PLUMBING_MS = 0.3


def measure(database_url: str, clients: int, seconds: float, **options) -> dict:
    with LiveServer(database_url, env=SERVER_ENV, **options) as server:
        pids = [server.process.pid, *descendants(server.process.pid)]
        before = sum(cpu_seconds(pid) for pid in pids)
        started = time.perf_counter()
        result = load(server.port, "--clients", str(clients), "--seconds", str(seconds))
        elapsed = time.perf_counter() - started
        used = sum(cpu_seconds(pid) for pid in pids) - before
    replies = result["replies"]
    return {"rate": replies / elapsed, "cpu_ms": used / replies * 1000, "replies": replies}


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
            runs[name] = measure(url, clients=100, seconds=seconds, **extra)
    print()
    print("| server | replies/s | server CPU per reply | |")
    print("| --- | --- | --- | --- |")
    for name, run in runs.items():
        verdict = ""
        if name == "plumbing":
            met = run["cpu_ms"] <= TARGET_PLUMBING_MS
            verdict = f"<= {TARGET_PLUMBING_MS} ms: {'met' if met else 'not met'}"
        print(f"| {name} | {run['rate']:,.0f} | {run['cpu_ms']:.3f} ms | {verdict} |")


if __name__ == "__main__":
    main()
