"""Make the understanding eval set: corpus prompts as people type them.

Run: uv run python -m bench.eval_cases   (writes bench/eval_cases.jsonl; fixed seed)

Each line is {"kind", "prompt", "text"}: `text` is a variant of the corpus prompt
`prompt`, and a good answer is one of the corpus's replies to that prompt (merged over
prompts that differ only in case, punctuation and contractions, which no reader could
tell apart):
`load_cases()` adds them as "replies". Kind "unknown" holds questions the corpus knows
nothing about; their good answer is the fallback reply.
"""

import itertools
import json
import random
import re
from pathlib import Path

from diego import DEFAULT_FALLBACK_REPLY
from diego.knowledge.training import corpus_files, read_corpus

CORPUS = "chatterbot.corpus.english"
SEED = 20261125
PATH = Path(__file__).with_name("eval_cases.jsonl")

# The shorthands people text, as the issue lists them: u, r, ur, pls, thx, im, gonna, 2.
TEXTING = [
    (r"\byou\b", "u"),
    (r"\bare\b", "r"),
    (r"\byour\b", "ur"),
    (r"\bplease\b", "pls"),
    (r"\bthanks\b", "thx"),
    (r"\bI'm\b|\bI am\b", "im"),
    (r"\bgoing to\b", "gonna"),
    (r"\bto\b", "2"),
]
FILLERS_BEFORE = ["hey", "um", "so", "well", "ok", "oh", "hmm", "hey diego", "ok so", "uh"]
FILLERS_AFTER = ["lol", "please", "then", "haha", "diego", "hmm", "pls"]
KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"
SMALL_WORDS = set(
    "a an the is are am was were be do does did to of in on at for with from by and or "
    "that this it i you me my your we he she they them there".split()
)
ATTEMPTS = 5  # variants drawn per prompt and kind before giving up on an ambiguous one
# Questions and remarks the English corpus has no answer for.
UNKNOWN = [
    "What's the weather like in Lisbon tomorrow?",
    "Can you book me a table for two at eight?",
    "How do I reset my router?",
    "Convert 30 euros to dollars",
    "Who won the football match last night?",
    "My cat keeps knocking plants off the windowsill",
    "Recommend a laptop under 800 dollars",
    "How long should I boil an egg?",
    "Translate good night into Finnish",
    "What time does the pharmacy close?",
    "Set an alarm for 6 am",
    "Where did I park my car?",
    "The train to Manchester is delayed again",
    "Remind me to water the tomatoes",
    "Is it safe to eat raw cookie dough?",
    "My knee hurts when I climb stairs",
    "How many calories are in a banana?",
    "qwzx vbnm plok",
    "asdf jkl",
    "zzzzzzzz",
    "Order a pizza with extra olives",
    "What is the population of Ulaanbaatar?",
    "Send an email to my landlord",
    "Why is my sourdough so dense?",
    "Play some jazz",
    "The printer on the third floor is jammed",
    "How do I change a flat bicycle tyre?",
    "What's the best route to the airport?",
    "Find me cheap flights to Oslo",
    "My password expired this morning",
]


CONTRACTIONS = {
    "n't": " not",
    "'m": " am",
    "'re": " are",
    "'s": " is",
    "'ll": " will",
    "'ve": " have",
    "'d": " would",
}


def squash(text: str) -> str:
    """Case, punctuation and contractions undone: prompts equal under this are the same
    sentence ("I'm well." and "i am well")."""
    text = text.lower().replace("\u2019", "'")
    for short, long in CONTRACTIONS.items():
        text = text.replace(short, long)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def corpus_prompts() -> dict[str, set[str]]:
    """Each corpus prompt with its replies, merged over prompts equal under `squash`."""
    replies: dict[str, set[str]] = {}
    prompts: dict[str, str] = {}
    for path in corpus_files([CORPUS]):
        for conversation in read_corpus(path).conversations:
            for prompt, reply in itertools.pairwise(conversation):
                prompts.setdefault(prompt, squash(prompt))
                replies.setdefault(squash(prompt), set()).add(reply)
    return {prompt: replies[key] for prompt, key in prompts.items() if key}


def case(rng: random.Random, text: str) -> str:
    return rng.choice([text.lower(), text.upper()])


def punctuation(rng: random.Random, text: str) -> str:
    words = text.split()
    return rng.choice(
        [
            re.sub(r"[^\w\s]", "", text),
            text.rstrip("?.!") + rng.choice(["??", "!!", "...", "?!", " ?"]),
            "  " + "   ".join(words) + "  ",
            re.sub(r"([,.?!])\s*", r"\1", text),
        ]
    )


def _typo(rng: random.Random, word: str) -> str:
    position = rng.randrange(1, len(word))
    letter = word[position].lower()
    row = next((row for row in KEYBOARD.split() if letter in row), "etaoin")
    neighbour = rng.choice([c for c in row if c != letter] or ["e"])
    operation = rng.choice(["delete", "insert", "substitute", "transpose"])
    if operation == "delete":
        return word[:position] + word[position + 1 :]
    if operation == "insert":
        return word[:position] + neighbour + word[position:]
    if operation == "substitute":
        return word[:position] + neighbour + word[position + 1 :]
    return word[: position - 1] + word[position] + word[position - 1] + word[position + 1 :]


def typos(rng: random.Random, text: str, count: int) -> str | None:
    """`count` typos, each in a different word of three letters or more, or both in one
    word of six or more. (A typo in a shorter word, "hi" to "ho", makes another word
    that no reader could correct.)"""
    words = text.split(" ")
    letters = [sum(c.isalpha() for c in word) for word in words]
    eligible = [i for i, length in enumerate(letters) if length >= 3]
    if len(eligible) >= count:
        chosen = rng.sample(eligible, count)
    else:
        long_words = [i for i, length in enumerate(letters) if length >= 3 * count]
        if not long_words:
            return None
        chosen = [rng.choice(long_words)] * count
    for i in chosen:
        parts = re.match(r"(\W*)(.*?)(\W*)$", words[i])
        words[i] = parts[1] + _typo(rng, parts[2]) + parts[3]
    return " ".join(words)


def texting(rng: random.Random, text: str) -> str | None:
    typed = text
    for pattern, short in TEXTING:
        typed = re.sub(pattern, short, typed, flags=re.IGNORECASE)
    return typed if typed != text else None


def filler(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(FILLERS_BEFORE)}{rng.choice([' ', ', '])}{text}"
    return f"{text.rstrip('?.!')} {rng.choice(FILLERS_AFTER)}"


def dropped_word(rng: random.Random, text: str) -> str | None:
    """One of the small words people skip when typing fast ("what your name"), dropped
    from a prompt of four words or more. (Dropping its one telling word, "What is your"
    for "What is your fear", leaves a question nobody could answer.)"""
    words = text.split()
    small = [i for i, word in enumerate(words) if squash(word) in SMALL_WORDS]
    if len(words) < 4 or not small:
        return None
    del words[rng.choice(small)]
    return " ".join(words)


KINDS = {
    "exact": lambda rng, text: text,
    "case": case,
    "punctuation": punctuation,
    "one_typo": lambda rng, text: typos(rng, text, 1),
    "two_typos": lambda rng, text: typos(rng, text, 2),
    "texting": texting,
    "filler": filler,
    "dropped_word": dropped_word,
}


def make_cases(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    prompts = corpus_prompts()
    known = {squash(prompt) for prompt in prompts}
    cases = []
    for prompt in sorted(prompts):
        for kind, make in KINDS.items():
            for _ in range(ATTEMPTS):
                text = make(rng, prompt)
                # A variant that is another known prompt ("Do you ever get mad" without
                # "ever") is that prompt, not a variant: try another.
                if text is None or squash(text) not in known - {squash(prompt)}:
                    break
            if text is not None and squash(text):
                cases.append({"kind": kind, "prompt": prompt, "text": text})
    cases += [{"kind": "unknown", "prompt": text, "text": text} for text in UNKNOWN]
    return cases


def load_cases(path: Path = PATH) -> list[dict]:
    """The eval cases, each with the set of good "replies"."""
    replies = corpus_prompts()
    cases = [json.loads(line) for line in path.read_text().splitlines()]
    for case_ in cases:
        unknown = case_["kind"] == "unknown"
        case_["replies"] = {DEFAULT_FALLBACK_REPLY} if unknown else replies[case_["prompt"]]
    return cases


def main() -> None:
    cases = make_cases()
    with PATH.open("w") as file:
        for case_ in cases:
            file.write(json.dumps(case_, ensure_ascii=False) + "\n")
    kinds = {kind: sum(c["kind"] == kind for c in cases) for kind in [*KINDS, "unknown"]}
    print(f"{len(cases)} cases in {PATH}: {kinds}")


if __name__ == "__main__":
    main()
