"""Find the known prompts that mean what someone said, or admit there is none.

Two stages, both plain Python over numpy. A sentence encoder (all-MiniLM-L6-v2) finds
the prompts closest in meaning, in any of the ways of saying them (the prompt itself and
its phrasings), however it is worded; then each way is checked word by word, for what
sentence embeddings cannot see: a look-alike. Every telling word of what was said is
looked for in it (the same word, a typo of it, a synonym, or a word of close meaning)
and its words in what was said, each weighted by how rare it is among the prompts: "How
many hearts does an octopus have?" shares most of its words with "How many legs does a
spider have?", but not the ones that tell.
"""

import collections
import dataclasses
import math
import typing

import numpy as np

from . import lexicon
from .matcher import normalize
from .sentence_encoder import DIMENSIONS, SentenceEncoder
from .sentences import Sentence, Word, alike, has_digit, mistyped, read, superlative_of
from .typed import typed_as
from .word_vectors import WordVectors

# Word vectors from this similarity count as partly the same word, fully from FULL_MEANING.
# WordLlama's put synonyms at 0.4-0.85 and words of one kind ("tennis", "baseball") below 0.2.
CLOSE_MEANING = 0.4
FULL_MEANING = 0.75
# Up to this many texts, every vector is compared; past it (the default corpora and their
# phrasings are 12,000), that would cost half a millisecond per reply, and what users teach
# would add to it: the search first compares COARSE_DIMENSIONS of each vector (their main
# axes, found once), then the whole vectors of the CANDIDATES closest that way.
EXACT_SEARCH_LIMIT = 2_000
COARSE_DIMENSIONS = 48
CANDIDATES = 64
READINGS = 5  # ways of saying a prompt checked word by word, the closest first


@dataclasses.dataclass(frozen=True)
class Meaning:
    """How close a known prompt is to what was said."""

    position: int
    similarity: float | None  # of the two sentences' embeddings, -1 to 1, if measured
    prompt_covered: float  # the weighted share of the prompt's words that were said
    # The weighted share of the words said that it does not explain: "How does a
    # computer virus work?" is not "How does a computer work?".
    said_missing: float
    # A word said and a word of the prompt both left unexplained is one put for the
    # other: "smallest" for "largest", the telling sign of a look-alike.
    swapped: float  # the weighted share of such words
    # One says the opposite of the other ("first" for "last", "not" on one side only),
    # or asks or names something else: another of who, when, where and why, whether for
    # a statement, another person, a place or relation the other does not name.
    contradicts: bool
    # A word that picks one out of many is on one side only: "planets of the solar
    # system" does not ask for "the largest planet in our solar system", nor "your least
    # favorite number" for "your favorite number".
    qualifier_one_sided: bool

    @property
    def looks_alike(self) -> float:
        """How much this looks like a look-alike: telling words of the prompt that were
        said, weighted by how much of the prompt is there besides: "smallest" for
        "largest" in an otherwise identical question."""
        return self.swapped * self.prompt_covered


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A known prompt close in meaning to what was said."""

    position: int
    similarity: float  # of its closest way of saying it
    # Its ways of saying it, each checked word by word; none if it never asks the
    # question asked ("why is 42 your favorite number?" is not "What is your favorite
    # number"), or if what was said is closer to what looks like it and is not (a near
    # miss) than to any of its ways.
    readings: tuple[Meaning, ...]
    near_miss: float | None = None  # the similarity of its closest near miss, if it has any


class MeaningIndex:
    """Known prompts, and other ways of saying them, searched by meaning."""

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
        # One row per text indexed: a prompt or a phrasing of one. A phrasing is read
        # when its prompt is first a candidate (reading thousands at start-up would
        # take a second).
        self._texts: list[str] = []
        self._sentences: list[Sentence | None] = []
        self._meant: list[int] = []  # the position of the prompt each row says
        self._rows: list[int] = []  # the row of each prompt itself
        self._ways: list[list[int]] = []  # the rows saying each prompt, itself first
        # The rows of what looks like each prompt and is not (near misses), and whether
        # each row is one.
        self._near_misses: list[list[int]] = []
        self._is_near_miss: list[bool] = []
        self._unread: list[list[int]] = []  # each prompt's phrasings not read yet
        # The questions each prompt asks, in any of its ways ("how", "why", "who"...).
        self._questions: list[set[str]] = []
        # The keys and spellings of each prompt's words in all its ways, once read.
        self._named: list[tuple[frozenset[str], frozenset[str]] | None] = []
        self._vocabulary: set[str] = set()  # every word of every prompt
        self._document_frequency: dict[str, int] = {}  # in how many prompts' keys
        # The vectors of the rows encoded so far, then room for more.
        self._matrix = np.zeros((0, DIMENSIONS), np.float32)
        self._encoded = 0
        self._axes: np.ndarray | None = None  # DIMENSIONS x COARSE_DIMENSIONS
        self._coarse = np.zeros((0, COARSE_DIMENSIONS), np.float32)
        self._pending: list[str] = []  # rows not yet encoded: in one batch, when asked
        self._similar: dict[tuple[str, str], float] = {}
        self._weights: dict[Word, float] = {}  # until the next prompt changes them

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, prompt: str) -> int:
        """Index a prompt; return its position."""
        position, row = len(self._rows), self._add_row(prompt, len(self._rows))
        self._rows.append(row)
        self._ways.append([row])
        self._near_misses.append([])
        self._unread.append([])
        self._questions.append(set())
        self._named.append(None)
        prompt = self._read_row(row)
        for key in prompt.keys:
            self._document_frequency[key] = self._document_frequency.get(key, 0) + 1
        self._weights.clear()
        self._vocabulary.update(prompt.spellings)
        return position

    def add_phrasing(self, text: str, position: int) -> None:
        """Index `text` as another way of saying the prompt at `position`."""
        row = self._add_row(text, position)
        self._ways[position].append(row)
        self._unread[position].append(row)
        self._named[position] = None

    def add_near_miss(self, text: str, position: int) -> None:
        """Index `text` as looking like the prompt at `position` and meaning otherwise:
        said closer to it than to any way of saying the prompt, it is not the prompt."""
        row = self._add_row(text, position, near_miss=True)
        self._near_misses[position].append(row)

    def _add_row(self, text: str, position: int, near_miss: bool = False) -> int:
        self._texts.append(text)
        self._sentences.append(None)
        self._meant.append(position)
        self._is_near_miss.append(near_miss)
        self._pending.append(text)
        return len(self._texts) - 1

    def _read_row(self, row: int) -> Sentence:
        sentence = self._sentences[row] = Sentence.of(self._texts[row])
        self._questions[self._meant[row]] |= sentence.asks
        return sentence

    def _read_phrasings(self, position: int) -> None:
        unread = self._unread[position]
        while unread:
            self._read_row(unread.pop())

    def encode_pending(self) -> None:
        """Encode the texts added since the last search, in one batch."""
        if self._pending:
            vectors = self._encode_prompts(self._pending)
            start, self._encoded = self._encoded, self._encoded + len(vectors)
            self._pending = []
            self._matrix = _with_room(self._matrix, self._encoded)
            self._matrix[start : self._encoded] = vectors
            if self._encoded <= EXACT_SEARCH_LIMIT:
                return
            if self._axes is None:
                # The directions that keep most of the rows' dot products: the main
                # eigenvectors of their Gram matrix (an uncentred SVD, a tenth of its cost).
                known = self._matrix[: self._encoded]
                _, directions = np.linalg.eigh(known.T @ known)
                self._axes = np.ascontiguousarray(directions[:, ::-1][:, :COARSE_DIMENSIONS])
                start = 0
            self._coarse = _with_room(self._coarse, self._encoded)
            self._coarse[start : self._encoded] = self._matrix[start : self._encoded] @ self._axes

    def weight(self, word: Word) -> float:
        """How telling `word` is: rarer among prompts, more telling; unknown, most."""
        found = self._weights.get(word)
        if found is None:
            frequency = self._document_frequency.get(word.key, 0)
            found = word.kind * math.log((len(self._rows) + 1) / (frequency + 1)) + word.kind
            if len(self._weights) < 100_000:
                self._weights[word] = found
        return found

    def compare(self, text: str, position: int) -> Meaning | None:
        """How close the prompt at `position` is to `text`, word by word (the sentences'
        similarity is not measured); None if `text` has no word that means anything by
        itself."""
        said = read(text)
        return self._compare(said, self._rows[position], None) if said.words else None

    def typed_as(self, text: str, position: int) -> bool:
        """True if `text` is the prompt at `position` as typed (`typed.typed_as`)."""
        return typed_as(read(text), self._sentences[self._rows[position]], self._vocabulary)

    def nearest(
        self,
        text: str,
        count: int = 1,
        within: float = 1.0,
        ways_within: float = 0.15,
        floor: float = -1.0,
    ) -> list[Candidate]:
        """Up to `count` prompts closest in meaning to `text`, down to `within` of the
        closest, closest first: each with its ways of saying it (itself and its
        phrasings) down to `ways_within` of its closest and no lower than `floor`,
        checked word by word (unless it never asks what was asked)."""
        if not self._rows:
            return []
        said = read(text)
        self.encode_pending()
        vector = self.encoder.encode(text)
        if self._axes is None:
            rows = np.arange(self._encoded)
            similarities = self._matrix[: self._encoded] @ vector
        else:
            rough = self._coarse[: self._encoded] @ (vector @ self._axes)
            rows = np.argpartition(rough, -CANDIDATES)[-CANDIDATES:]
            similarities = self._matrix[rows] @ vector
        positions: list[int] = []
        closest = float(similarities.max())
        for row in np.argsort(-similarities):
            if similarities[row] < closest - within or len(positions) == count:
                break
            if self._meant[rows[row]] not in positions and not self._is_near_miss[rows[row]]:
                positions.append(self._meant[rows[row]])
        candidates = []
        for position in positions:
            self._read_phrasings(position)
            ways = self._ways[position]
            closeness = self._matrix[ways] @ vector
            order = np.argsort(-closeness)[:READINGS]
            best = float(closeness[order[0]])
            near_misses = self._near_misses[position]
            near_miss = float((self._matrix[near_misses] @ vector).max()) if near_misses else None
            missed = near_miss is not None and near_miss > best
            readings = (
                tuple(
                    self._compare(said, ways[i], float(closeness[i]))
                    for i in order
                    if closeness[i] >= max(best - ways_within, floor)
                )
                if said.asks <= self._questions[position] and not missed
                else ()
            )
            candidates.append(Candidate(position, best, readings, near_miss))
        return candidates

    def _compare(self, said: Sentence, row: int, similarity: float | None) -> Meaning:
        """What was `said` against the prompt (or phrasing) at `row`, word by word."""
        theirs = self._sentences[row]
        _, said_missing, unexplained = self._covered(said.words, theirs.words)
        prompt_covered, prompt_missing, left_out = self._covered(theirs.words, said.words)
        contradicts = (
            _says_otherwise(said, theirs)
            or _asks_otherwise(said, theirs)
            or (theirs.tells and said.asks_whether)  # "Am I a programmer?"
            or _asks_which_otherwise(said, theirs, unexplained, left_out)
            or _whose_otherwise(said, theirs)
            or _who_otherwise(said, theirs)
            or any(
                lexicon.opposite(word.key, other.key) for word in unexplained for other in left_out
            )
            or self._narrower(said, unexplained, row)
            # Someone else: "Godzilla's son", "the 37th Vice President".
            or any(lexicon.relation(word.surface, only=True) for word in unexplained)
        )
        swapped = min(said_missing, prompt_missing)
        # (A number said is one too: "the most populous city in 1700"; and someone's
        # relation left out: "Who is Godzilla?" for "Who is Godzilla's son?".)
        qualifier_one_sided = (
            any(
                lexicon.qualifies(word.surface) or lexicon.relation(word.surface)
                for word in (*left_out, *unexplained)
            )
            or any(
                has_digit((word.surface,)) or word.surface in lexicon.NUMBERS
                for word in unexplained
            )
            or _adds_clause(said, unexplained)
        )
        return Meaning(
            self._meant[row],
            similarity,
            prompt_covered,
            said_missing,
            swapped,
            contradicts,
            qualifier_one_sided,
        )

    def _narrower(self, said: Sentence, unexplained: tuple[Word, ...], row: int) -> bool:
        """True if a word said that the text at `row` does not explain names a place, a
        language, a kind or anyone or anything else by name that the prompt does not name
        in any of its ways ("bubble sort in Rust", "Robert F. Kennedy" for "John F.
        Kennedy"): one way of saying a prompt may leave out the "in Python" it asks about.
        (A name mistyped is not another: "Andriod" is "Android".)"""
        keys, spellings = self._names_of(self._meant[row])
        return any(
            word.key not in keys
            and (
                lexicon.narrows(word.surface)
                or (
                    word.surface in said.names
                    and (
                        word.surface == "c"  # the language, no typo of "a"
                        or not any(mistyped(word.surface, each) for each in spellings)
                    )
                )
            )
            for word in unexplained
        )

    def _names_of(self, position: int) -> tuple[frozenset[str], frozenset[str]]:
        """The keys and the spellings of the words of a prompt, in all its ways."""
        found = self._named[position]
        if found is None:
            self._read_phrasings(position)
            ways = [self._sentences[row] for row in self._ways[position]]
            found = self._named[position] = (
                frozenset().union(*(way.keys for way in ways)),
                frozenset().union(*(way.spellings for way in ways)),
            )
        return found

    def _covered(
        self, words: tuple[Word, ...], other: tuple[Word, ...]
    ) -> tuple[float, float, tuple[Word, ...]]:
        """The weighted shares of `words` that `other` explains, and that it does not
        explain at all, and those words."""
        if not words:
            return (1.0, 0.0, ()) if not other else (0.0, 1.0, ())
        total = explained = missing = 0.0
        unexplained = []
        # Each word explains one word at most, and a word said as it is stands for no
        # other: in "can you write a CSV writer", "writer" is not "parser" (nor "write").
        keys = collections.Counter(each.key for each in other)
        said = {word.key for word in words}
        free = [each for each in other if each.key not in said]
        previous = None
        for word in words:
            weight = self.weight(word)
            total += weight
            if keys[word.key]:
                keys[word.key] -= 1
                same = 1.0
            elif (
                previous is not None
                and previous.key == word.key
                and previous.surface != f"{word.surface}s"  # "your mother's mother"
            ):
                same = 1.0  # one thing said twice: "internet connection", "wifi network"
            else:
                same = max((self._same(word, each) for each in free), default=0.0)
            explained += weight * same
            if not same:
                missing += weight
                unexplained.append(word)
            previous = word
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
            if (
                lexicon.opposite(first.key, second.key)
                or has_digit(pair)
                or (lexicon.qualifies(first.surface) and lexicon.qualifies(second.surface))
                or superlative_of(*pair)
                or superlative_of(*reversed(pair))
            ):
                # "largest" is not "smallest", "tallest" "shortest", "farthest" "far", nor
                # "37th" "38th".
                found = 0.0
            elif alike(first.surface, second.surface):
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


def _says_otherwise(said: Sentence, theirs: Sentence) -> bool:
    """True if one of two sentences says no, not or never and the other does not ("nto"
    for "not" being a typo, not a yes)."""
    if said.negated == theirs.negated:
        return False
    negations = [each for each in theirs.spellings if lexicon.negated(normalize(each))]
    return not any(mistyped(word, each) for word in said.typed.split() for each in negations)


def _asks_otherwise(said: Sentence, theirs: Sentence) -> bool:
    """True if two sentences each ask who, when, where or why, and not the same: "In
    which year did Hitler commit suicide?" is not "In which city did Hitler commit
    suicide?". ("What" and "how" may ask any of them.)"""
    asked = said.asks & lexicon.SPECIFIC_QUESTIONS
    their_asked = theirs.asks & lexicon.SPECIFIC_QUESTIONS
    if asked - their_asked and their_asked - asked:
        # (A country can be who did it: "Who gave America the Statue of Liberty?")
        return {*asked, *their_asked} != {"who", "where"}
    return False


def _asks_which_otherwise(
    said: Sentence, theirs: Sentence, unexplained: tuple[Word, ...], left_out: tuple[Word, ...]
) -> bool:
    """True if two sentences ask which one of different things, each unexplained by the
    other: "...playing what character?" is not "...for what film?"."""
    asked = [word.surface for word in unexplained if word.surface in said.questioned]
    their_asked = [word.surface for word in left_out if word.surface in theirs.questioned]
    # (Not a typo of it: "what wto Cold War rivals" is "what two".)
    return any(
        not (alike(one, other) or mistyped(one, other)) for one in asked for other in their_asked
    )


def _adds_clause(said: Sentence, unexplained: tuple[Word, ...]) -> bool:
    """True if what was said ends in a clause of its own, of two telling words or more
    that the other does not explain, after "that", "for", "in"...: "a cron job that runs
    every hour", "your favorite language for building websites"."""
    words = said.words
    added = 0  # the words at the end that the other does not explain
    while added < len(words) and words[-1 - added] in unexplained:
        added += 1
    if added == len(words) or sum(word.kind >= 1 for word in words[-added:]) < 2:
        return False
    # The words typed between the last explained and the first added.
    tokens = said.rephrased
    last, first = words[-1 - added].surface, words[-added].surface
    end = len(tokens) - tokens[::-1].index(first) - 1 if first in tokens else 0
    start = max((n for n in range(end) if tokens[n] == last), default=end)
    return not lexicon.CLAUSE_WORDS.isdisjoint(tokens[start + 1 : end])


def _whose_otherwise(said: Sentence, theirs: Sentence) -> bool:
    """True if one of two sentences asks of "my" something and the other of "your":
    "What is my name?" is not "What is your name?"."""
    whose = lexicon.POSSESSIVES.intersection(said.typed.split())
    their_whose = lexicon.POSSESSIVES & theirs.spellings
    return len(whose) == len(their_whose) == 1 and whose != their_whose


def _who_otherwise(said: Sentence, theirs: Sentence) -> bool:
    """True if two sentences put one person for another ("how old am I" is not "What
    is your age"), or name the same people and ask of different ones who does it: "Does
    anyone hate you?" is not "Do you hate anyone", nor "am I crazy" "Are you crazy". (One
    who is left out may be a typo or a word dropped: "Can help you with anything?")"""
    named, their_named = said.persons, theirs.persons
    if named - their_named and their_named - named:
        return True
    doer, their_doer = said.doer, theirs.doer
    if doer is None or their_doer is None or doer == their_doer:
        return False
    return named == their_named or (their_doer in named and doer not in their_named)
