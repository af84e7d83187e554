"""Diego's mind: a ChatterBot over a persistent knowledge base."""

import logging
import typing

from chatterbot import ChatBot
from chatterbot.tagging import LowercaseTagger
from sqlalchemy.exc import SQLAlchemyError

from . import DEFAULT_FALLBACK_REPLY
from .history import History

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
                    "import_path": "diego.count_question.ClientCountAdapter",
                    "count_clients": count_clients,
                }
            )
        adapters.append(
            {"import_path": "diego.matching.ConfidentMatch", "fallback_reply": fallback_reply}
        )
        # LowercaseTagger needs no spaCy language model, so nothing is downloaded.
        self.chatbot = ChatBot(
            NAME,
            database_uri=database_url,
            tagger=LowercaseTagger,
            read_only=not learn_from_users,
            logic_adapters=adapters,
        )
        self.history = History(self.chatbot.storage.engine)

    def reply(self, text: str, conversation: str) -> str:
        """Return Diego's answer to `text` within the given conversation, and keep both."""
        reply = self.chatbot.get_response(text, conversation=conversation).text
        try:
            self.history.record(conversation, said=text, replied=reply)
        except SQLAlchemyError:
            # The client still gets the answer; only the history misses it.
            logger.exception("Could not keep an exchange in the history")
        return reply

    def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        """The conversation's last `limit` messages, oldest first."""
        return self.history.recent(conversation, limit)

    def after_fork(self) -> None:
        """Drop database connections inherited from the parent process."""
        self.chatbot.storage.engine.dispose(close=False)

    def close(self) -> None:
        self.chatbot.storage.close()
