"""What Diego makes of what someone said: a known prompt he is sure of, one he is
unsure of (and asks about), or nothing he knows.

Two indexes over the same prompts: `PromptIndex` for what people type (typos,
shorthands, fillers), `MeaningIndex` for what they mean in their own words.
"""

import dataclasses
import enum

from .matcher import PromptIndex
from .meaning import MeaningIndex
from .word_vectors import WordVectors

# Thresholds on the meaning score, tuned on the "tune" half of bench/semantic/.
SURE = 0.85
UNSURE = 0.65
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

    def __init__(self, vectors: WordVectors | None = None):
        self.typed = PromptIndex()
        self.meanings = MeaningIndex(vectors)
        self._prompts: list[str] = []

    def __len__(self) -> int:
        return len(self._prompts)

    def add(self, prompt: str, reply: str) -> None:
        """Know `reply` as a reply to `prompt`."""
        position = self.typed.add(prompt, reply)
        if position == len(self._prompts):  # a new prompt
            self._prompts.append(prompt)
            self.meanings.add(prompt)

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
        as_typed = self.meanings.compare(text, position)
        if as_typed is None:
            return LOST  # only function words, and not as Diego knows them
        if typed >= TYPED_LIKE and self.meanings.typed_as(as_typed):
            return self._understood(Verdict.SURE, position, typed)
        meanings = self.meanings.closest(text)
        best = meanings[0]
        if best.score >= SURE:
            return self._understood(Verdict.SURE, best.position, best.score)
        if best.score >= UNSURE:
            return self._understood(Verdict.UNSURE, best.position, best.score)
        return LOST

    def _understood(self, verdict: Verdict, position: int, confidence: float) -> Understanding:
        replies = tuple(self.typed.replies(position))
        return Understanding(verdict, self._prompts[position], replies, confidence)
