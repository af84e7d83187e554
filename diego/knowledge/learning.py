"""What Diego learns from the people he talks to, and what nobody alone can teach him.

A teaching is what someone says after one of Diego's replies: a new reply to that
reply. It is kept as a ChatterBot statement, with who taught it (a keyed hash of their
address) as its persona, and is answered to everyone else only once `quorum` distinct
people taught it: people are told apart by address and by conversation, so one address
opening many conversations, or one conversation from many addresses, is one person.
Until then it is answered only in the conversations that taught it.
"""

import collections
import dataclasses
import datetime
import hashlib
import importlib.util
import ipaddress
import re
import typing
from pathlib import Path

from sqlalchemy import Column, DateTime, Integer, String, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base

from .matcher import normalize

DEFAULT_QUORUM = 3
DEFAULT_MAX_LENGTH = 280
TEACHER = "user:"  # the persona of a taught statement starts with this

LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b(?:/\S*)?", re.I
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
PHONE_DIGITS = 7
# Digits people put for letters to get past a word list: "1d10t", "5tup1d".
LEETSPEAK = str.maketrans("0134578@$!|", "oieastbasil")

Base = declarative_base()


@dataclasses.dataclass(frozen=True)
class LearningPolicy:
    """How Diego learns from users (when he does)."""

    quorum: int = DEFAULT_QUORUM  # distinct people who must teach an exchange
    max_length: int = DEFAULT_MAX_LENGTH  # longer teachings are refused
    blocklist_file: str = ""  # more words never learned, one per line
    address_key: bytes = b""  # keys the hash that stands for a teacher's address


class RefusedTeaching(Base):
    """How many teachings were refused, by reason and day: counted, never kept."""

    __tablename__ = "diego_refused_teaching"

    day = Column(String(10), primary_key=True)
    reason = Column(String(16), primary_key=True)
    count = Column(Integer, nullable=False)


class ForgottenStatement(Base):
    """Statements erased from the knowledge base, for every process to drop them."""

    __tablename__ = "diego_forgotten_statement"

    id = Column(Integer, primary_key=True)
    statement_id = Column(Integer, nullable=False)
    forgotten_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


def blocklist(extra_file: str = "") -> frozenset[str]:
    """Words and phrases never learned: better-profanity's word list (MIT), and the
    lines of `extra_file` if given, normalized as what is said is."""
    spec = importlib.util.find_spec("better_profanity")
    bundled = Path(spec.origin).parent / "profanity_wordlist.txt"
    lines = bundled.read_text().splitlines()
    if extra_file:
        lines += Path(extra_file).read_text().splitlines()
    return frozenset(filter(None, (normalize(line) for line in lines)))


def refusal(text: str, max_length: int, blocked: frozenset[str]) -> str | None:
    """Why `text` may not be learned ("link", "email", "phone", "too long",
    "blocked word"), or None if it may."""
    if len(text) > max_length:
        return "too long"
    if EMAIL.search(text):
        return "email"
    if LINK.search(text):
        return "link"
    for number in PHONE.findall(text):
        if sum(character.isdigit() for character in number) >= PHONE_DIGITS:
            return "phone"
    words = normalize(text.translate(LEETSPEAK)).split() + normalize(text).split()
    # Phrases of the list are up to four words long ("2 girls 1 cup").
    for size in range(1, 5):
        for start in range(len(words) - size + 1):
            if " ".join(words[start : start + size]) in blocked:
                return "blocked word"
    return None


def teacher_of(address: str, key: bytes) -> str:
    """Who taught, as a persona: a keyed hash of the address, so the database holds no
    address. An IPv6 address counts by its /64, which one person usually has whole."""
    try:
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6:
            address = str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:
        pass
    digest = hashlib.blake2b(address.encode(), key=key[:64], digest_size=8).hexdigest()
    return TEACHER + digest


@dataclasses.dataclass
class Exchange:
    """A reply taught to a prompt, with each statement that taught it."""

    prompt: str
    reply: str
    teachings: dict[int, tuple[str, str]] = dataclasses.field(default_factory=dict)
    # How many of those statements each teacher and each conversation made.
    teachers: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    conversations: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def people(self) -> int:
        """How many distinct people taught it: teachers differ in address and in
        conversation alike."""
        return min(len(self.teachers), len(self.conversations))

    def add(self, id_: int, teacher: str, conversation: str) -> None:
        self.teachings[id_] = (teacher, conversation)
        self.teachers[teacher] += 1
        self.conversations[conversation] += 1

    def remove(self, id_: int) -> str:
        """Drop one teaching; return its conversation."""
        teacher, conversation = self.teachings.pop(id_)
        for counter, key in ((self.teachers, teacher), (self.conversations, conversation)):
            counter[key] -= 1
            if not counter[key]:
                del counter[key]
        return conversation


class Teachings:
    """Every taught exchange, and whether it has its quorum. Plain Python."""

    def __init__(self, quorum: int = DEFAULT_QUORUM):
        self.quorum = quorum
        self._exchanges: dict[tuple[str, str], Exchange] = {}
        self._exchange_of: dict[int, Exchange] = {}
        self._by_conversation: dict[str, dict[str, list[Exchange]]] = {}

    def __len__(self) -> int:
        return len(self._exchanges)

    def taught(
        self, id_: int, prompt: str, reply: str, teacher: str, conversation: str
    ) -> Exchange | None:
        """Take in one teaching; return its exchange if it has just reached its quorum."""
        key = (normalize(prompt), normalize(reply))
        exchange = self._exchanges.get(key)
        if exchange is None:
            exchange = self._exchanges[key] = Exchange(prompt, reply)
        was_live = self.live(exchange)
        exchange.add(id_, teacher, conversation)
        self._exchange_of[id_] = exchange
        own = self._by_conversation.setdefault(conversation, {}).setdefault(key[0], [])
        if exchange not in own:
            own.append(exchange)
        return exchange if self.live(exchange) and not was_live else None

    def forgotten(self, id_: int) -> Exchange | None:
        """Drop one teaching; return its exchange if it has just lost its quorum."""
        exchange = self._exchange_of.pop(id_, None)
        if exchange is None:
            return None
        was_live = self.live(exchange)
        conversation = exchange.remove(id_)
        if conversation not in exchange.conversations:
            own = self._by_conversation.get(conversation, {})
            prompt = normalize(exchange.prompt)
            if exchange in own.get(prompt, []):
                own[prompt].remove(exchange)
                if not own[prompt]:
                    del own[prompt]
            if not own:
                self._by_conversation.pop(conversation, None)
        if not exchange.teachings:
            del self._exchanges[(normalize(exchange.prompt), normalize(exchange.reply))]
        return exchange if was_live and not self.live(exchange) else None

    def exchange_of(self, id_: int) -> Exchange | None:
        return self._exchange_of.get(id_)

    def exchanges(self) -> list[Exchange]:
        """Every taught exchange, in the order first taught."""
        return list(self._exchanges.values())

    def taught_in(self, conversation: str, prompt: str, reply: str) -> bool:
        """Whether `conversation` already taught `reply` to `prompt` (as normalized)."""
        exchange = self._exchanges.get((normalize(prompt), normalize(reply)))
        return exchange is not None and conversation in exchange.conversations

    def live(self, exchange: Exchange) -> bool:
        return exchange.people() >= self.quorum

    def taught_here(self, conversation: str, prompt: str) -> list[str]:
        """The replies this conversation taught to `prompt` that are not live yet."""
        taught = self._by_conversation.get(conversation)
        if not taught:
            return []  # most conversations taught nothing: nothing to normalize
        exchanges = taught.get(normalize(prompt), [])
        return [exchange.reply for exchange in exchanges if not self.live(exchange)]


class Learning:
    """Learning from users, as the knowledge base keeps it: what is refused (counted),
    and what operators erase (so that every process drops it)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        Base.metadata.create_all(engine)

    def count_refusal(self, reason: str) -> None:
        dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(self.engine.dialect.name)
        if dialect is None:
            return
        # One statement: two processes counting the day's first refusal at once both count.
        statement = (
            dialect.insert(RefusedTeaching)
            .values(day=datetime.date.today().isoformat(), reason=reason, count=1)
            .on_conflict_do_update(
                index_elements=["day", "reason"], set_={"count": RefusedTeaching.count + 1}
            )
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def refusals(self) -> dict[str, int]:
        """How many teachings were refused, by reason."""
        query = select(RefusedTeaching.reason, func.sum(RefusedTeaching.count)).group_by(
            RefusedTeaching.reason
        )
        with self.engine.connect() as connection:
            return {reason: int(count) for reason, count in connection.execute(query)}

    @staticmethod
    def forgotten_since(connection, last_id: int) -> list[tuple[int, int]]:
        """(tombstone id, statement id) of the statements erased since `last_id`."""
        query = (
            select(ForgottenStatement.id, ForgottenStatement.statement_id)
            .where(ForgottenStatement.id > last_id)
            .order_by(ForgottenStatement.id)
        )
        return [tuple(row) for row in connection.execute(query)]

    def latest_forgotten(self) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(select(func.max(ForgottenStatement.id))) or 0

    def erase(self, statement, ids: typing.Iterable[int]) -> int:
        """Erase ChatterBot statements by id, leaving a tombstone for each; return how
        many there were."""
        ids = list(ids)
        tags = statement.tags.property.secondary
        erased = 0
        with self.engine.begin() as connection:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                connection.execute(delete(tags).where(tags.c.statement_id.in_(chunk)))
                erased += connection.execute(
                    delete(statement).where(statement.id.in_(chunk))
                ).rowcount
                connection.execute(
                    ForgottenStatement.__table__.insert(),
                    [{"statement_id": id_} for id_ in chunk],
                )
        return erased


def taught_filter(statement, *, text: str = "", conversation: str = "", since=None):
    """SQL conditions selecting taught statements, optionally by text, conversation and
    date."""
    conditions = [statement.persona.startswith(TEACHER)]
    if text:
        pattern = f"%{text}%"
        conditions.append(
            or_(statement.text.ilike(pattern), statement.in_response_to.ilike(pattern))
        )
    if conversation:
        conditions.append(statement.conversation == conversation)
    if since is not None:
        conditions.append(statement.created_at >= since)
    return conditions
