"""Find the known prompt that means what someone said, or admit there is none.

Two stages, both plain Python over numpy: static sentence embeddings find the prompts
closest in meaning, then each is checked word by word. Every telling word of what was
said must be found in the prompt (the same word, a typo of it, a synonym, or a word of
close meaning) and the prompt's telling words in what was said, each weighted by how
rare it is among the prompts: "How many hearts does an octopus have?" shares most of
its words with "How many legs does a spider have?", but not the ones that tell.
"""

import dataclasses
import math
import re

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from . import lexicon
from .matcher import normalize
from .word_vectors import DIMENSIONS, WordVectors

CANDIDATES = 12  # prompts checked word by word: the closest by embedding, and by rare words
TYPO_MATCH = 75  # rapidfuzz ratio from which two words are one, mistyped
# Word vectors from this similarity count as partly the same word, fully from FULL_MEANING.
# WordLlama's put synonyms at 0.4-0.85 and words of one kind ("tennis", "baseball") below 0.2.
CLOSE_MEANING = 0.4
FULL_MEANING = 0.75
SAID_SHARE = 0.65  # in the score, what was said must be explained more than the prompt
# A word said and a word of the prompt both left unexplained is one put for the other:
# "smallest" for "largest", the telling sign of a look-alike.
SWAP_PENALTY = 2.0


@dataclasses.dataclass(frozen=True)
class Word:
    surface: str  # as typed, normalized
    key: str  # stemmed, synonyms merged
    kind: float  # 1 telling, less for framing, 0 function word


@dataclasses.dataclass(frozen=True)
class Meaning:
    """How close a known prompt is to what was said."""

    position: int
    score: float  # 0 to 1: how much of both sides' telling words the other explains
    said_covered: float
    prompt_covered: float
    swapped: float  # the weighted share of words said put for words of the prompt
    unexplained: tuple[Word, ...]  # the words said that the prompt does not explain


def words_of(text: str) -> list[Word]:
    """The words of `text` that can carry meaning, in order."""
    normalized = lexicon.rephrase(normalize(text))
    words = []
    for surface in re.findall(r"[a-z0-9]+", normalized):
        kind = lexicon.weight_class(surface)
        if kind:
            words.append(Word(surface, lexicon.canonical(surface), kind))
    return words


class MeaningIndex:
    """Known prompts, searched by meaning."""

    def __init__(self, vectors: WordVectors | None = None):
        self.vectors = vectors or WordVectors()
        self._words: list[list[Word]] = []
        self._spellings: list[set[str]] = []  # every word, as typed and rephrased
        self._vocabulary: set[str] = set()  # every word of every prompt
        self._document_frequency: dict[str, int] = {}
        self._postings: dict[str, list[int]] = {}
        self._matrix = np.zeros((0, DIMENSIONS), np.float32)
        self._pending: list[np.ndarray] = []
        self._similar: dict[tuple[str, str], float] = {}

    def __len__(self) -> int:
        return len(self._words)

    def add(self, text: str) -> int:
        """Index a prompt; return its position."""
        words = words_of(text)
        for key in {word.key for word in words}:
            self._document_frequency[key] = self._document_frequency.get(key, 0) + 1
            self._postings.setdefault(key, []).append(len(self._words))
        self._words.append(words)
        typed = normalize(text)
        self._spellings.append({*typed.split(), *lexicon.rephrase(typed).split()})
        self._vocabulary.update(self._spellings[-1])
        self._pending.append(self._embed(words))
        return len(self._words) - 1

    def weight(self, word: Word) -> float:
        """How telling `word` is: rarer among prompts, more telling; unknown, most."""
        frequency = self._document_frequency.get(word.key, 0)
        return word.kind * math.log((len(self._words) + 1) / (frequency + 1)) + word.kind

    def compare(self, text: str, position: int) -> Meaning | None:
        """How close the prompt at `position` is to `text` in meaning; None if `text`
        has no word that means anything by itself."""
        said = words_of(text)
        return self._compare(said, position) if said else None

    def closest(self, text: str, count: int = CANDIDATES) -> list[Meaning]:
        """The known prompts closest in meaning to `text`, best first."""
        said = words_of(text)
        if not said or not self._words:
            return []
        if self._pending:
            self._matrix = np.vstack([self._matrix, *self._pending])
            self._pending = []
        similarities = self._matrix @ self._embed(said)
        count = min(count, len(similarities))
        nearest = np.argpartition(-similarities, count - 1)[:count].tolist()
        candidates = dict.fromkeys([*nearest, *self._sharing_rare_words(said, count)])
        meanings = [self._compare(said, position) for position in candidates]
        return sorted(meanings, key=lambda meaning: -meaning.score)

    def _sharing_rare_words(self, said: list[Word], count: int) -> list[int]:
        """The prompts that share the most telling of the words said."""
        shared: dict[int, float] = {}
        for word in said:
            weight = self.weight(word)
            for position in self._postings.get(word.key, ()):
                shared[position] = shared.get(position, 0.0) + weight
        return sorted(shared, key=shared.__getitem__, reverse=True)[:count]

    def _compare(self, said: list[Word], position: int) -> Meaning:
        prompt = self._words[position]
        said_covered, said_missing, unexplained = self._covered(said, prompt)
        prompt_covered, prompt_missing, _ = self._covered(prompt, said)
        swapped = min(said_missing, prompt_missing)
        score = said_covered**SAID_SHARE * prompt_covered ** (1 - SAID_SHARE)
        score *= max(0.0, 1 - swapped) ** SWAP_PENALTY
        return Meaning(position, score, said_covered, prompt_covered, swapped, unexplained)

    def typed_as(self, meaning: Meaning) -> bool:
        """True if what was said is the prompt of `meaning` as typed: each word it does
        not explain is spelled in the prompt, or is a typo of one of its words."""
        spellings = self._spellings[meaning.position]
        return all(
            word.surface in spellings
            # A word Diego knows is meant as typed: "age" is not a typo of "are".
            or (
                word.surface not in self._vocabulary
                and any(_mistyped(word.surface, each) for each in spellings)
            )
            for word in meaning.unexplained
        )

    def _covered(
        self, words: list[Word], other: list[Word]
    ) -> tuple[float, float, tuple[Word, ...]]:
        """The weighted shares of `words` that `other` explains, and that it does not
        explain at all, and those words."""
        if not words:
            return (1.0, 0.0, ()) if not other else (0.0, 1.0, ())
        total = explained = missing = 0.0
        unexplained = []
        for word in words:
            weight = self.weight(word)
            total += weight
            same = max((self._same(word, each) for each in other), default=0.0)
            explained += weight * same
            if not same:
                missing += weight
                unexplained.append(word)
        if not total:
            return 1.0, 0.0, tuple(unexplained)
        return explained / total, missing / total, tuple(unexplained)

    def _same(self, first: Word, second: Word) -> float:
        """How far two words mean the same, from 0 to 1."""
        if first.key == second.key:
            return 1.0
        pair = (first.surface, second.surface)
        found = self._similar.get(pair)
        if found is None:
            if lexicon.opposite(first.key, second.key) or _has_digit(pair):
                found = 0.0  # "largest" is not "smallest", nor "37th" "38th"
            elif (
                max(len(first.surface), len(second.surface)) >= 3
                and fuzz.ratio(first.surface, second.surface) >= TYPO_MATCH
            ):
                found = 0.9
            else:
                similarity = self.vectors.similarity(first.surface, second.surface)
                if similarity < CLOSE_MEANING:
                    found = 0.0
                else:
                    found = min(
                        1.0,
                        0.4 + 0.6 * (similarity - CLOSE_MEANING) / (FULL_MEANING - CLOSE_MEANING),
                    )
            if len(self._similar) < 500_000:
                self._similar[pair] = found
        return found

    def _embed(self, words: list[Word]) -> np.ndarray:
        vector = np.zeros(DIMENSIONS, np.float32)
        for word in words:
            vector += word.kind * self.vectors[word.surface]
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector


def _mistyped(typed: str, meant: str) -> bool:
    """True if `typed` may be `meant` with a typo or two (never a different number)."""
    if _has_digit((typed, meant)):
        return False
    most = 1 if min(len(typed), len(meant)) <= 4 else 2
    return OSA.distance(typed, meant, score_cutoff=most) <= most


def _has_digit(words: tuple[str, ...]) -> bool:
    return any(character.isdigit() for word in words for character in word)
