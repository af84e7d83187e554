"""Diego answers "how many people are you talking to?" with the live count of clients."""

import re
import typing

from chatterbot.conversation import Statement
from chatterbot.logic import LogicAdapter

# Texting shorthands people use in these questions, and what they stand for.
SHORTHANDS = {
    "u": "you",
    "ya": "you",
    "r": "are",
    "ppl": "people",
    "ne1": "anyone",
    "any1": "anyone",
    "some1": "someone",
    "2": "to",
    "rn": "right now",
    "atm": "at the moment",
    "talkin": "talking",
    "chattin": "chatting",
    "speakin": "speaking",
}

_PEOPLE = (
    r"(?:(?:other |more )?(?:people|persons|users|humans|folks|clients|visitors|guys)|others|of us)"
)
_SOMEONE_ELSE = (
    r"(?:anyone|anybody|someone|somebody|any one|any other people|any other users|"
    r"other people|other users|others|more people)(?: else)?"
)
_TALKING = r"(?:talking|chatting|speaking)"
_YOU = r"(?:you|diego)"
# Where the people are: with Diego, or on the server.
_PRESENT = (
    rf"(?:{_TALKING} (?:to|with) {_YOU}|online|connected|logged (?:in|on)|here|on here|"
    rf"in here|in (?:the|this) (?:chat|room)|using {_YOU}|with {_YOU})"
)
# Words that may follow the question without changing what it asks.
_TAIL = (
    r"(?: (?:right now|now|currently|at the moment|at once|at the same time|"
    r"simultaneously|today|else|too|as well|then|diego|please))*$"
)
_COUNT_QUESTIONS = [
    # how many people are you talking to / how many users are online / number of users online
    rf"\b(?:how many|number of) (?:{_PEOPLE} )?(?:do you have )?(?:are |is )?(?:there )?"
    rf"(?:currently |now |right now )?(?:(?:are )?{_YOU} (?:currently )?{_TALKING}(?: (?:to|with))?"
    rf"|(?:currently )?{_PRESENT}){_TAIL}",
    # are you talking to anyone else
    rf"\b(?:are )?{_YOU} (?:currently )?{_TALKING} (?:to|with) {_SOMEONE_ELSE}{_TAIL}",
    # is anyone else here / are there other people online
    rf"\b(?:is|are) (?:there )?{_SOMEONE_ELSE} (?:currently )?{_PRESENT}{_TAIL}",
    # who else is here / who else are you talking to
    rf"\bwho else (?:is |are )?(?:{_PRESENT}|{_YOU} {_TALKING}(?: (?:to|with))?){_TAIL}",
    # am i the only one here / am i alone
    rf"\bam i (?:the only one|alone|your only (?:user|client|visitor))(?: {_PRESENT})?{_TAIL}",
]
_COUNT_QUESTION = re.compile("|".join(f"(?:{pattern})" for pattern in _COUNT_QUESTIONS))


def normalize(text: str) -> str:
    """Lowercase words separated by single spaces, with shorthands spelled out."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
    return " ".join(SHORTHANDS.get(word, word) for word in words)


def asks_client_count(text: str) -> bool:
    """True if `text` asks how many people Diego is talking to right now."""
    return _COUNT_QUESTION.search(normalize(text)) is not None


def describe_client_count(count: int) -> str:
    """Diego's answer, counting the client who asks."""
    if count <= 1:
        return "Just you!"
    return f"{count:,} people, including you."


class ClientCountAdapter(LogicAdapter):
    """Answers count questions from `count_clients`, the source `/client-count` reads.

    `count_clients` is a callable returning the number of connected clients; it is
    called in the process that answers, so it must work there (see `MemoryPresence`).
    """

    def __init__(self, chatbot, count_clients: typing.Callable[[], int], **kwargs):
        super().__init__(chatbot, **kwargs)
        self.count_clients = count_clients

    def can_process(self, statement: Statement) -> bool:
        return asks_client_count(statement.text)

    def process(self, statement: Statement, additional_response_selection_parameters=None):
        response = Statement(text=describe_client_count(self.count_clients()))
        response.confidence = 1
        return response
