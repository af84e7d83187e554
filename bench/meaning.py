"""Understanding what people mean: Diego's matcher side by side with the one before it.

Run: uv run python -m bench.meaning [--quick] [--stock-sample 120]

In this process, pinned to one core, over the whole English corpus and diego.yml:
- the semantic eval (bench/semantic/, both halves reported apart): each case's outcome,
  right / fallback / clarified ("Did you mean ...?") / wrong;
- the typing-variant eval (bench/eval_cases.jsonl): understood or not;
- CPU per reply (`time.process_time()`), p50 and p99, over the whole semantic eval.

Today's matcher is `Knowledge` (diego/knowledge/understanding.py), measured inside Diego's
full reply (ChatterBot, history and all), alone, and its sentence encoder (all-MiniLM-L6-v2
in onnxruntime) alone; and the same Diego without the hand-written near misses
(diego/knowledge/corpus/near-misses/), then without them and the phrasings
(diego/knowledge/corpus/phrasings/), to show what they add. Each kind is also reported
on its "unwritten" cases alone: those that are not, as typed, a phrasing or a near miss.
The one before it is
`PromptIndex` with its similarity threshold of 0.6 (what Diego shipped until this benchmark
was written), measured alone: compare the two "alone" rows. Stock ChatterBot 1.2.15
(BestMatch, with its LowercaseTagger and PosLemmaTagger) answers an evenly spread sample of
the semantic eval: a quarter of a second per reply.

--encoder FILE adds the same Diego with other transformer layers over the same embeddings
(an ONNX file built by bench/build_minilm_onnx.py, such as the 3-layer student of
bench/distil_minilm.py), whole reply, matcher alone and encoder alone.
"""

import collections
import statistics
import tempfile
import time
from pathlib import Path

from bench import eval_cases, semantic_eval
from bench.understanding import spread_sample, start, stock_bot
from diego import DEFAULT_FALLBACK_REPLY
from diego.knowledge.bot import Diego
from diego.knowledge.matcher import PromptIndex, normalize
from diego.knowledge.phrasings import load_near_misses, load_phrasings
from diego.knowledge.sentence_encoder import SentenceEncoder
from diego.knowledge.training import train

BEFORE_THRESHOLD = 0.6  # the similarity the matcher before this one answered from
# The cases that are not, as typed, one of Diego's hand-written phrasings or near misses
# (people who never saw each other's work write some of the same sentences).
UNWRITTEN = "unwritten"
OUTCOMES = ["right", "fallback", "clarified", "wrong"]


def ask_all(reply, cases) -> tuple[dict, list[float]]:
    """Ask `reply(text, number)` every case; outcomes per (kind, half), CPU per reply."""
    outcomes = collections.defaultdict(collections.Counter)
    cpu = []
    for number, case in enumerate(cases):
        started = time.process_time()
        answer = reply(case["text"], number)
        cpu.append(time.process_time() - started)
        outcome = semantic_eval.outcome(case, answer)
        for kind in (case["kind"], "all"):
            outcomes[kind, case["half"]][outcome] += 1
            outcomes[kind, "both"][outcome] += 1
            if not case["written"]:
                outcomes[kind, UNWRITTEN][outcome] += 1
    return outcomes, cpu


def matcher_before() -> PromptIndex:
    index = PromptIndex()
    for prompt, replies in semantic_eval.corpus_replies().items():
        for reply in sorted(replies):
            index.add(prompt, reply)
    return index


def reply_before(index: PromptIndex):
    def reply(text: str, number: int = 0) -> str:
        replies, similarity = index.best(text)
        return replies[0] if similarity >= BEFORE_THRESHOLD else DEFAULT_FALLBACK_REPLY

    return reply


def cpu_of(action, text: str) -> float:
    started = time.process_time()
    action(text)
    return time.process_time() - started


def variants_understood(reply, cases, first: int) -> tuple[int, int]:
    """How many typing variants `reply` answers right, of how many. (Numbered from
    `first`, after the semantic eval's cases: each in a conversation of its own, not one
    where Diego asked a clarifying question, to which "Yes." would be an answer.)"""
    right = sum(reply(case["text"], first + n) in case["replies"] for n, case in enumerate(cases))
    return right, len(cases)


def row(counts: collections.Counter) -> str:
    asked = sum(counts.values())
    return "".join(f"{counts[o] / asked:>6.0%}" if asked else f"{'-':>6}" for o in OUTCOMES)


def main(argv=None) -> None:
    encoder_option = ("--encoder", {"type": Path, "help": "other layers to compare (ONNX)"})
    args, core = start(argv, __doc__, stock_sample=120, options=[encoder_option])
    cases = semantic_eval.load_cases()
    written = {
        normalize(text)
        for texts in (*load_phrasings().values(), *load_near_misses().values())
        for text in texts
    }
    for case in cases:
        case["written"] = normalize(case["text"]) in written
    variants = eval_cases.load_cases()
    if args.quick:
        cases, variants, args.stock_sample = cases[::8], variants[::40], 12
    sample = spread_sample(cases, args.stock_sample)

    from chatterbot.tagging import LowercaseTagger, PosLemmaTagger

    results, understood = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        started = time.perf_counter()
        diego = Diego(f"sqlite:///{folder / 'diego.sqlite3'}")
        train(diego)
        diego.catch_up()
        print(f"Diego trained and indexed in {time.perf_counter() - started:.1f} s")

        def reply_now(text, number):
            return diego.reply(text, f"case-{number}")  # a conversation each: no yes/no

        results["Diego now"] = ask_all(reply_now, cases)
        understood["Diego now"] = variants_understood(reply_now, variants, len(cases))
        knowledge = diego.matcher.known
        matcher_cpu = [cpu_of(knowledge.understand, case["text"]) for case in cases]
        encoder = knowledge.meanings.encoder
        encoder_cpu = [cpu_of(encoder.encode, case["text"]) for case in cases]
        diego.close()

        if args.encoder:  # other layers, side by side
            other = Diego(
                f"sqlite:///{folder / 'diego.sqlite3'}", encoder=SentenceEncoder(args.encoder)
            )
            other.catch_up()  # encodes every prompt and phrasing with them, once
            name = f"Diego, {args.encoder.stem}"

            def reply_other(text, number):
                return other.reply(text, f"other-{number}")

            results[name] = ask_all(reply_other, cases)
            understood[name] = variants_understood(reply_other, variants, len(cases))
            other_knowledge = other.matcher.known
            other_cpu = [cpu_of(other_knowledge.understand, case["text"]) for case in cases]
            other_encoder = other_knowledge.meanings.encoder
            other_encoder_cpu = [cpu_of(other_encoder.encode, case["text"]) for case in cases]
            other.close()

        # What the hand-written near misses add, and the phrasings: the same Diego
        # without the first, then without either.
        for name, written_texts in [
            ("Diego, no near misses", {"near_misses": {}}),
            ("Diego, no phrasings", {"near_misses": {}, "phrasings": {}}),
        ]:
            without = Diego(f"sqlite:///{folder / 'diego.sqlite3'}", **written_texts)
            results[name] = ask_all(
                lambda text, number, bot=without: bot.reply(text, f"without-{number}"), cases
            )
            without.close()

        index = matcher_before()
        before = reply_before(index)
        results["matcher before"] = ask_all(before, cases)
        before_cpu = [cpu_of(index.best, case["text"]) for case in cases]
        understood["matcher before"] = variants_understood(before, variants, len(cases))

        for tagger in (LowercaseTagger, PosLemmaTagger):
            bot, _ = stock_bot(folder, tagger)
            name = f"stock {tagger.__name__}"
            results[name] = ask_all(
                lambda text, n, bot=bot: bot.get_response(text, conversation="bench").text,
                sample,
            )

    print(f"\nUnderstanding what people mean, one core (cpu {core})")
    print(f"semantic eval: {len(cases)} cases; stock bots: a spread sample of {len(sample)}")
    header = "".join(f"{o[:6]:>6}" for o in OUTCOMES)
    for name, (outcomes, _) in results.items():
        print(f"\n{name:<34}{header}")
        for kind in semantic_eval.KINDS:
            for half in [*semantic_eval.HALVES, "both", UNWRITTEN]:
                print(f"  {kind + ' ' + half:<32}{row(outcomes[kind, half])}")
        print(f"  {'all (wrong = confidently wrong)':<32}{row(outcomes['all', 'both'])}")
        print(f"  {'all ' + UNWRITTEN:<32}{row(outcomes['all', UNWRITTEN])}")
        wrong = {
            half: outcomes["all", half]["wrong"]
            for half in [*semantic_eval.HALVES, "both", UNWRITTEN]
        }
        asked = {half: sum(outcomes["all", half].values()) for half in wrong}
        print(
            f"  confidently wrong: {wrong['both']} of {asked['both']}, "
            f"{wrong['both'] / asked['both']:.1%} (tune {wrong['tune'] / asked['tune']:.1%}, "
            f"held-out {wrong['held-out'] / asked['held-out']:.1%}; "
            f"unwritten {wrong[UNWRITTEN]} of {asked[UNWRITTEN]}, "
            f"{wrong[UNWRITTEN] / max(1, asked[UNWRITTEN]):.1%})"
        )

    print(f"\n{'':<30}{'CPU/reply p50':>14}{'p99':>10}{'typing variants':>18}")
    timings = {name: cpu for name, (_, cpu) in results.items()}
    timings["Diego now, matcher alone"] = matcher_cpu
    timings["  of which sentence encoder"] = encoder_cpu
    if args.encoder:
        timings[f"{args.encoder.stem}, matcher alone"] = other_cpu
        timings["  of which its encoder"] = other_encoder_cpu
    timings["matcher before, alone"] = before_cpu
    for name, cpu in timings.items():
        cpu = sorted(cpu)
        p99 = cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))]
        right, asked = understood.get(name, (0, 0))
        variant = f"{right / asked:.2%} of {asked}" if asked else "-"
        print(
            f"{name:<30}{statistics.median(cpu) * 1000:>11.2f} ms{p99 * 1000:>7.2f} ms{variant:>18}"
        )


if __name__ == "__main__":
    main()
