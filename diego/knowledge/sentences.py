"""What a sentence says, read word by word: its telling words and their spellings, whether
it says no, what it asks, who does it and who is named; and when two words are one,
mistyped.

Each text Diego knows is read once; what was said is read once per reply (and kept for
the texts last said: a reply compares it with up to 15 ways of saying a prompt).
"""

import dataclasses
import functools
import re

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from . import lexicon
from .matcher import normalize

TYPO_MATCH = 75  # rapidfuzz ratio from which two words are one, mistyped
_THE_US = re.compile(r"\b(?:U\.S\.(?:A\.)?|USA|US)(?!\w)")


@dataclasses.dataclass(frozen=True)
class Word:
    surface: str  # as typed, normalized
    key: str  # stemmed, synonyms merged
    kind: float  # 1 telling, less for framing, 0 function word


@dataclasses.dataclass(frozen=True)
class Sentence:
    text: str  # as written
    typed: str  # normalized (`matcher.normalize`)
    rephrased: tuple[str, ...]  # its words, rephrased ("broken" for "not working"), in order
    words: tuple[Word, ...]  # those that can carry meaning, in order
    keys: frozenset[str]  # theirs
    # Every word, as typed ("dont"), spelled out ("do not") and rephrased.
    spellings: frozenset[str]
    negated: bool  # it says no, not or never
    asks: frozenset[str]  # the questions it asks ("who", "how"...)
    asks_whether: bool  # of someone: "am i a programmer"
    tells: bool  # something of someone, rather than asks or bids
    questioned: frozenset[str]  # what it asks which one of ("film" in "for what film")
    doer: str | None  # who does it (`lexicon.subject`)
    persons: frozenset[str]  # who it names
    names: frozenset[str]  # the words written as names ("Neptune", "LED"), normalized

    @classmethod
    def of(cls, text: str) -> "Sentence":
        typed = normalize(text)
        typed_words = typed.split()
        rephrased_text = lexicon.rephrase(typed)
        rephrased = tuple(rephrased_text.split())
        spelled = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
        words = words_of(text)
        return cls(
            text,
            typed,
            rephrased,
            words,
            frozenset(word.key for word in words),
            frozenset([*spelled, *typed_words, *rephrased]),
            says_no(typed),
            frozenset(lexicon.questions(rephrased_text)),
            lexicon.asks_whether(typed_words),
            lexicon.tells(text, typed_words),
            frozenset(lexicon.questioned(rephrased)),
            lexicon.subject(typed_words),
            frozenset(lexicon.persons(typed_words)),
            names_in(text),
        )


read = functools.lru_cache(maxsize=1024)(Sentence.of)


def words_of(text: str) -> tuple[Word, ...]:
    """The words of `text` that can carry meaning, in order."""
    words = []
    if not text.isupper():  # (where "US" is not "us" shouted)
        text = _THE_US.sub("USA", text)
    for surface in re.findall(r"[a-z0-9]+", lexicon.rephrase(normalize(text))):
        kind = lexicon.weight_class(surface)
        if kind:
            words.append(Word(surface, lexicon.canonical(surface), kind))
    return tuple(words)


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\u2019]*")
_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.$")
_NOT_NAMES = frozenset("i im id ive ill ok".split())


def names_in(text: str) -> frozenset[str]:
    """The words of `text` written as names: with a capital inside a sentence ("Robert
    F. Kennedy", "the Nobel Prize in Literature"), or in capitals ("LED"); none in a text
    mostly in capitals."""
    letters = [each for each in text if each.isalpha()]
    if sum(map(str.isupper, letters)) * 2 > len(letters):  # shouted, not named
        return frozenset()
    text = _THE_US.sub("USA", text)
    names = set()
    for found in _WORD.finditer(text):
        word = found.group()
        before = text[: found.start()].rstrip(" \"'\u201c\u2018(")
        # (After an initial, a sentence goes on: "John F. Kennedy".)
        starts = not before or (before[-1] in ".!?:" and not _INITIAL.search(before))
        if (word[0].isupper() and not starts) or (len(word) > 1 and word.isupper()):
            key = re.sub(r"['\u2019]s?$", "", word).replace("'", "").replace("\u2019", "")
            if key.lower() not in _NOT_NAMES:
                names.add(key.lower())
    return frozenset(names)


def says_no(typed: str) -> bool:
    """True if `typed` (normalized) says no, once rephrased: "not working" is "broken",
    as "has stopped working" and "is down" are."""
    return lexicon.negated(lexicon.rephrase(typed))


def alike(first: str, second: str) -> bool:
    """True if two words are spelled nearly alike ("color" and "colour"); never two
    numbers ("37th" and "38th"), nor two superlatives ("smallest" and "tallest")."""
    return (
        max(len(first), len(second)) >= 3
        and not has_digit((first, second))
        and not (lexicon.qualifies(first) and lexicon.qualifies(second))
        and fuzz.ratio(first, second) >= TYPO_MATCH
    )


def mistyped(typed: str, meant: str) -> bool:
    """True if `typed` may be `meant` with a typo or two (never a different number)."""
    if has_digit((typed, meant)):
        return False
    # Two slips rarely both fall on a word's first letter and elsewhere: "tired" is not
    # "bored" mistyped.
    most = 1 if min(len(typed), len(meant)) <= 4 or typed[:1] != meant[:1] else 2
    return OSA.distance(typed, meant, score_cutoff=most) <= most


def slipped(typed: str, meant: str) -> bool:
    """True if `typed` is `meant` with one letter left out, added, or swapped with the
    next."""
    return (len(typed) != len(meant) or sorted(typed) == sorted(meant)) and OSA.distance(
        typed, meant, score_cutoff=1
    ) <= 1


def superlative_of(word: str, other: str) -> bool:
    """True if `word` is the superlative of `other`: "farthest" of "far"."""
    return word.startswith(other) and word.endswith("est") and lexicon.qualifies(word)


def has_digit(words: tuple[str, ...]) -> bool:
    # Words are letters and digits only ("[a-z0-9]+"): one not all letters has a digit.
    return not all(map(str.isalpha, words))
