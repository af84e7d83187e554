"""How Diego picks an answer: a ChatterBot logic adapter over what he knows."""

import collections
import random
import re
import typing

from chatterbot import languages
from chatterbot.conversation import Statement
from chatterbot.logic import LogicAdapter
from sqlalchemy import func, select

from .. import DEFAULT_FALLBACK_REPLY
from ..serving.limits import STATEMENT_MAX_LENGTH
from .learning import DEFAULT_QUORUM, TEACHER, ForgottenStatement, Learning, Teachings
from .matcher import normalize, without_fillers
from .meaning import MeaningIndex
from .phrasings import Phrasings, load_near_misses, load_phrasings
from .sentence_encoder import SentenceEncoder
from .understanding import Knowledge, Verdict
from .vector_cache import VectorCache

CLARIFYING = 'Did you mean "{prompt}"?'
_CLARIFYING = re.compile(r'Did you mean "(?P<prompt>.*)"\?', re.DOTALL)
# Answers to 'Did you mean "..."?', as `normalize` spells them.
YES = frozenset(
    [
        "yes",
        "y",
        "yep",
        "yeah",
        "yea",
        "yup",
        "aye",
        "sure",
        "right",
        "exactly",
        "correct",
        "indeed",
        "absolutely",
        "definitely",
        "certainly",
        "of course",
        "ok",
        "okay",
        "i did",
        "yes please",
        "yes i did",
        "yes exactly",
        "yes that is right",
        "that is right",
        "that is correct",
        "that is it",
        "that is what i meant",
        "you got it",
    ]
)
NO = frozenset(
    [
        "no", "n", "nope", "nah", "no thanks", "no i did not", "i did not", "not really",
        "not quite", "not at all", "wrong", "incorrect", "neither", "no way", "negative",
        "not that", "that is not it", "that is not what i meant",
    ]
)  # fmt: skip


def clarifying_question(prompt: str) -> str:
    """Diego's question when unsure: does the person mean this known prompt?"""
    return CLARIFYING.format(prompt=" ".join(prompt.split()))


def asked_about(reply: str | None) -> str | None:
    """The prompt a clarifying question asks about, or None if `reply` is not one."""
    found = _CLARIFYING.fullmatch(reply or "")
    return found["prompt"] if found else None


class BestMeaning(LogicAdapter):
    """Replies to the known statement that means what was said; when unsure, asks.

    Known statements and their replies are read from ChatterBot's storage into a
    `Knowledge` once, then only what was stored or erased since (by any process: a
    learning server, `python -m diego train`, `python -m diego forget`) when told to
    catch up. What people taught is known once `quorum` people taught it, and until then
    only in the conversations that taught it. When Diego is sure, he answers;
    between sure and lost, he asks 'Did you mean "..."?' and a yes gets that prompt's
    answer, a no the fallback; lost, the fallback. The question is read back from the
    conversation's history, so the yes may reach another worker, or a restarted server.
    """

    def __init__(
        self,
        chatbot,
        fallback_reply: str = DEFAULT_FALLBACK_REPLY,
        last_reply: typing.Callable[[str], str | None] | None = None,
        quorum: int = DEFAULT_QUORUM,
        phrasings: Phrasings | None = None,
        near_misses: Phrasings | None = None,
        encoder: SentenceEncoder | None = None,
        **kwargs,
    ):
        """`phrasings`: other ways of saying known prompts, and `near_misses`: what
        looks like them and is not (by default, those written for the default corpora);
        `encoder`: the sentence encoder (by default Diego's)."""
        super().__init__(chatbot, **kwargs)
        self.fallback_reply = fallback_reply
        self.last_reply = last_reply
        engine = chatbot.storage.engine
        vectors = VectorCache(engine, encoder)
        if phrasings is None:
            phrasings = load_phrasings()
        if near_misses is None:
            near_misses = load_near_misses()
        meanings = MeaningIndex(encoder=vectors.encoder, encode_prompts=vectors.encode_all)
        self.known = Knowledge(meanings, phrasings, near_misses)
        self.teachings = Teachings(quorum)
        self.learning = Learning(engine)
        self._statement = chatbot.storage.get_model("statement")
        self._last_seen_id = 0
        self._last_forgotten_id = self.learning.latest_forgotten()
        self._trained: dict[int, tuple[str, str]] = {}  # id: (prompt, reply)
        self._copies: collections.Counter[tuple[str, str]] = collections.Counter()

    def catch_up(self) -> None:
        """Index the statements stored since the last look, and drop those erased."""
        model = self._statement
        query = (
            select(model.id, model.text, model.in_response_to, model.persona, model.conversation)
            .where(model.id > self._last_seen_id)
            .order_by(model.id)
        )
        with self.chatbot.storage.engine.connect() as connection:
            for id_, text, in_response_to, persona, conversation in connection.execute(query):
                self._last_seen_id = id_
                # As in stock ChatterBot, Diego's own words are never offered as replies.
                if not in_response_to or persona.startswith("bot:"):
                    continue
                if persona.startswith(TEACHER):
                    live = self.teachings.taught(id_, in_response_to, text, persona, conversation)
                    if live is not None:
                        self._know(live.prompt, live.reply, taught=True)
                else:
                    self._trained[id_] = (in_response_to, text)
                    self._know(in_response_to, text)
            forgotten = self.learning.forgotten_since(connection, self._last_forgotten_id)
        for tombstone, id_ in forgotten:
            self._last_forgotten_id = tombstone
            if id_ in self._trained:
                self._unknow(*self._trained.pop(id_))
            elif (lost := self.teachings.forgotten(id_)) is not None:
                self._unknow(lost.prompt, lost.reply)
        self.known.encode_pending()

    def summary(self) -> tuple[int, int]:
        """The latest statement and tombstone: either moves when knowledge changes."""
        latest = select(func.max(self._statement.id)).scalar_subquery()
        forgotten = select(func.max(ForgottenStatement.id)).scalar_subquery()
        with self.chatbot.storage.engine.connect() as connection:
            latest, forgotten = connection.execute(select(latest, forgotten)).one()
        return latest or 0, forgotten or 0

    def _know(self, prompt: str, reply: str, taught: bool = False) -> None:
        self._copies[prompt, reply] += 1
        self.known.add(prompt, reply, taught)

    def _unknow(self, prompt: str, reply: str) -> None:
        self._copies[prompt, reply] -= 1
        if not self._copies[prompt, reply]:
            del self._copies[prompt, reply]
            self.known.remove(prompt, reply)

    def process(self, statement: Statement, additional_response_selection_parameters=None):
        answer = self._answer_to_question(statement)
        if answer is not None:
            return answer
        understood = self.known.understand(statement.text)
        sure = understood.verdict is Verdict.SURE
        # What this conversation taught, before others confirm it, it hears back.
        taught_here = self.teachings.taught_here(
            statement.conversation, understood.prompt if sure else statement.text
        )
        if taught_here:
            replies = [*understood.replies, *taught_here] if sure else taught_here
            return _response(random.choice(replies), 1)
        if sure:
            return _response(random.choice(understood.replies), understood.confidence)
        if understood.verdict is Verdict.UNSURE:
            return _response(clarifying_question(understood.prompt), understood.confidence)
        return _response(self.fallback_reply, 0)

    def _answer_to_question(self, statement: Statement) -> Statement | None:
        """If `statement` answers Diego's clarifying question yes or no, the reply."""
        said = without_fillers(normalize(statement.text))
        if self.last_reply is None or (said not in YES and said not in NO):
            return None
        prompt = asked_about(self.last_reply(statement.conversation))
        if prompt is None:
            return None
        replies = self.known.replies_to(prompt)
        if said in NO or not replies:
            return _response(self.fallback_reply, 0)
        return _response(random.choice(replies), 1)


def _response(text: str, confidence: float) -> Statement:
    response = Statement(text=text)
    response.confidence = confidence
    return response


class NormalizingTagger:
    """A ChatterBot tagger: a statement's search text is its normalized form.

    ChatterBot's `LowercaseTagger` runs a spaCy pipeline for each text (and building
    it costs a tenth of a second at start-up); Diego's matcher needs none.
    """

    language = languages.ENG

    def needs_text_indexing(self) -> bool:
        return True

    def get_text_index_string(self, text: str | list[str]) -> str | list[str]:
        if isinstance(text, list):
            return [self.get_text_index_string(each) for each in text]
        # Spelled-out shorthands make it longer than the text: it must fit the same column.
        return normalize(text)[:STATEMENT_MAX_LENGTH]
