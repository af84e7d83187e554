"""How Diego picks an answer: a ChatterBot logic adapter over an in-memory index."""

import random

from chatterbot import languages
from chatterbot.conversation import Statement
from chatterbot.logic import LogicAdapter
from sqlalchemy import select

from . import DEFAULT_FALLBACK_REPLY
from .limits import STATEMENT_MAX_LENGTH
from .matcher import PromptIndex, normalize

# Below this similarity to the closest statement Diego knows, an answer would be a guess.
# Chosen with the understanding eval (bench/understanding.py): every variant of a known
# prompt in it scores above, every unknown question below.
MINIMUM_SIMILARITY = 0.6


class FuzzyMatch(LogicAdapter):
    """Replies to the known statement closest to the input, or admits it knows none.

    Known statements and their replies are read from ChatterBot's storage into a
    `PromptIndex` once, then only what was stored since (by any process: a learning
    server, `python -m diego train`) before each answer. Stock BestMatch instead
    compares the input with candidates in pure Python at every reply, and answers a
    weak match with a random stored statement (with learning on, another user's words).
    """

    def __init__(self, chatbot, fallback_reply: str = DEFAULT_FALLBACK_REPLY, **kwargs):
        super().__init__(chatbot, **kwargs)
        self.fallback_reply = fallback_reply
        self.known = PromptIndex()
        self._statement = chatbot.storage.get_model("statement")
        self._last_seen_id = 0

    def catch_up(self) -> None:
        """Index the statements stored since the last look."""
        model = self._statement
        query = (
            select(model.id, model.text, model.in_response_to, model.persona)
            .where(model.id > self._last_seen_id)
            .order_by(model.id)
        )
        with self.chatbot.storage.engine.connect() as connection:
            for id_, text, in_response_to, persona in connection.execute(query):
                # As in stock ChatterBot, Diego's own words are never offered as replies.
                if in_response_to and not persona.startswith("bot:"):
                    self.known.add(in_response_to, text)
                self._last_seen_id = id_

    def process(self, statement: Statement, additional_response_selection_parameters=None):
        self.catch_up()
        replies, similarity = self.known.best(statement.text)
        if similarity < MINIMUM_SIMILARITY:
            response = Statement(text=self.fallback_reply)
            response.confidence = 0
        else:
            response = Statement(text=random.choice(replies))
            response.confidence = similarity
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
