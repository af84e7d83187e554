"""The benchmarks run, in their quick form: they measure, and they say so in one table.

No speed is asserted here (these machines are shared and noisy): the figures are the
benchmarks' to report. What is checked is that every measurement ran to its end.
"""

import subprocess
import sys

from .live import ROOT


def run(*command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_full_speed_quick():
    out = run("bench.full_speed", "--quick")
    for goal in ("1 cores", "2 loop", "3 overhead", "4 learning", "5 idle", "6 start"):
        assert f"\n{goal} " in out
    assert "closed by server 0, final count 0;" in out and "idle: final count 0" in out
    assert "threads instead of processes" in out


def test_understanding_quick():
    out = run("bench.understanding", "--quick")
    assert "all but unknown" in out and "CPU/reply p50" in out
    assert "\nDiego " in out and "stock LowercaseTagger" in out
    assert "stock PosLemmaTagger" in out and "not measured" not in out


def test_meaning_quick():
    out = run("bench.meaning", "--quick")
    for name in ("Diego now", "matcher before", "stock LowercaseTagger", "stock PosLemmaTagger"):
        assert f"\n{name} " in out
    assert "lookalike held-out" in out and "Diego now, matcher alone" in out


def test_scale_out_quick(redis_url, postgres_url):
    # The fixtures only check that Redis and PostgreSQL answer (or skip, saying why);
    # the benchmark makes its own database.
    out = run("bench.scale_out", "--quick")
    assert "4 process(es)" in out and "exact" in out


def test_under_fire_quick():
    out = run("bench.under_fire", "--quick")
    assert "ping flood, never reading: dropped after" in out
    assert "worker killed with -9: replaced after" in out
    assert "found and replaced after" in out and "history, 20 clients" in out


def test_learning_quick():
    out = run("bench.learning", "--quick")
    assert "| 1 attack, quorum 1 |" in out and "| 1 attack, quorum 3 |" in out
    assert "| 2 three teach |" in out and "| 4 cost, 1,000 learned |" in out


def test_cost_quick(redis_url, postgres_url):
    out = run("bench.cost", "--quick")
    for server in ("echo", "plumbing", "Diego"):
        assert f"\n| {server} | " in out
    assert "round trips per reply" in out and "x one on SQLite" in out
    assert "a scrape of /metrics" in out


def test_idle_small():
    # A few hundred connections: what is checked is that it measures, not the figures.
    done = subprocess.run(
        [sys.executable, "-m", "bench.idle", "--connections", "600"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "count exact: 600 counted for 600: met" in done.stdout, done.stdout + done.stderr
    assert "closed cleanly: 600 of 600, then counted 0: met" in done.stdout
    assert "KiB per connection" in done.stdout and "a newcomer answered" in done.stdout
