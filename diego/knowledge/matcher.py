"""Find what Diego knows that is closest to what someone typed, as people type.

Plain Python over rapidfuzz: no ChatterBot, no database.
"""

import re

from rapidfuzz import fuzz, process

# Spelled out on both sides, so "how r u", "how are you" and "How are u?" are the same.
SHORTHANDS = {
    "u": "you",
    "ya": "you",
    "r": "are",
    "ur": "your",
    "youre": "you are",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "thanx": "thanks",
    "im": "i am",
    "ive": "i have",
    "id": "i would",
    "ill": "i will",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "2": "to",
    "whats": "what is",
    "wats": "what is",
    "hows": "how is",
    "wheres": "where is",
    "whos": "who is",
    "thats": "that is",
    "its": "it is",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "ppl": "people",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
}
# Words people put before or after what they mean.
FILLERS = frozenset(
    "hey um umm uh uhh er erm so well ok okay oh hmm hm lol haha hahaha please then diego "
    "yeah yo like just anyway btw ah".split()
)


# Words most sentences share: whether two sentences agree is told by their other words.
COMMON_WORDS = frozenset(
    "a an the is are am was were be been do does did to of in on at for with from by and or "
    "that this it i you me my your we he she they them there what who how why when where "
    "which can could would will should shall have has had not no yes so if but as about".split()
)
# A match whose telling words mostly disagree ("How many calories are in a banana?" and
# "How many ... are in a ...") counts for this much of its character similarity.
DISAGREEING_WORDS_WEIGHT = 0.75
WORD_MATCH = 75  # rapidfuzz ratio from which two words are the same word, typos and all


def normalize(text: str) -> str:
    """Lowercase words and numbers, single-spaced, with shorthands and contractions
    spelled out."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
    return " ".join(SHORTHANDS.get(word, word) for word in words)


def without_fillers(normalized: str) -> str:
    """`normalized` without filler words at its start and end (unless nothing is left)."""
    words = normalized.split(" ")
    start, end = 0, len(words)
    while start < end and words[start] in FILLERS:
        start += 1
    while end > start and words[end - 1] in FILLERS:
        end -= 1
    return " ".join(words[start:end]) or normalized


class PromptIndex:
    """Statements Diego knows replies to, each with its replies, searched fuzzily."""

    def __init__(self):
        self._prompts: list[str] = []  # normalized
        self._replies: list[list[str]] = []
        self._pairs: set[tuple[int, str]] = set()  # (position, reply): no reply twice
        self._position: dict[str, int] = {}
        # The prompts searched fuzzily, and their positions; the others only as typed.
        self._fuzzy: list[str] = []
        self._fuzzy_positions: list[int] = []
        self._fuzzy_known: set[int] = set()

    def __len__(self) -> int:
        return len(self._prompts)

    def add(self, prompt: str, reply: str, fuzzy: bool = True) -> int | None:
        """Know `reply` as a reply to `prompt`; return the prompt's position, or None for
        a prompt without words. A prompt not `fuzzy` is only found as typed (normalized)."""
        key = normalize(prompt)
        if not key:
            return None
        position = self._position.get(key)
        if position is None:
            position = self._position[key] = len(self._prompts)
            self._prompts.append(key)
            self._replies.append([])
        if fuzzy and position not in self._fuzzy_known:
            self._fuzzy.append(key)
            self._fuzzy_positions.append(position)
            self._fuzzy_known.add(position)
        if (position, reply) not in self._pairs:
            self._pairs.add((position, reply))
            self._replies[position].append(reply)
        return position

    def remove(self, prompt: str, reply: str) -> None:
        """Forget `reply` as a reply to `prompt`. (The prompt stays, without it.)"""
        position = self._position.get(normalize(prompt))
        if (position, reply) in self._pairs:
            self._pairs.remove((position, reply))
            self._replies[position].remove(reply)

    def replies(self, position: int) -> list[str]:
        """The replies to the prompt at `position` (not to be changed)."""
        return self._replies[position]

    def position(self, prompt: str) -> int | None:
        """Where a prompt equal to `prompt` once normalized is, if known."""
        return self._position.get(normalize(prompt))

    def best(self, text: str) -> tuple[list[str], float]:
        """The replies to the known prompt closest to `text` (not to be changed), and its
        similarity (0 to 1).

        Returns ([], 0.0) when nothing is known.
        """
        position, similarity = self.closest(text)
        return (self._replies[position], similarity) if position is not None else ([], 0.0)

    def closest(self, text: str) -> tuple[int | None, float]:
        """The position of the known prompt closest to `text` as typed, and its
        similarity (0 to 1); (None, 0.0) when nothing is known."""
        typed = normalize(text)
        if not typed or not self._prompts:
            return None, 0.0
        queries = dict.fromkeys([typed, without_fillers(typed)])
        for query in queries:
            position = self._position.get(query)
            if position is not None:
                return position, 1.0
        if not self._fuzzy:
            return 0, 0.0
        best_query, best_position, best_score = typed, -1, -1.0
        for query in queries:
            _, score, index = process.extractOne(
                query, self._fuzzy, scorer=fuzz.ratio, processor=None
            )
            if score > best_score:
                best_query, best_position, best_score = query, self._fuzzy_positions[index], score
        similarity = best_score / 100
        if word_agreement(best_query, self._prompts[best_position]) < 0.5:
            similarity *= DISAGREEING_WORDS_WEIGHT
        return best_position, similarity


def word_agreement(first: str, second: str) -> float:
    """How far two normalized texts share their telling words, from 0 to 1 (an F1 score:
    the words of each found in the other, typos allowed)."""
    first_words, second_words = _telling_words(first), _telling_words(second)
    found_first = sum(_has_word(second_words, word) for word in first_words) / len(first_words)
    found_second = sum(_has_word(first_words, word) for word in second_words) / len(second_words)
    if not found_first + found_second:
        return 0.0
    return 2 * found_first * found_second / (found_first + found_second)


def _telling_words(normalized: str) -> list[str]:
    words = normalized.split(" ")
    return [word for word in words if word not in COMMON_WORDS] or words


def _has_word(words: list[str], word: str) -> bool:
    return any(fuzz.ratio(word, other, score_cutoff=WORD_MATCH) for other in words)
