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

import bisect
import collections
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
SHORT_WORD = 4  # letters, up to which a typo often makes another word ("god" for "good")
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
    # The weighted share of the words said that it does not explain: "How does a
    # computer virus work?" is not "How does a computer work?".
    said_missing: float
    # A word said and a word of the prompt both left unexplained is one put for the
    # other: "smallest" for "largest", the telling sign of a look-alike.
    swapped: float  # the weighted share of such words
    # One says the opposite of the other: "first" for "last", or "not" on one side only.
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
    # number").
    readings: tuple[Meaning, ...]


_THE_US = re.compile(r"\b(?:U\.S\.(?:A\.)?|USA|US)(?!\w)")


@functools.lru_cache(maxsize=1024)
def words_of(text: str) -> tuple[Word, ...]:
    """The words of `text` that can carry meaning, in order. (Kept for the texts last
    seen: a reply asks for those of what was said three times.)"""
    words = []
    if not text.isupper():  # (where "US" is not "us" shouted)
        text = _THE_US.sub("USA", text)
    for surface in re.findall(r"[a-z0-9]+", lexicon.rephrase(normalize(text))):
        kind = lexicon.weight_class(surface)
        if kind:
            words.append(Word(surface, lexicon.canonical(surface), kind))
    return tuple(words)


# What a reply asks of what was said up to 15 times (once for each way of saying a
# prompt), kept for the texts last seen.
@functools.lru_cache(maxsize=1024)
def _people(typed: str) -> tuple[str | None, frozenset[str]]:
    """Who `typed` (normalized) says does it, and whom it names."""
    words = typed.split()
    return lexicon.subject(words), frozenset(lexicon.persons(words))


@functools.lru_cache(maxsize=1024)
def _says_no(typed: str) -> bool:
    """True if `typed` (normalized) says no, once rephrased: "not working" is "broken",
    as "has stopped working" and "is down" are."""
    return lexicon.negated(lexicon.rephrase(typed))


@functools.lru_cache(maxsize=1024)
def _asks_whether(typed: str) -> bool:
    return lexicon.asks_whether(typed.split())


@functools.lru_cache(maxsize=1024)
def _questioned(typed: str) -> frozenset[str]:
    return frozenset(lexicon.questioned(lexicon.rephrase(typed).split()))


@functools.lru_cache(maxsize=1024)
def _asked(typed: str) -> frozenset[str]:
    """The questions `typed` (normalized) asks."""
    return frozenset(lexicon.questions(lexicon.rephrase(typed)))


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
        # One row per text indexed: a prompt or a phrasing of one. A phrasing's words
        # are read when its prompt is first a candidate (reading thousands at start-up
        # would take a second).
        self._texts: list[str] = []
        self._words: list[tuple[Word, ...]] = []
        # Every word, as typed ("dont"), spelled out ("do not") and rephrased.
        self._spellings: list[set[str]] = []
        self._negated: list[bool] = []
        self._asks: list[set[str]] = []  # the questions it asks ("who", "how"...)
        self._tells: list[bool] = []  # it says rather than asks
        self._questioned: list[set[str]] = []  # what it asks which one of
        self._doers: list[str | None] = []  # who does it (`lexicon.subject`)
        self._persons: list[frozenset[str]] = []  # who is named
        self._meant: list[int] = []  # the position of the prompt each row says
        self._rows: list[int] = []  # the row of each prompt itself
        self._ways: list[list[int]] = []  # the rows saying each prompt, itself first
        self._unread: list[list[int]] = []  # each prompt's phrasings not read yet
        # The questions each prompt asks, in any of its ways ("how", "why", "who"...).
        self._questions: list[set[str]] = []
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
        self._unread.append([])
        self._questions.append(set())
        self._read(row)
        for key in {word.key for word in self._words[row]}:
            self._document_frequency[key] = self._document_frequency.get(key, 0) + 1
        self._weights.clear()
        self._vocabulary.update(self._spellings[row])
        return position

    def add_phrasing(self, text: str, position: int) -> None:
        """Index `text` as another way of saying the prompt at `position`."""
        row = self._add_row(text, position)
        self._ways[position].append(row)
        self._unread[position].append(row)

    def _add_row(self, text: str, position: int) -> int:
        self._texts.append(text)
        self._words.append(())
        self._spellings.append(set())
        self._negated.append(False)
        self._asks.append(set())
        self._tells.append(False)
        self._questioned.append(set())
        self._doers.append(None)
        self._persons.append(frozenset())
        self._meant.append(position)
        self._pending.append(text)
        return len(self._texts) - 1

    def _read(self, row: int) -> None:
        text = self._texts[row]
        self._words[row] = words_of(text)
        typed = normalize(text)
        spelled = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
        self._spellings[row] = {*spelled, *typed.split(), *lexicon.rephrase(typed).split()}
        self._negated[row] = _says_no(typed)
        self._doers[row] = lexicon.subject(typed.split())
        self._persons[row] = frozenset(lexicon.persons(typed.split()))
        self._asks[row] = lexicon.questions(lexicon.rephrase(typed))
        self._tells[row] = lexicon.tells(text, typed.split())
        self._questioned[row] = lexicon.questioned(lexicon.rephrase(typed).split())
        self._questions[self._meant[row]] |= self._asks[row]

    def _read_phrasings(self, position: int) -> None:
        unread = self._unread[position]
        while unread:
            self._read(unread.pop())

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
        said = words_of(text)
        return self._compare(normalize(text), said, self._rows[position], None) if said else None

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
        if not self._words:
            return []
        said = words_of(text)
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
            if self._meant[rows[row]] not in positions:
                positions.append(self._meant[rows[row]])
        typed = normalize(text)
        asked = lexicon.questions(lexicon.rephrase(typed))
        candidates = []
        for position in positions:
            self._read_phrasings(position)
            ways = self._ways[position]
            closeness = self._matrix[ways] @ vector
            order = np.argsort(-closeness)[:READINGS]
            best = float(closeness[order[0]])
            readings = (
                tuple(
                    self._compare(typed, said, ways[i], float(closeness[i]))
                    for i in order
                    if closeness[i] >= max(best - ways_within, floor)
                )
                if asked <= self._questions[position]
                else ()
            )
            candidates.append(Candidate(position, best, readings))
        return candidates

    def _compare(
        self, typed: str, said: tuple[Word, ...], row: int, similarity: float | None
    ) -> Meaning:
        """What was said (`typed`: normalized; `said`: its words) against the prompt
        (or phrasing) at `row`, word by word."""
        prompt = self._words[row]
        _, said_missing, unexplained = self._covered(said, prompt)
        prompt_covered, prompt_missing, left_out = self._covered(prompt, said)
        contradicts = (
            self._says_otherwise(typed, row)
            or self._asks_otherwise(typed, row)
            or (self._tells[row] and _asks_whether(typed))
            or self._asks_which_otherwise(typed, row, unexplained, left_out)
            or self._whose_otherwise(typed, row)
            or self._who_otherwise(typed, row)
            or any(
                lexicon.opposite(word.key, other.key) for word in unexplained for other in left_out
            )
            or self._narrower(unexplained, row)
            # Someone else: "Godzilla's son", "the 37th Vice President".
            or any(lexicon.relation(word.surface, only=True) for word in unexplained)
        )
        swapped = min(said_missing, prompt_missing)
        # (A number said is one too: "the most populous city in 1700"; and someone's
        # relation left out: "Who is Godzilla?" for "Who is Godzilla's son?".)
        qualifier_one_sided = any(
            lexicon.qualifies(word.surface) or lexicon.relation(word.surface)
            for word in (*left_out, *unexplained)
        ) or any(_has_digit((word.surface,)) for word in unexplained)
        return Meaning(
            self._meant[row],
            similarity,
            prompt_covered,
            said_missing,
            swapped,
            contradicts,
            qualifier_one_sided,
        )

    def _says_otherwise(self, typed: str, row: int) -> bool:
        """True if one of `typed` and the text at `row` says no, not or never and the
        other does not ("nto" for "not" being a typo, not a yes)."""
        if _says_no(typed) == self._negated[row]:
            return False
        negations = [each for each in self._spellings[row] if lexicon.negated(normalize(each))]
        return not any(_mistyped(word, each) for word in typed.split() for each in negations)

    def _narrower(self, unexplained: tuple[Word, ...], row: int) -> bool:
        """True if a word said that the text at `row` does not explain names a place, a
        language or a kind that the prompt itself does not name either ("bubble sort in
        Rust"): a way of saying a prompt may leave out the "in Python" it asks about."""
        named = {word.key for word in self._words[self._rows[self._meant[row]]]}
        return any(lexicon.narrows(word.surface) and word.key not in named for word in unexplained)

    def _asks_otherwise(self, typed: str, row: int) -> bool:
        """True if `typed` and the text at `row` each ask who, when, where or why, and
        not the same: "In which year did Hitler commit suicide?" is not "In which city
        did Hitler commit suicide?". ("What" and "how" may ask any of them.)"""
        said = _asked(typed) & lexicon.SPECIFIC_QUESTIONS
        theirs = self._asks[row] & lexicon.SPECIFIC_QUESTIONS
        if said - theirs and theirs - said:
            # (A country can be who did it: "Who gave America the Statue of Liberty?")
            return {*said, *theirs} != {"who", "where"}
        return False

    def _asks_which_otherwise(
        self, typed: str, row: int, unexplained: tuple[Word, ...], left_out: tuple[Word, ...]
    ) -> bool:
        """True if `typed` and the text at `row` ask which one of different things, each
        unexplained by the other: "...playing what character?" is not "...for what film?"."""
        said, theirs = _questioned(typed), self._questioned[row]
        asked = [word.surface for word in unexplained if word.surface in said]
        their_asked = [word.surface for word in left_out if word.surface in theirs]
        # (Not a typo of it: "what wto Cold War rivals" is "what two".)
        return any(
            not (_alike(one, other) or _mistyped(one, other))
            for one in asked
            for other in their_asked
        )

    def _whose_otherwise(self, typed: str, row: int) -> bool:
        """True if one of `typed` and the text at `row` asks of "my" something and the
        other of "your": "What is my name?" is not "What is your name?"."""
        said = lexicon.POSSESSIVES.intersection(typed.split())
        theirs = lexicon.POSSESSIVES & self._spellings[row]
        return len(said) == len(theirs) == 1 and said != theirs

    def _who_otherwise(self, typed: str, row: int) -> bool:
        """True if `typed` and the text at `row` put one person for another ("how old
        am I" is not "What is your age"), or name the same people and ask of different
        ones who does it: "Does anyone hate you?" is not "Do you hate anyone", nor "am I
        crazy" "Are you crazy". (One who is left out may be a typo or a word dropped:
        "Can help you with anything?")"""
        said, named = _people(typed)
        their_named, theirs = self._persons[row], self._doers[row]
        if named - their_named and their_named - named:
            return True
        if said is None or theirs is None or said == theirs:
            return False
        return named == their_named or (theirs in named and said not in their_named)

    def typed_as(self, text: str, position: int) -> bool:
        """True if `text` is the prompt at `position` as typed: the same question in
        the same time or mode, its telling words all said and in its order, and each
        word said one of the prompt's (spelled alike, the same stem or synonym, or alike
        letter for letter) or a typo of one."""
        row = self._rows[position]
        typed, prompt = normalize(text).split(), normalize(self._texts[row]).split()
        words, their_words = words_of(text), self._words[row]
        return (
            _asks_as(typed, prompt, self._asks[row])
            and _in_order([word.key for word in words], [word.key for word in their_words])
            and all(
                _said(word, words, typed)
                for word in their_words
                if word.kind == 1.0 and word.surface in prompt  # (not "broken" for "not working")
            )
            and self._words_typed_as(words, typed, prompt, row)
        )

    def _words_typed_as(
        self, words: tuple[Word, ...], typed: list[str], prompt: list[str], row: int
    ) -> bool:
        spellings = self._spellings[row]
        # Each word of the prompt stands for one word said, and a typo is of a word not
        # said as it is: in "can you write a CSV writer", "writer" is not "write" again.
        keys = collections.Counter(word.key for word in self._words[row])
        keys.subtract(word.key for word in words if word.surface in spellings)
        # (A word typed as often as the prompt has it is no typo of it: "hot" is not
        # "how" in "how hot is the sun"; but "tge" may be the second "the" of a prompt.)
        unsaid_count = collections.Counter(prompt)
        unsaid_count.subtract(typed)
        unsaid = spellings.difference(
            (word for word, count in unsaid_count.items() if count <= 0),
            (word.surface for word in words),
        )

        def said_once(word: Word) -> bool:
            keys[word.key] -= 1
            return keys[word.key] >= 0

        return all(
            word.surface in spellings
            or said_once(word)
            or (
                any(_alike(word.surface, each) or _mistyped(word.surface, each) for each in unsaid)
                if word.surface not in self._vocabulary
                # A word Diego knows is meant as typed ("age" is not a typo of "are", nor
                # "basketball" of "baseball"), unless it is short and a letter of a word
                # of the prompt was left out, added or swapped ("god" for "good", "form"
                # for "from"), not another put in its place ("talk" for "walk").
                else len(word.surface) <= SHORT_WORD
                and any(_slipped(word.surface, each) for each in unsaid)
            )
            for word in words
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
            elif previous is not None and previous.key == word.key:
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
                or _has_digit(pair)
                or (lexicon.qualifies(first.surface) and lexicon.qualifies(second.surface))
                or _superlative_of(*pair)
                or _superlative_of(*reversed(pair))
            ):
                # "largest" is not "smallest", "tallest" "shortest", "farthest" "far", nor
                # "37th" "38th".
                found = 0.0
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
    numbers ("37th" and "38th"), nor two superlatives ("smallest" and "tallest")."""
    return (
        max(len(first), len(second)) >= 3
        and not _has_digit((first, second))
        and not (lexicon.qualifies(first) and lexicon.qualifies(second))
        and fuzz.ratio(first, second) >= TYPO_MATCH
    )


def _mistyped(typed: str, meant: str) -> bool:
    """True if `typed` may be `meant` with a typo or two (never a different number)."""
    if _has_digit((typed, meant)):
        return False
    # Two slips rarely both fall on a word's first letter and elsewhere: "tired" is not
    # "bored" mistyped.
    most = 1 if min(len(typed), len(meant)) <= 4 or typed[:1] != meant[:1] else 2
    return OSA.distance(typed, meant, score_cutoff=most) <= most


def _asks_as(typed: list[str], prompt: list[str], questions: set[str]) -> bool:
    """True if `typed` asks what `prompt` asks (both normalized words; the prompt's
    `questions`), as typed: another question word is another question ("Why did the
    Cold War end?", "In which city..." for "What year..."), and "did you write" is not
    "can you write"."""
    asked = _asked(" ".join(typed))
    # ("which counrty" may be "which country": where)
    theirs = questions | {"what"} if questions & {"when", "where"} else questions
    said_modes, their_modes = lexicon.modes(typed), lexicon.modes(prompt)
    return asked <= theirs and not (said_modes - their_modes and their_modes - said_modes)


def _said(word: Word, words: tuple[Word, ...], typed: list[str]) -> bool:
    """True if `word` (of a prompt) was said, or mistyped: "do you like me" leaves
    out "guns" of "do you like guns"."""
    return any(word.key == each.key for each in words) or any(
        _alike(each, word.surface) or _mistyped(each, word.surface) for each in typed
    )


def _in_order(said: list[str], prompt: list[str]) -> bool:
    """True if the words of `prompt` that were `said` were said in its order, but for
    one moved: "What country imports camels from Saudi Arabia?" is not "Saudi Arabia
    imports camels from what country?"."""
    unused = collections.defaultdict(collections.deque)
    for index, key in enumerate(prompt):
        unused[key].append(index)
    order = [unused[key].popleft() for key in said if unused[key]]
    # The longest run in the prompt's order, not necessarily adjacent (patience sorting).
    tails: list[int] = []
    for index in order:
        place = bisect.bisect_left(tails, index)
        tails[place : place + 1] = [index]
    return len(tails) >= len(order) - 1


def _slipped(typed: str, meant: str) -> bool:
    """True if `typed` is `meant` with one letter left out, added, or swapped with the
    next."""
    return (len(typed) != len(meant) or sorted(typed) == sorted(meant)) and OSA.distance(
        typed, meant, score_cutoff=1
    ) <= 1


def _superlative_of(word: str, other: str) -> bool:
    """True if `word` is the superlative of `other`: "farthest" of "far"."""
    return word.startswith(other) and word.endswith("est") and lexicon.qualifies(word)


def _has_digit(words: tuple[str, ...]) -> bool:
    # Words are letters and digits only ("[a-z0-9]+"): one not all letters has a digit.
    return not all(map(str.isalpha, words))
