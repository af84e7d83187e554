"""What Diego makes of what someone said: a known prompt he is sure of, one he is
unsure of (and asks about), or nothing he knows.

Two indexes over the same prompts: `PromptIndex` for what people type (typos,
shorthands, fillers), `MeaningIndex` for what they mean in their own words.
"""

import dataclasses
import enum

from .matcher import PromptIndex
from .meaning import MeaningIndex
from .phrasings import Phrasings

# Tuned on the "tune" half of bench/semantic/. Diego weighs the CLOSEST prompts in
# meaning (down to WITHIN of the closest), each in every way of saying it (itself and its
# phrasings, down to ROWS_WITHIN of its closest), checked word by word. Confidence is the
# similarity of the sentences' embeddings, less a share of what was said that the way of
# saying it does not say ("How does a computer virus work?" is not "How does a computer
# work?"). Sure needs at least COVERED of what it says to have been said ("tell me about
# python" asks more than "I use Python quite a bit myself" says: Diego asks). A
# look-alike (words put for the prompt's, LOOKS_ALIKE) is never answered, however
# similar, nor a question the prompt never asks ("why" for "what"). Far from all that
# looks like the prompt and is not (its near misses, by CLEAR_OF_NEAR_MISSES), a word put
# for another is more likely a synonym Diego does not know ("formerly" for "used to
# be"): up to LOOSE_LOOKS_ALIKE of them is let through.
CLOSEST = 3
WITHIN = 0.1
ROWS_WITHIN = 0.15
EXTRA = 0.3
SURE = 0.65
UNSURE = 0.6
COVERED = 0.55
LOOKS_ALIKE = 0.1
UNSURE_LOOKS_ALIKE = 0.1
CLEAR_OF_NEAR_MISSES = 0.1
LOOSE_LOOKS_ALIKE = 0.25
# As typed, this close is a typo of a known prompt if every word said is one of its words
# or a typo of one: a different number or name is not ("37th" and "38th" are 98 % alike).
TYPED_LIKE = 0.6


class Verdict(enum.Enum):
    SURE = "sure"
    UNSURE = "unsure"
    LOST = "lost"


@dataclasses.dataclass(frozen=True)
class Understanding:
    verdict: Verdict
    prompt: str = ""  # the known prompt meant, as first taught
    replies: tuple[str, ...] = ()
    confidence: float = 0.0


LOST = Understanding(Verdict.LOST)


class Knowledge:
    """The prompts Diego knows replies to, understood as typed and as meant."""

    def __init__(
        self,
        meanings: MeaningIndex | None = None,
        phrasings: Phrasings | None = None,
        near_misses: Phrasings | None = None,
    ):
        """`phrasings` ({prompt: other ways of saying it}) are understood as their
        prompt, once it is known; what is closer to one of its `near_misses` ({prompt:
        what looks like it and is not}) than to any of them, never."""
        self.typed = PromptIndex()
        # (An empty index is falsy: `meanings or ...` would drop the one given.)
        self.meanings = meanings if meanings is not None else MeaningIndex()
        self.phrasings = phrasings or {}
        self.near_misses = near_misses or {}
        self._prompts: list[str] = []
        self._phrased: set[str] = set()  # the prompts (as written) whose phrasings are in

    def __len__(self) -> int:
        return len(self._prompts)

    def add(self, prompt: str, reply: str, taught: bool = False) -> None:
        """Know `reply` as a reply to `prompt`. A prompt users `taught` is found as typed
        and by meaning, not by its typos: it would make every reply slower."""
        position = self.typed.add(prompt, reply, fuzzy=not taught)
        if position is None:
            return
        if position == len(self._prompts):  # a new prompt
            self._prompts.append(prompt)
            self.meanings.add(prompt)
        if prompt not in self._phrased:  # ("Will you die?" is "Will you die" as typed)
            self._phrased.add(prompt)
            for phrasing in self.phrasings.get(prompt, ()):
                self.meanings.add_phrasing(phrasing, position)
            for near_miss in self.near_misses.get(prompt, ()):
                self.meanings.add_near_miss(near_miss, position)

    def remove(self, prompt: str, reply: str) -> None:
        """Forget `reply` as a reply to `prompt`. A prompt left without replies is never
        understood."""
        self.typed.remove(prompt, reply)

    def encode_pending(self) -> None:
        """Encode the prompts added since the last question now (in one batch), not
        when the next one is asked."""
        self.meanings.encode_pending()

    def replies_to(self, prompt: str) -> tuple[str, ...]:
        """The replies known to `prompt` (as typed), if any."""
        position = self.typed.position(prompt)
        return tuple(self.typed.replies(position)) if position is not None else ()

    def understand(self, text: str) -> Understanding:
        """What `text` means among the known prompts, and how sure that is."""
        position, typed = self.typed.closest(text)
        if position is None:
            return LOST
        if typed == 1.0:
            return self._understood(Verdict.SURE, position, typed)
        if typed >= TYPED_LIKE:
            as_typed = self.meanings.compare(text, position)
            if (
                as_typed is not None
                and not as_typed.contradicts
                and self.meanings.typed_as(text, position)
            ):
                return self._understood(Verdict.SURE, position, typed)
        sure = unsure = None
        # (No way of saying it under UNSURE can be meant: none is read word by word.)
        for candidate in self.meanings.nearest(text, CLOSEST, WITHIN, ROWS_WITHIN, UNSURE):
            # Its ways all mean one thing: if the closest says otherwise ("What makes
            # you not happy?" for "What makes you happy"), or half of them do, one that
            # does not is missing what tells them apart ("What makes you unhappy").
            readings = candidate.readings
            contradicting = sum(meant.contradicts for meant in readings)
            if readings and (readings[0].contradicts or 2 * contradicting >= len(readings)):
                continue
            clear = (
                candidate.near_miss is not None
                and candidate.similarity - candidate.near_miss >= CLEAR_OF_NEAR_MISSES
            )
            alike_limit = LOOSE_LOOKS_ALIKE if clear else LOOKS_ALIKE
            for meant in candidate.readings:
                if meant.contradicts:
                    continue
                confidence = meant.similarity - EXTRA * meant.said_missing
                if (
                    confidence >= SURE
                    and meant.looks_alike < alike_limit
                    and meant.prompt_covered >= COVERED
                    and not meant.qualifier_one_sided
                ):
                    if sure is None or confidence > sure[0]:
                        sure = (confidence, candidate.position)
                elif confidence >= UNSURE and meant.looks_alike < UNSURE_LOOKS_ALIKE:
                    unsure = unsure or (confidence, candidate.position)
        if sure:
            return self._understood(Verdict.SURE, sure[1], sure[0])
        if unsure:
            return self._understood(Verdict.UNSURE, unsure[1], unsure[0])
        return LOST

    def _understood(self, verdict: Verdict, position: int, confidence: float) -> Understanding:
        replies = tuple(self.typed.replies(position))
        if not replies:  # all forgotten
            return LOST
        return Understanding(verdict, self._prompts[position], replies, confidence)
