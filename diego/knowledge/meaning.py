"""Find the known prompt that means what someone said, or admit there is none.

Two stages, both plain Python over numpy. A sentence encoder (all-MiniLM-L6-v2) finds
the prompt closest in meaning, however it is worded; then it is checked word by word,
for what sentence embeddings cannot see: a look-alike. Every telling word of what was
said is looked for in the prompt (the same word, a typo of it, a synonym, or a word of
close meaning) and the prompt's in what was said, each weighted by how rare it is among
the prompts: "How many hearts does an octopus have?" shares most of its words with
"How many legs does a spider have?", but not the ones that tell.
"""

import dataclasses
import functools
import math
import re
import typing

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from . import lexicon
from .matcher import normalize
from .sentence_encoder import DIMENSIONS, SentenceEncoder
from .word_vectors import WordVectors

TYPO_MATCH = 75  # rapidfuzz ratio from which two words are one, mistyped
# Word vectors from this similarity count as partly the same word, fully from FULL_MEANING.
# WordLlama's put synonyms at 0.4-0.85 and words of one kind ("tennis", "baseball") below 0.2.
CLOSE_MEANING = 0.4
FULL_MEANING = 0.75
# Up to this many prompts, every vector is compared (a tenth of a millisecond per thousand);
# past it, what users taught would make every reply slower: the search first compares
# COARSE_DIMENSIONS of each vector (their main axes, found once), then the whole vectors
# of the CANDIDATES closest that way.
EXACT_SEARCH_LIMIT = 20_000
COARSE_DIMENSIONS = 48
CANDIDATES = 64


@dataclasses.dataclass(frozen=True)
class Word:
    surface: str  # as typed, normalized
    key: str  # stemmed, synonyms merged
    kind: float  # 1 telling, less for framing, 0 function word


@dataclasses.dataclass(frozen=True)
class Meaning:
    """How close a known prompt is to what was said."""

    position: int
    similarity: float | None  # of the two sentences' embeddings, -1 to 1, if measured
    prompt_covered: float  # the weighted share of the prompt's words that were said
    # A word said and a word of the prompt both left unexplained is one put for the
    # other: "smallest" for "largest", the telling sign of a look-alike.
    swapped: float  # the weighted share of such words
    # One says the opposite of the other: "first" for "last", or "not" on one side only.
    contradicts: bool

    @property
    def looks_alike(self) -> float:
        """How much this looks like a look-alike: telling words of the prompt that were
        said, weighted by how much of the prompt is there besides: "smallest" for
        "largest" in an otherwise identical question."""
        return self.swapped * self.prompt_covered


@functools.lru_cache(maxsize=1024)
def words_of(text: str) -> tuple[Word, ...]:
    """The words of `text` that can carry meaning, in order. (Kept for the texts last
    seen: a reply asks for those of what was said three times.)"""
    words = []
    for surface in re.findall(r"[a-z0-9]+", lexicon.rephrase(normalize(text))):
        kind = lexicon.weight_class(surface)
        if kind:
            words.append(Word(surface, lexicon.canonical(surface), kind))
    return tuple(words)


class MeaningIndex:
    """Known prompts, searched by meaning."""

    def __init__(
        self,
        vectors: WordVectors | None = None,
        encoder: SentenceEncoder | None = None,
        encode_prompts: typing.Callable[[list[str]], np.ndarray] | None = None,
    ):
        """`encode_prompts` encodes prompts in batches, as `encoder` does (by default
        with it); a `VectorCache` keeps them for the next process."""
        self.vectors = vectors if vectors is not None else WordVectors()
        self.encoder = encoder if encoder is not None else SentenceEncoder()
        self._encode_prompts = encode_prompts or self.encoder.encode_all
        self._words: list[tuple[Word, ...]] = []
        # Every word, as typed ("dont"), spelled out ("do not") and rephrased.
        self._spellings: list[set[str]] = []
        self._negated: list[bool] = []
        self._vocabulary: set[str] = set()  # every word of every prompt
        self._document_frequency: dict[str, int] = {}
        # The vectors of the prompts encoded so far, then room for more.
        self._matrix = np.zeros((0, DIMENSIONS), np.float32)
        self._encoded = 0
        self._axes: np.ndarray | None = None  # DIMENSIONS x COARSE_DIMENSIONS
        self._coarse = np.zeros((0, COARSE_DIMENSIONS), np.float32)
        self._pending: list[str] = []  # prompts not yet encoded: in one batch, when asked
        self._similar: dict[tuple[str, str], float] = {}

    def __len__(self) -> int:
        return len(self._words)

    def add(self, text: str) -> int:
        """Index a prompt; return its position."""
        words = words_of(text)
        for key in {word.key for word in words}:
            self._document_frequency[key] = self._document_frequency.get(key, 0) + 1
        self._words.append(words)
        typed = normalize(text)
        spelled = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
        self._spellings.append({*spelled, *typed.split(), *lexicon.rephrase(typed).split()})
        self._negated.append(lexicon.negated(typed))
        self._vocabulary.update(self._spellings[-1])
        self._pending.append(text)
        return len(self._words) - 1

    def encode_pending(self) -> None:
        """Encode the prompts added since the last search, in one batch."""
        if self._pending:
            vectors = self._encode_prompts(self._pending)
            start, self._encoded = self._encoded, self._encoded + len(vectors)
            self._pending = []
            self._matrix = _with_room(self._matrix, self._encoded)
            self._matrix[start : self._encoded] = vectors
            if self._encoded <= EXACT_SEARCH_LIMIT:
                return
            if self._axes is None:
                # The directions that keep most of the prompts' dot products (uncentred SVD).
                known = self._matrix[: self._encoded]
                _, _, directions = np.linalg.svd(known, full_matrices=False)
                self._axes = np.ascontiguousarray(directions[:COARSE_DIMENSIONS].T)
                start = 0
            self._coarse = _with_room(self._coarse, self._encoded)
            self._coarse[start : self._encoded] = self._matrix[start : self._encoded] @ self._axes

    def weight(self, word: Word) -> float:
        """How telling `word` is: rarer among prompts, more telling; unknown, most."""
        frequency = self._document_frequency.get(word.key, 0)
        return word.kind * math.log((len(self._words) + 1) / (frequency + 1)) + word.kind

    def compare(self, text: str, position: int) -> Meaning | None:
        """How close the prompt at `position` is to `text`, word by word (the sentences'
        similarity is not measured); None if `text` has no word that means anything by
        itself."""
        said = words_of(text)
        return self._compare(text, said, position, None) if said else None

    def nearest(self, text: str) -> Meaning | None:
        """The known prompt closest in meaning to `text`, checked word by word; None
        if nothing is known."""
        if not self._words:
            return None
        said = words_of(text)
        self.encode_pending()
        vector = self.encoder.encode(text)
        if self._axes is None:
            similarities = self._matrix[: self._encoded] @ vector
            position = int(similarities.argmax())
            return self._compare(text, said, position, float(similarities[position]))
        rough = self._coarse[: self._encoded] @ (vector @ self._axes)
        candidates = np.argpartition(rough, -CANDIDATES)[-CANDIDATES:]
        similarities = self._matrix[candidates] @ vector
        best = int(similarities.argmax())
        return self._compare(text, said, int(candidates[best]), float(similarities[best]))

    def _compare(
        self, text: str, said: tuple[Word, ...], position: int, similarity: float | None
    ) -> Meaning:
        prompt = self._words[position]
        _, said_missing, unexplained = self._covered(said, prompt)
        prompt_covered, prompt_missing, left_out = self._covered(prompt, said)
        contradicts = self._says_otherwise(normalize(text), position) or any(
            lexicon.opposite(word.key, other.key) for word in unexplained for other in left_out
        )
        swapped = min(said_missing, prompt_missing)
        return Meaning(position, similarity, prompt_covered, swapped, contradicts)

    def _says_otherwise(self, typed: str, position: int) -> bool:
        """True if one of `typed` and the prompt says no, not or never and the other
        does not ("nto" for "not" being a typo, not a yes)."""
        if lexicon.negated(typed) == self._negated[position]:
            return False
        negations = [each for each in self._spellings[position] if lexicon.negated(normalize(each))]
        return not any(_mistyped(word, each) for word in typed.split() for each in negations)

    def typed_as(self, text: str, position: int) -> bool:
        """True if `text` is the prompt at `position` as typed: each of its words is
        one of the prompt's (spelled alike, the same stem or synonym, or alike letter
        for letter), or a typo of one."""
        spellings = self._spellings[position]
        keys = {word.key for word in self._words[position]}
        return all(
            word.surface in spellings
            or word.key in keys
            or any(_alike(word.surface, each) for each in spellings)
            # A word Diego knows is meant as typed: "age" is not a typo of "are".
            or (
                word.surface not in self._vocabulary
                and any(_mistyped(word.surface, each) for each in spellings)
            )
            for word in words_of(text)
        )

    def _covered(
        self, words: tuple[Word, ...], other: tuple[Word, ...]
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
            elif _alike(first.surface, second.surface):
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


def _with_room(rows: np.ndarray, needed: int) -> np.ndarray:
    """`rows`, or a copy twice as long if it has fewer than `needed` (so that adding a
    prompt does not copy every vector)."""
    if needed <= len(rows):
        return rows
    grown = np.zeros((max(needed, 2 * len(rows)), rows.shape[1]), rows.dtype)
    grown[: len(rows)] = rows
    return grown


def _alike(first: str, second: str) -> bool:
    """True if two words are spelled nearly alike ("color" and "colour"); never two
    numbers ("37th" and "38th")."""
    return (
        max(len(first), len(second)) >= 3
        and not _has_digit((first, second))
        and fuzz.ratio(first, second) >= TYPO_MATCH
    )


def _mistyped(typed: str, meant: str) -> bool:
    """True if `typed` may be `meant` with a typo or two (never a different number)."""
    if _has_digit((typed, meant)):
        return False
    most = 1 if min(len(typed), len(meant)) <= 4 else 2
    return OSA.distance(typed, meant, score_cutoff=most) <= most


def _has_digit(words: tuple[str, ...]) -> bool:
    return any(character.isdigit() for word in words for character in word)
