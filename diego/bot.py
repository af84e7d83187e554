"""Diego's mind: a ChatterBot over a persistent knowledge base."""

from chatterbot import ChatBot
from chatterbot.tagging import LowercaseTagger

NAME = "Diego"


class Diego:
    """One process's ChatterBot, answering in per-client conversations."""

    def __init__(self, database_url: str, *, learn_from_users: bool = False):
        # LowercaseTagger needs no spaCy language model, so nothing is downloaded.
        self.chatbot = ChatBot(
            NAME,
            database_uri=database_url,
            tagger=LowercaseTagger,
            read_only=not learn_from_users,
        )

    def reply(self, text: str, conversation: str) -> str:
        """Return Diego's answer to `text` within the given conversation."""
        return self.chatbot.get_response(text, conversation=conversation).text

    def after_fork(self) -> None:
        """Drop database connections inherited from the parent process."""
        self.chatbot.storage.engine.dispose(close=False)

    def close(self) -> None:
        self.chatbot.storage.close()
