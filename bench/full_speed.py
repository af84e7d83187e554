"""Diego at full speed: the goals of issue 6, measured side by side in one run.

Run: uv run python -m bench.full_speed [--quick]     (--quick: a smoke run, about a minute)

1. cores     replies/s, 100 closed-loop clients, against the ceiling: cores x replies/s
             of the same bot (read-only, whole English corpus) in-process on one core
2. loop      GET /client-count p99 while those clients chat flat out
3. overhead  replies/s with an echo bot, against a minimal Bocadillo echo app
4. learning  CPU per reply, learning on, after N learned exchanges against fresh
5. idle      10,000 idle connections: exact count, server RSS per connection, and a
             newcomer's reply time
6. start     launch to ready over a trained knowledge base, and what imports cost

Servers are real `python app.py` processes; load comes from bench/load.py in a process of
its own, whose CPU share is reported. The server's rate and connection limits are raised
(RAISED_LIMITS), so that no throttle is ever measured.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.load import MESSAGES
from tests.conftest import copy_of, trained_knowledge
from tests.live import ROOT, LiveServer, rss_kib

RESULTS = Path(__file__).with_name("results")
# The server's limits, raised for the benchmark: it measures Diego, never a throttle.
RAISED_LIMITS = {
    "RATE_LIMIT": "1000000",
    "RATE_BURST": "1000000",
    "RATE_LIMIT_PER_IP": "1000000",
    "RATE_BURST_PER_IP": "1000000",
    "MAX_CLIENTS": "100000",
    "MAX_CLIENTS_PER_IP": "100000",
}
SERVER_ENV = {
    **RAISED_LIMITS,
    "SECRET_KEY": "a-secret-key-for-the-benchmark-0123456789",
}
# Seconds given to the server after the last connection: handshakes leave garbage that
# the collector frees a little later, and a connection's cost is what stays.
SETTLE = 3
TARGETS = {"cores": 0.9, "loop_ms": 20, "overhead": 0.8, "learning": 1.2, "kib": 25, "start": 1}


def cpu_per_reply(diego, texts, conversations: int = 100) -> list[float]:
    """CPU seconds of each `diego.reply`, in turn over `conversations` conversations."""
    cpu = []
    for number, text in enumerate(texts):
        started = time.process_time()
        diego.reply(text, f"conversation-{number % conversations}")
        cpu.append(time.process_time() - started)
    return cpu


def ceiling(database_url: str, replies: int) -> float:
    """Replies per second of CPU of the read-only bot, in this process, on one core."""
    from diego.knowledge.bot import Diego

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    diego = Diego(database_url)
    texts = [MESSAGES[n % len(MESSAGES)] for n in range(replies)]
    cpu_per_reply(diego, texts[:100])  # warm up
    cpu = cpu_per_reply(diego, texts)
    diego.close()
    os.sched_setaffinity(0, set(range(os.cpu_count())))
    return len(cpu) / sum(cpu)


def thread_scaling(database_url: str, replies: int, threads: int) -> float:
    """Replies/s (wall clock) of `threads` threads, each with its own bot, in this process:
    what a thread pool would get out of the cores, GIL and all."""
    from concurrent.futures import ThreadPoolExecutor

    from diego.knowledge.bot import Diego

    bots = [Diego(database_url) for _ in range(threads)]
    texts = [MESSAGES[n % len(MESSAGES)] for n in range(replies)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda bot: cpu_per_reply(bot, texts), bots))
    elapsed = time.perf_counter() - started
    for bot in bots:
        bot.close()
    return threads * replies / elapsed


def load(port: int, *args: str) -> dict:
    command = [sys.executable, "-m", "bench.load", "--port", str(port), *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chat_flat_out(database_url: str, clients: int, seconds: float) -> dict:
    """Load the server; also say how many cores its main process and its workers used."""
    with LiveServer(database_url, env=SERVER_ENV) as server:
        main = server.process.pid
        workers = descendants(main)  # the zygote, and the workers it forked
        before = {pid: cpu_seconds(pid) for pid in [main, *workers]}
        started = time.perf_counter()
        result = load(server.port, "--clients", str(clients), "--seconds", str(seconds))
        elapsed = time.perf_counter() - started
        used = {pid: (cpu_seconds(pid) - cpu) / elapsed for pid, cpu in before.items()}
    return result | {"main_cores": used[main], "worker_cores": sum(used[w] for w in workers)}


def descendants(pid: int) -> list[int]:
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [each for child in children for each in (child, *descendants(child))]


def echo_rate(app: str, clients: int, seconds: float) -> dict:
    command = [sys.executable, "-m", "bench.echo_servers", app]
    with LiveServer("sqlite://", env=SERVER_ENV, command=command) as server:
        return load(server.port, "--clients", str(clients), "--seconds", str(seconds))


def learning_curve(database_url: str, exchanges: int, window: int) -> list[tuple[int, float]]:
    """(exchanges learned, median CPU ms per reply) along `exchanges` learned exchanges."""
    from bench.eval_cases import load_cases
    from diego.knowledge.bot import Diego

    diego = Diego(database_url, learn_from_users=True)
    texts = [case["text"] for case in load_cases()]
    curve = []
    for learned in range(0, exchanges, window):
        batch = [texts[(learned + n) % len(texts)] for n in range(window)]
        cpu = cpu_per_reply(diego, batch, conversations=1000)
        curve.append((learned + window, statistics.median(cpu) * 1000))
    diego.close()
    return curve


def plot_learning(curve, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.5))
    axes.plot([n for n, _ in curve], [ms for _, ms in curve], marker="o")
    axes.set_xlabel("exchanges learned")
    axes.set_ylabel("CPU per reply, median (ms)")
    axes.set_ylim(bottom=0)
    axes.set_title("Diego with learning on: CPU per reply as he learns")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def idle_connections(database_url: str, clients: int) -> dict:
    """Hold `clients` idle connections, in two halves: the RSS growth over the second half
    is the cost of a connection, without the server's one-time costs of its first ones."""
    half = clients // 2
    with LiveServer(database_url, env=SERVER_ENV) as server:

        def hold(seconds: str):
            command = [sys.executable, "-m", "bench.load", "--port", str(server.port), "--idle"]
            command += ["--clients", str(half), "--seconds", seconds, "--warmup", "0.5"]
            return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)

        first = hold("60")
        server.wait_for_count(half, timeout=120)
        time.sleep(SETTLE)
        at_half = rss_kib(server.process.pid)
        second = hold(str(SETTLE + 1))
        count = server.wait_for_count(2 * half, timeout=120)
        time.sleep(SETTLE)
        at_full = rss_kib(server.process.pid)
        result = json.loads(second.communicate(timeout=180)[0])
        first.kill()
        first.communicate()
        return result | {
            "held": 2 * half,
            "count_seen": count,
            "count_exact": count == result["count_while_connected"] - 0 == 2 * half,
            "kib_per_connection": (at_full - at_half) / half,
            "final_count": server.wait_for_count(0),
        }


def start_times(database_url: str, runs: int) -> dict:
    times = []
    for _ in range(runs):
        with LiveServer(database_url, env=SERVER_ENV) as server:
            times.append(server.ready_at - server.started_at)
    imports = {}
    for name, code in [("app", "import app"), ("bot", "import diego.knowledge.bot")]:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, check=True, env=os.environ | SERVER_ENV
        )
        imports[name] = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    imports["python"] = time.perf_counter() - started
    return {"median": statistics.median(times), "max": max(times), "imports": imports}


def row(goal: str, measured: str, target: str, ratio: str, met: bool | None) -> str:
    verdict = {True: "met", False: "NOT MET", None: ""}[met]
    return f"{goal:<12}{measured:<82}{target:<12}{ratio:<7}{verdict}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: short and small")
    args = parser.parse_args(argv)
    quick = args.quick
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # servers inherit it
    RESULTS.mkdir(exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    clients, seconds = (100, 3) if quick else (100, 10)
    idle = 500 if quick else 10_000
    exchanges, window = (1_000, 250) if quick else (100_000, 1_000)

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        trained = trained_knowledge(folder)
        print("measuring: ceiling", flush=True)
        per_core = ceiling(copy_of(trained, folder, "ceiling.sqlite3"), 500 if quick else 3000)
        print("measuring: threads", flush=True)
        threads_url = copy_of(trained, folder, "threads.sqlite3")
        one_thread = thread_scaling(threads_url, 300 if quick else 1500, 1)
        all_threads = thread_scaling(threads_url, 300 if quick else 1500, cores)
        print("measuring: chat flat out", flush=True)
        chat = chat_flat_out(copy_of(trained, folder, "chat.sqlite3"), clients, seconds)
        print("measuring: echo, Diego's app and a minimal one", flush=True)
        echo = echo_rate("diego", clients, seconds)
        minimal = echo_rate("minimal", clients, seconds)
        print("measuring: learning curve", flush=True)
        curve = learning_curve(copy_of(trained, folder, "learning.sqlite3"), exchanges, window)
        plot_learning(curve, RESULTS / "learning.png")
        print("measuring: idle connections", flush=True)
        held = idle_connections(copy_of(trained, folder, "idle.sqlite3"), idle)
        print("measuring: start", flush=True)
        start = start_times(trained, 3 if quick else 5)

    ceiling_rate = cores * per_core
    cores_ratio = chat["replies_per_second"] / ceiling_rate
    loop_p99 = chat["client_count_ms"]["p99"]
    overhead = echo["replies_per_second"] / minimal["replies_per_second"]
    # The first and last few windows, so that one noisy window decides nothing.
    ends = max(1, len(curve) // 10)
    fresh = statistics.median(ms for _, ms in curve[:ends])
    learned = statistics.median(ms for _, ms in curve[-ends:])
    learning = learned / fresh
    exact = held["count_exact"]
    kib = held["kib_per_connection"]
    imports = start["imports"]

    print(f"\nDiego at full speed: {cores} cores, {'quick run' if quick else 'full run'}")
    print(row("goal", "measured", "target", "ratio", None))
    print(
        row(
            "1 cores",
            f"{chat['replies_per_second']:.0f} replies/s vs ceiling {ceiling_rate:.0f} "
            f"({cores} x {per_core:.0f})",
            f">= {TARGETS['cores']} x",
            f"{cores_ratio:.2f}",
            cores_ratio >= TARGETS["cores"],
        )
    )
    print(
        row(
            "2 loop",
            f"/client-count p99 {loop_p99:.1f} ms (p50 {chat['client_count_ms']['p50']:.1f}, "
            f"{chat['probes']} probes)",
            f"<= {TARGETS['loop_ms']} ms",
            "",
            loop_p99 <= TARGETS["loop_ms"],
        )
    )
    print(
        row(
            "  health",
            f"/health p99 {chat['health_ms']['p99']:.1f} ms, max {chat['health_ms']['max']:.1f}"
            " (issue 7)",
            "<= 100 ms",
            "",
            chat["health_ms"]["max"] <= 100,
        )
    )
    print(
        row(
            "3 overhead",
            f"echo {echo['replies_per_second']:.0f}/s vs minimal Bocadillo "
            f"{minimal['replies_per_second']:.0f}/s",
            f">= {TARGETS['overhead']} x",
            f"{overhead:.2f}",
            overhead >= TARGETS["overhead"],
        )
    )
    print(
        row(
            "4 learning",
            f"CPU/reply {fresh:.2f} ms fresh, {learned:.2f} ms after {curve[-1][0]:,} exchanges",
            f"<= {TARGETS['learning']} x",
            f"{learning:.2f}",
            learning <= TARGETS["learning"],
        )
    )
    print(
        row(
            "5 idle",
            f"{held['held']:,} held, count {held['count_seen']:,}, {kib:.1f} KiB each, "
            f"newcomer {held['newcomer_reply_ms']:.0f} ms",
            f"<= {TARGETS['kib']} KiB",
            "",
            exact and kib <= TARGETS["kib"] and held["newcomer_reply_ms"] <= 100,
        )
    )
    print(
        row(
            "6 start",
            f"ready in {start['median']:.2f} s median (imports: app {imports['app']:.2f} s, "
            f"bot {imports['bot']:.2f} s, python {imports['python']:.2f} s)",
            f"<= {TARGETS['start']} s",
            "",
            start["median"] <= TARGETS["start"],
        )
    )
    print(
        f"\nchat: latency p50 {chat['latency_ms']['p50']:.1f} ms"
        f" p99 {chat['latency_ms']['p99']:.1f} ms, closed by server {chat['closed_by_server']},"
        f" final count {chat['final_count']}"
        f"; cores used: server main process {chat['main_cores']:.2f}, bot workers"
        f" {chat['worker_cores']:.2f} (averaged over the run, connecting and warm-up included),"
        f" load generator {chat['generator_cpu_share']:.2f}"
        f" (echo runs: {echo['generator_cpu_share']:.0%}, {minimal['generator_cpu_share']:.0%})"
    )
    print(
        f"threads instead of processes: {one_thread:.0f} replies/s on 1 thread, "
        f"{all_threads:.0f} on {cores} threads ({all_threads / one_thread:.2f} x)"
    )
    every = max(1, len(curve) // 10)
    points = ", ".join(f"{n:,}: {ms:.2f} ms" for n, ms in curve[::every])
    print(f"learning curve ({RESULTS / 'learning.png'}): {points}")
    print(f"idle: final count {held['final_count']}")


if __name__ == "__main__":
    main()
