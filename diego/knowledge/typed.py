"""Whether what was said is a known prompt as typed: its words or typos of them, asking
the same in the same order.

"Who was the 38th President" is 98 % like "Who was the 37th President" letter for letter,
and it is not a typo; "wat is ur nmae" is one of "What is your name?".
"""

import bisect
import collections

from . import lexicon
from .sentences import Sentence, Word, alike, mistyped, slipped

SHORT_WORD = 4  # letters, up to which a typo often makes another word ("god" for "good")


def typed_as(said: Sentence, prompt: Sentence, vocabulary: set[str]) -> bool:
    """True if `said` is `prompt` as typed: the same question in the same time or mode,
    its telling words all said and in its order, and each word said one of the prompt's
    (spelled alike, the same stem or synonym, or alike letter for letter) or a typo of
    one. A word in `vocabulary` (of every prompt) is meant as typed."""
    typed, their_typed = said.typed.split(), prompt.typed.split()
    return (
        _asks_as(said, prompt)
        and _in_order([word.key for word in said.words], [word.key for word in prompt.words])
        and all(
            _said(word, said.words, typed)
            for word in prompt.words
            # (not "broken" for "not working")
            if word.kind == 1.0 and word.surface in their_typed
        )
        and _words_typed_as(said, prompt, vocabulary)
    )


def _asks_as(said: Sentence, prompt: Sentence) -> bool:
    """True if `said` asks what `prompt` asks, as typed: another question word is another
    question ("Why did the Cold War end?", "In which city..." for "What year..."), and
    "did you write" is not "can you write"."""
    # ("which counrty" may be "which country": where)
    theirs = prompt.asks | {"what"} if prompt.asks & {"when", "where"} else prompt.asks
    said_modes = lexicon.modes(said.typed.split())
    their_modes = lexicon.modes(prompt.typed.split())
    return said.asks <= theirs and not (said_modes - their_modes and their_modes - said_modes)


def _said(word: Word, words: tuple[Word, ...], typed: list[str]) -> bool:
    """True if `word` (of a prompt) was said, or mistyped: "do you like me" leaves
    out "guns" of "do you like guns"."""
    return any(word.key == each.key for each in words) or any(
        alike(each, word.surface) or mistyped(each, word.surface) for each in typed
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


def _words_typed_as(said: Sentence, prompt: Sentence, vocabulary: set[str]) -> bool:
    spellings = prompt.spellings
    # Each word of the prompt stands for one word said, and a typo is of a word not
    # said as it is: in "can you write a CSV writer", "writer" is not "write" again.
    keys = collections.Counter(word.key for word in prompt.words)
    keys.subtract(word.key for word in said.words if word.surface in spellings)
    # (A word typed as often as the prompt has it is no typo of it: "hot" is not
    # "how" in "how hot is the sun"; but "tge" may be the second "the" of a prompt.)
    unsaid_count = collections.Counter(prompt.typed.split())
    unsaid_count.subtract(said.typed.split())
    unsaid = spellings.difference(
        (word for word, count in unsaid_count.items() if count <= 0),
        (word.surface for word in said.words),
    )

    def said_once(word: Word) -> bool:
        keys[word.key] -= 1
        return keys[word.key] >= 0

    return all(
        word.surface in spellings
        or said_once(word)
        or (
            any(alike(word.surface, each) or mistyped(word.surface, each) for each in unsaid)
            if word.surface not in vocabulary
            # A word Diego knows is meant as typed ("age" is not a typo of "are", nor
            # "basketball" of "baseball"), unless it is short and a letter of a word
            # of the prompt was left out, added or swapped ("god" for "good", "form"
            # for "from"), not another put in its place ("talk" for "walk").
            else len(word.surface) <= SHORT_WORD
            and any(slipped(word.surface, each) for each in unsaid)
        )
        for word in said.words
    )
