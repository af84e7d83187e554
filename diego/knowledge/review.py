"""What operators do with what Diego learned from users: list it, erase it, export it.

Works on the knowledge base alone (no model, no server): a running server drops what is
erased at its next reply, from the tombstones `Learning.erase` leaves.
"""

import dataclasses
import datetime

import yaml
from chatterbot.ext.sqlalchemy_app.models import Base as ChatterBotBase
from chatterbot.ext.sqlalchemy_app.models import Statement
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from .learning import TEACHER, Learning, Teachings
from .matcher import normalize


@dataclasses.dataclass(frozen=True)
class Learned:
    """A taught exchange, as an operator sees it."""

    prompt: str
    reply: str
    ids: tuple[int, ...]  # the statements that taught it
    people: int
    live: bool
    first_taught: datetime.datetime
    last_taught: datetime.datetime


def knowledge_base(database_url: str) -> Engine:
    engine = create_engine(database_url)
    ChatterBotBase.metadata.create_all(engine)
    return engine


def learned(
    engine: Engine,
    quorum: int,
    *,
    live: bool | None = None,
    text: str = "",
    conversation: str = "",
    since: datetime.date | None = None,
) -> list[Learned]:
    """Every exchange taught by users, oldest first: only those live (or not, with
    `live=False`), whose prompt or reply contains `text`, taught in `conversation`, or
    taught since a day, if asked."""
    query = (
        select(
            Statement.id,
            Statement.in_response_to,
            Statement.text,
            Statement.persona,
            Statement.conversation,
            Statement.created_at,
        )
        .where(Statement.persona.startswith(TEACHER))
        .order_by(Statement.id)
    )
    teachings = Teachings(quorum)
    taught_at = {}
    with engine.connect() as connection:
        for id_, prompt, reply, persona, taught_in, created_at in connection.execute(query):
            teachings.taught(id_, prompt, reply, persona, taught_in)
            taught_at[id_] = created_at
    found = []
    for exchange in teachings.exchanges():
        times = sorted(taught_at[id_] for id_ in exchange.teachings)
        each = Learned(
            exchange.prompt,
            exchange.reply,
            tuple(exchange.teachings),
            exchange.people(),
            teachings.live(exchange),
            times[0],
            times[-1],
        )
        if live is not None and each.live != live:
            continue
        if text and not any(text.lower() in side.lower() for side in (each.prompt, each.reply)):
            continue
        if conversation and conversation not in exchange.conversations:
            continue
        if since is not None and each.last_taught.date() < since:
            continue
        found.append(each)
    return found


def forget(
    engine: Engine, *, ids: tuple[int, ...] = (), text: str = "", conversation: str = ""
) -> int:
    """Erase statements: by id, every reply equal to `text` (as normalized, taught or
    trained), or everything `conversation` taught. Returns how many."""
    chosen = set(ids)
    with engine.connect() as connection:
        if text:
            # Diego's tagger makes a statement's search text its normalized text.
            query = select(Statement.id).where(Statement.search_text == normalize(text))
            chosen |= set(connection.scalars(query))
        if conversation:
            query = select(Statement.id).where(Statement.conversation == conversation)
            chosen |= set(connection.scalars(query))
    return Learning(engine).erase(Statement, sorted(chosen))


def corpus_of(exchanges: list[Learned]) -> str:
    """A chatterbot-corpus YAML file of the exchanges, for `python -m diego train`."""
    today = datetime.date.today().isoformat()
    heading = f"# Taught to Diego by users; exported {today}: {len(exchanges)} exchanges.\n"
    body = {
        "categories": ["learned"],
        "conversations": [[each.prompt, each.reply] for each in exchanges],
    }
    return heading + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=1000)
