"""What was said in each conversation, so a client can pick up where it left off."""

import datetime

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

Base = declarative_base()


class Message(Base):
    """One message of a conversation, from the client ("user") or from Diego ("diego")."""

    __tablename__ = "diego_message"

    id = Column(Integer, primary_key=True)
    conversation = Column(String(64), nullable=False, index=True)
    sender = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)
    sent_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class History:
    """The messages of every conversation, in the knowledge base's database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        Base.metadata.create_all(engine)

    def record(self, conversation: str, said: str, replied: str) -> None:
        """Keep one exchange: what the client said and Diego's reply."""
        self.record_all([(conversation, said, replied)])

    def committing_each_statement(self) -> "History":
        """This history on connections of its own where each statement commits itself:
        keeping many exchanges is then one statement (SQLAlchemy's "insertmanyvalues"),
        one round trip to a database server, with no BEGIN and no COMMIT. SQLite, in
        this process, has no round trips to save: the same history."""
        if self.engine.url.get_backend_name() == "sqlite":
            return self
        return History(create_engine(self.engine.url, isolation_level="AUTOCOMMIT"))

    def record_all(self, exchanges: list[tuple[str, str, str]]) -> None:
        """Keep exchanges (conversation, said, replied) at once, in order."""
        rows = []
        for conversation, said, replied in exchanges:
            rows.append({"conversation": conversation, "sender": "user", "text": said})
            rows.append({"conversation": conversation, "sender": "diego", "text": replied})
        with self.engine.begin() as connection:
            connection.execute(insert(Message), rows)

    def recent(self, conversation: str, limit: int) -> list[dict]:
        """The conversation's last `limit` messages, oldest first."""
        query = (
            select(Message.sender, Message.text)
            .where(Message.conversation == conversation)
            .order_by(Message.id.desc())
            .limit(limit)
        )
        with Session(self.engine) as session:
            rows = session.execute(query).all()
        return [{"from": sender, "text": text} for sender, text in reversed(rows)]

    def last_reply(self, conversation: str) -> str | None:
        """Diego's last reply in the conversation, if any."""
        query = (
            select(Message.text)
            .where(Message.conversation == conversation, Message.sender == "diego")
            .order_by(Message.id.desc())
            .limit(1)
        )
        with Session(self.engine) as session:
            return session.scalars(query).first()

    def forget(self, conversation: str) -> int:
        """Erase the conversation's messages; return how many there were."""
        with Session(self.engine) as session, session.begin():
            erased = session.execute(delete(Message).where(Message.conversation == conversation))
        return erased.rowcount

    def prune(self, days: float) -> int:
        """Erase the messages older than `days`; return how many there were."""
        cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days)
        with Session(self.engine) as session, session.begin():
            # A read first: with nothing to erase, no writer waits for this one.
            if session.scalar(select(Message.id).where(Message.sent_at < cutoff).limit(1)) is None:
                return 0
            erased = session.execute(delete(Message).where(Message.sent_at < cutoff))
        return erased.rowcount
