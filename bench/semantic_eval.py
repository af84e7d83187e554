"""The semantic eval: people saying things in their own words, hand-written.

The cases live in bench/semantic/*.jsonl, one object a line, of three kinds:
- "reworded": `text` means a corpus prompt (`prompts`, exact corpus texts) in other
  words; right is one of the corpus's replies to one of those prompts.
- "lookalike": `text` shares most words with the corpus prompt it `imitates` but means
  something else (`why`); right is the fallback (or a reply listed in `prompts`, if any).
- "unknown": the corpus (English and diego.yml) does not cover `text`; right is the fallback.

Each case belongs to one half, "tune" or "held-out", by a hash of its text: thresholds
and word lists are tuned on the first only, and both are reported.
"""

import itertools
import json
import zlib
from pathlib import Path

from diego import DEFAULT_FALLBACK_REPLY
from diego.knowledge.training import DEFAULT_CORPORA, corpus_files, read_corpus

FOLDER = Path(__file__).with_name("semantic")
KINDS = ["reworded", "lookalike", "unknown"]
HALVES = ["tune", "held-out"]
CLARIFYING = "Did you mean"


def corpus_replies() -> dict[str, set[str]]:
    """Every prompt of the default corpora with its replies."""
    replies: dict[str, set[str]] = {}
    for path in corpus_files(DEFAULT_CORPORA):
        for conversation in read_corpus(path).conversations:
            for prompt, reply in itertools.pairwise(conversation):
                replies.setdefault(prompt, set()).add(reply)
    return replies


def half(text: str) -> str:
    return HALVES[zlib.crc32(text.encode()) % 2]


def load_cases(folder: Path = FOLDER) -> list[dict]:
    """Every case with its "half" and its set of right "replies"."""
    known = corpus_replies()
    cases = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            case = json.loads(line)
            if case["kind"] not in KINDS:
                raise ValueError(f"{path.name}:{number}: unknown kind {case['kind']!r}")
            meant = case.get("prompts", [])
            missing = [prompt for prompt in meant if prompt not in known]
            if missing:
                raise ValueError(f"{path.name}:{number}: not corpus prompts: {missing}")
            replies = set().union(*(known[prompt] for prompt in meant))
            cases.append({**case, "half": half(case["text"]), "replies": replies})
    return cases


def outcome(case: dict, reply: str) -> str:
    """ "right", "fallback", "clarified" or "wrong"."""
    if reply == DEFAULT_FALLBACK_REPLY:
        return "fallback"
    if reply in case["replies"]:
        return "right"
    if reply.startswith(CLARIFYING):
        return "clarified"
    return "wrong"
