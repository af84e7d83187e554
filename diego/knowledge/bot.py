"""Diego's mind: a ChatterBot over a persistent knowledge base."""

import collections
import datetime
import logging
import typing

from chatterbot import ChatBot
from chatterbot.conversation import Statement
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from .. import DEFAULT_FALLBACK_REPLY
from ..logs import OncePerInterval
from ..serving.conversation import one_line
from . import review, sqlite
from .history import History
from .learning import TEACHER, LearningPolicy, blocklist, refusal, teacher_of
from .matching import NormalizingTagger, asked_about
from .phrasings import Phrasings
from .sentence_encoder import SentenceEncoder

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
        learning: LearningPolicy | None = None,
        count_clients: typing.Callable[[], int] | None = None,
        fallback_reply: str = DEFAULT_FALLBACK_REPLY,
        keep_history: bool = True,
        phrasings: Phrasings | None = None,
        near_misses: Phrasings | None = None,
        encoder: SentenceEncoder | None = None,
    ):
        """`keep_history=False` leaves keeping each exchange to the caller (the server
        keeps them in batches: `HistoryWriter`). `phrasings`: other ways of saying known
        prompts, and `near_misses`: what looks like them and is not, by default those
        written for the default corpora (`{}`: none). `encoder`: the sentence encoder, by
        default Diego's own (a benchmark compares another)."""
        learning = learning or LearningPolicy()
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
                "quorum": learning.quorum,
                "phrasings": phrasings,
                "near_misses": near_misses,
                "encoder": encoder,
            }
        )
        # The tagger needs no spaCy language model, so nothing is downloaded.
        self.chatbot = _ChatBot(
            NAME,
            database_uri=database_url,
            tagger=NormalizingTagger(),
            # Diego learns by himself (`_learn`): what, from whom, and what never.
            read_only=True,
            logic_adapters=adapters,
            # Stock ChatterBot collapses whitespace in everything it stores, replies
            # included: the corpus's code samples would lose their lines. The matcher
            # normalizes what it compares by itself.
            preprocessors=[],
        )
        self.history = History(self.chatbot.storage.engine)
        self.keep_history = keep_history
        self._history_missed = OncePerInterval()
        self.matcher = self.chatbot.logic_adapters[-1]
        self.fallback_reply = fallback_reply
        self.learn_from_users = learn_from_users
        self.learning = learning
        self._blocked = blocklist(learning.blocklist_file) if learn_from_users else frozenset()
        self._learning_failed = OncePerInterval()
        # Whether this bot wrote to the knowledge base and has not taken it in yet.
        self._unseen_changes = False
        self._news: collections.Counter[str] = collections.Counter()
        self.catch_up()

    def catch_up(self) -> None:
        """Take in what was learned or forgotten since the last look, by any process.

        Diego takes in what he changes himself; what others change (a CLI, another
        server, another worker), only when this is called: no reply reads the database
        to find out.
        """
        self.matcher.catch_up()
        self._unseen_changes = False

    def knowledge_summary(self) -> tuple[int, int]:
        """Changes whenever what Diego knows changes, whoever changed it: a cheap query
        to poll, where catching up reads the changes."""
        return self.matcher.summary()

    def news(self) -> dict[str, int]:
        """What happened since the last call, counted: "knowledge_changed" (this bot
        wrote to the knowledge base: others must catch up), "learned" and "refused"
        teachings, "database_errors"."""
        if not self._news:
            return {}  # after nearly every reply: no new Counter
        news, self._news = self._news, collections.Counter()
        return news

    def _changed(self) -> None:
        self._unseen_changes = True
        self._news["knowledge_changed"] += 1

    def reply(self, text: str, conversation: str, address: str = "") -> str:
        """Return Diego's answer to `text` within the given conversation, and keep both.
        With learning on, `text` is also taught (by `address`) as a reply to Diego's
        previous one."""
        previous = self.history.last_reply(conversation) if self.learn_from_users else None
        if self._unseen_changes:
            self.catch_up()
        try:
            reply = self.chatbot.answer(text, conversation)
        except Exception as exc:
            # A failed statement leaves ChatterBot's session waiting for a rollback, and
            # every later reply of this process would fail on it: start a new one. (Not
            # only SQLAlchemy's errors: psycopg2 refuses a NUL with a ValueError.)
            self.chatbot.storage.Session.remove()
            if isinstance(exc, SQLAlchemyError):
                self._news["database_errors"] += 1
                # Connections may hold on to a database that went away: reconnect next
                # time, so that Diego recovers by himself when it is back.
                self.chatbot.storage.engine.dispose()
            raise
        if self.keep_history:
            try:
                self.history.record(conversation, said=text, replied=reply)
            except SQLAlchemyError as exc:
                # The client still gets the answer; only the history misses it.
                self._news["database_errors"] += 1
                missed = self._history_missed()
                if missed:
                    logger.error(
                        "Could not keep %d exchange(s) in the history: %s", missed, one_line(exc)
                    )
        if previous is not None:
            self._learn(text, previous, conversation, address)
        return reply

    def _learn(self, text: str, prompt: str, conversation: str, address: str) -> None:
        """Keep `text` as taught in reply to `prompt`, unless it may not be learned."""
        # Not a reply to anything Diego knows, nor one to his question; and what this
        # conversation taught once, it does not teach again (a resent text adds nothing).
        if prompt == self.fallback_reply or asked_about(prompt) is not None:
            return
        if self.matcher.teachings.taught_in(conversation, prompt, text):
            return
        reason = refusal(text, self.learning.max_length, self._blocked)
        storage = self.chatbot.storage
        try:
            if reason is not None:
                self._news["refused"] += 1
                self.matcher.learning.count_refusal(reason)
                return
            index = self.chatbot.tagger.get_text_index_string
            storage.create(
                text=text,
                search_text=index(text),
                in_response_to=prompt,
                search_in_response_to=index(prompt),
                conversation=conversation,
                persona=teacher_of(address, self.learning.address_key),
            )
            self._news["learned"] += 1
            self._changed()
        except SQLAlchemyError as exc:
            self._news["database_errors"] += 1
            storage.Session.remove()
            failed = self._learning_failed()
            if failed:
                logger.error("Could not learn %d teaching(s): %s", failed, one_line(exc))

    def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        """The conversation's last `limit` messages, oldest first."""
        return self.history.recent(conversation, limit)

    def forget(self, conversation: str) -> int:
        """Erase a conversation: its history, and what it taught (with learning on).
        Returns how many messages were erased."""
        if review.forget(self.chatbot.storage.engine, conversation=conversation):
            self._changed()
        return self.history.forget(conversation)

    def prune(self, days: float) -> int:
        """Erase the history older than `days`, and the teachings as old that never found
        their quorum (so that spam does not pile up); return how many messages."""
        erased = self.history.prune(days)
        if erased:
            logger.info("Erased %d messages older than %g days from the history", erased, days)
        self.matcher.catch_up()
        statement = self.chatbot.storage.get_model("statement")
        cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days)
        query = select(statement.id).where(
            statement.persona.startswith(TEACHER), statement.created_at < cutoff
        )
        with self.chatbot.storage.engine.connect() as connection:
            old = connection.scalars(query).all()
        teachings = self.matcher.teachings
        waiting = [
            id_
            for id_ in old
            if (exchange := teachings.exchange_of(id_)) is None or not teachings.live(exchange)
        ]
        if waiting:
            self.matcher.learning.erase(statement, waiting)
            self._changed()
            logger.info(
                "Erased %d teachings older than %g days that too few people taught",
                len(waiting),
                days,
            )
        return erased

    def after_fork(self) -> None:
        """Drop database connections inherited from the parent process."""
        self.chatbot.storage.engine.dispose(close=False)

    def close(self) -> None:
        self.chatbot.storage.close()


class _ChatBot(ChatBot):
    """ChatterBot, without reading the conversation's last statement at every reply."""

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
        # Stock ChatterBot reads it (every statement of the conversation, at that) only to
        # learn the reply as an answer to it. Diego learns by himself, from his history,
        # and none of his adapters needs it: a query per reply saved.
        return None

    def answer(self, text: str, conversation: str) -> str:
        """The text of `get_response(text, conversation=conversation)`, read-only.

        The same choice among the logic adapters as `generate_response`, without what a
        read-only bot without preprocessors does not use, and which costs as much as the
        adapters themselves: the input's search text, the response statement, and the
        log lines formatted at every reply whether logged or not.
        """
        statement = Statement(text=text, conversation=conversation or self.default_conversation)
        best = None
        for adapter in self.logic_adapters:
            if adapter.can_process(statement):
                output = adapter.process(statement, {})
                if best is None or output.confidence > best.confidence:
                    best = output
        return best.text
