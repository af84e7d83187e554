"""Diego's mind: a ChatterBot over a persistent knowledge base."""

import logging
import typing

from chatterbot import ChatBot
from sqlalchemy import delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from .. import DEFAULT_FALLBACK_REPLY
from ..logs import OncePerInterval
from ..serving.conversation import one_line
from . import sqlite
from .history import History
from .matching import NormalizingTagger

NAME = "Diego"

logger = logging.getLogger("diego")


class Diego:
    """One process's ChatterBot, answering in per-client conversations.

    Per-client state lives in the conversation (its id names it in the database), so
    one bot serves every client.
    """

    def __init__(
        self,
        database_url: str,
        *,
        learn_from_users: bool = False,
        count_clients: typing.Callable[[], int] | None = None,
        fallback_reply: str = DEFAULT_FALLBACK_REPLY,
    ):
        adapters = []
        if count_clients is not None:
            adapters.append(
                {
                    "import_path": "diego.knowledge.count_question.ClientCountAdapter",
                    "count_clients": count_clients,
                }
            )
        adapters.append(
            {
                "import_path": "diego.knowledge.matching.BestMeaning",
                "fallback_reply": fallback_reply,
                # Diego's last reply, for the answer to a clarifying question.
                "last_reply": lambda conversation: self.history.last_reply(conversation),
            }
        )
        # The tagger needs no spaCy language model, so nothing is downloaded.
        self.chatbot = _ChatBot(
            NAME,
            database_uri=database_url,
            tagger=NormalizingTagger(),
            read_only=not learn_from_users,
            logic_adapters=adapters,
            # Stock ChatterBot collapses whitespace in everything it stores, replies
            # included: the corpus's code samples would lose their lines. The matcher
            # normalizes what it compares by itself.
            preprocessors=[],
        )
        self.history = History(self.chatbot.storage.engine)
        self._history_missed = OncePerInterval()
        self.matcher = self.chatbot.logic_adapters[-1]
        self.catch_up()

    def catch_up(self) -> None:
        """Take in what was learned since the bot was made (by training, say)."""
        self.matcher.catch_up()

    def reply(self, text: str, conversation: str) -> str:
        """Return Diego's answer to `text` within the given conversation, and keep both."""
        try:
            reply = self.chatbot.get_response(text, conversation=conversation).text
        except Exception as exc:
            # A failed statement leaves ChatterBot's session waiting for a rollback, and
            # every later reply of this process would fail on it: start a new one. (Not
            # only SQLAlchemy's errors: psycopg2 refuses a NUL with a ValueError.)
            self.chatbot.storage.Session.remove()
            if isinstance(exc, SQLAlchemyError):
                # Connections may hold on to a database that went away: reconnect next
                # time, so that Diego recovers by himself when it is back.
                self.chatbot.storage.engine.dispose()
            raise
        try:
            self.history.record(conversation, said=text, replied=reply)
        except SQLAlchemyError as exc:
            # The client still gets the answer; only the history misses it.
            missed = self._history_missed()
            if missed:
                logger.error(
                    "Could not keep %d exchange(s) in the history: %s", missed, one_line(exc)
                )
        return reply

    def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        """The conversation's last `limit` messages, oldest first."""
        return self.history.recent(conversation, limit)

    def forget(self, conversation: str) -> int:
        """Erase a conversation: its history, and what ChatterBot kept of it (what was
        learned from it, with learning on). Returns how many messages were erased."""
        statement = self.chatbot.storage.get_model("statement")
        ids = select(statement.id).where(statement.conversation == conversation)
        with self.chatbot.storage.engine.begin() as connection:
            connection.execute(
                delete(statement.tags.property.secondary).where(
                    statement.tags.property.secondary.c.statement_id.in_(ids)
                )
            )
            connection.execute(delete(statement).where(statement.conversation == conversation))
        return self.history.forget(conversation)

    def prune_history(self, days: float) -> int:
        """Erase the history older than `days`; return how many messages."""
        erased = self.history.prune(days)
        if erased:
            logger.info("Erased %d messages older than %g days from the history", erased, days)
        return erased

    def after_fork(self) -> None:
        """Drop database connections inherited from the parent process."""
        self.chatbot.storage.engine.dispose(close=False)

    def close(self) -> None:
        self.chatbot.storage.close()


class _ChatBot(ChatBot):
    """ChatterBot, without reading a whole conversation to find its last statement."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        engine = self.storage.engine
        sqlite.tune(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE INDEX IF NOT EXISTS ix_statement_conversation_id"
                    " ON statement (conversation, id)"
                )
            )

    def get_latest_response(self, conversation: str):
        # Stock ChatterBot loads every statement of the conversation at every reply, so
        # with learning on each reply costs more than the one before.
        model = self.storage.get_model("statement")
        query = select(model).where(model.conversation == conversation).order_by(model.id.desc())
        with self.storage.Session() as session:
            latest = session.scalars(query.limit(1)).first()
            return self.storage.model_to_object(latest) if latest is not None else None
