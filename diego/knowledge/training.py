"""Teach Diego from corpus files, once: each file's content is learned a single time."""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import yaml
from chatterbot.conversation import Statement
from chatterbot.corpus import list_corpus_files
from sqlalchemy import Column, DateTime, Integer, String, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base
from tqdm import tqdm

from ..serving.limits import STATEMENT_MAX_LENGTH
from .bot import Diego

DEFAULT_CORPORA = (
    "chatterbot.corpus.english",
    str(Path(__file__).with_name("corpus") / "diego.yml"),
)

logger = logging.getLogger("diego")

Base = declarative_base()


class TrainedCorpus(Base):
    """A corpus file whose content is in the knowledge base."""

    __tablename__ = "diego_trained_corpus"

    sha256 = Column(String(64), primary_key=True)
    path = Column(String(1024), nullable=False)
    statements = Column(Integer, nullable=False)
    trained_at = Column(DateTime(timezone=True), server_default=func.now())


class CorpusError(ValueError):
    """A corpus file cannot be read; the message names the file and, if known, the line."""


@dataclass(frozen=True)
class Corpus:
    path: str
    sha256: str
    conversations: list
    categories: list
    # Why entries that are not conversations were left out, naming their line.
    skipped: tuple = ()


def read_corpus(path: str) -> Corpus:
    """Read and check a corpus file in the chatterbot-corpus YAML format.

    Raises `CorpusError` if the file is missing, not YAML, or not shaped like a corpus.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the corpus file ({exc.strerror})") from None
    try:
        # BaseLoader keeps every scalar a string: "yes" stays "yes", not True.
        document = yaml.load(data, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise CorpusError(f"{path}: {where}not valid YAML ({problem})") from None

    if not isinstance(document, dict) or not isinstance(document.get("conversations"), list):
        raise CorpusError(f"{path}: a corpus needs a 'conversations:' list of conversations")
    conversations, skipped = [], []
    for number, conversation in enumerate(document["conversations"], start=1):
        if isinstance(conversation, str):
            # A lone statement answers nothing and is answered by nothing. The English
            # corpus has one such slip (trivia.yml), so it is skipped, not refused.
            skipped.append(_line_of_conversation(data, number - 1))
            continue
        if not isinstance(conversation, list) or not all(isinstance(s, str) for s in conversation):
            raise CorpusError(f"{path}: conversation {number} must be a list of statements")
        for text in conversation:
            if not text.strip() or len(text) > STATEMENT_MAX_LENGTH:
                raise CorpusError(
                    f"{path}: conversation {number} has a statement that is empty or longer "
                    f"than {STATEMENT_MAX_LENGTH} characters"
                )
        conversations.append(conversation)
    if skipped and not conversations:
        raise CorpusError(
            f"{path}: line {skipped[0]}: no conversation to learn "
            "(a conversation is a list of statements: '- - Hello' then '  - Hi')"
        )
    skipped = [
        f"{path}: line {line}: skipped a statement that is not in a conversation"
        for line in skipped
    ]
    categories = document.get("categories") or []
    if not isinstance(categories, list):
        raise CorpusError(f"{path}: 'categories:' must be a list")
    return Corpus(path, hashlib.sha256(data).hexdigest(), conversations, categories, tuple(skipped))


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None  # read_corpus says why


def _line_of_conversation(data: bytes, index: int) -> int:
    root = yaml.compose(data, Loader=yaml.BaseLoader)
    node = next(value for key, value in root.value if key.value == "conversations")
    return node.value[index].start_mark.line + 1


def corpus_files(corpora) -> list[str]:
    """Expand corpus names (chatterbot.corpus.english) and paths into file paths."""
    files = []
    for corpus in corpora:
        # ChatterBot reads a bare file name ("coffee.yml") as a corpus name ("coffee/yml").
        if "/" not in corpus and Path(corpus).exists():
            corpus = f"./{corpus}"
        found = list_corpus_files(corpus)
        if not found or not all(Path(path).is_file() for path in found):
            raise CorpusError(f"{corpus}: no such corpus file or directory")
        files.extend(found)
    return files


def train(
    diego: Diego, corpora=DEFAULT_CORPORA, *, progress: bool = False, reset: bool = False
) -> int:
    """Teach Diego every corpus file he has not learned yet.

    Each file is learned in one transaction together with its record, so a crash never
    leaves half a file behind and a restart never learns a file twice. `reset` first
    empties the knowledge base. Returns the number of statements added. Raises
    `CorpusError` before touching the knowledge base if any file is bad.
    """
    files = corpus_files(corpora)
    engine = diego.chatbot.storage.engine
    Base.metadata.create_all(engine)
    known = set()
    if not reset:
        with Session(engine) as session:
            known = {sha for (sha,) in session.query(TrainedCorpus.sha256)}
    # A file already learned is known by its hash: no need to parse it again at each start.
    to_learn = [read_corpus(path) for path in files if _sha256(path) not in known]
    for corpus in to_learn:
        for reason in corpus.skipped:
            logger.warning("%s", reason)
    if reset:
        _forget_everything(diego)
    added = 0
    if not to_learn:
        return added
    for corpus in tqdm(to_learn, desc="Training Diego", unit="file", disable=not progress):
        added += _learn(diego, corpus)
    if progress:
        logger.info("Reading what new prompts, phrasings and near misses mean (once: minutes)")
    diego.catch_up()  # encodes and keeps the new prompts' sentence vectors, once for all
    return added


def _learn(diego: Diego, corpus: Corpus) -> int:
    chatbot = diego.chatbot
    StatementModel = chatbot.storage.get_model("statement")
    TagModel = chatbot.storage.get_model("tag")

    texts = [text for conversation in corpus.conversations for text in conversation]
    for preprocessor in chatbot.preprocessors:
        texts = [preprocessor(Statement(text=text)).text for text in texts]
    search_texts = iter(chatbot.tagger.get_text_index_string(texts) if texts else [])
    texts = iter(texts)

    with Session(chatbot.storage.engine) as session:
        try:
            with session.begin():
                # Claim the file first: a concurrent trainer of the same file fails here.
                session.add(TrainedCorpus(sha256=corpus.sha256, path=corpus.path, statements=0))
                session.flush()
                tags = _tags(session, TagModel, corpus.categories)
                count = 0
                for conversation in corpus.conversations:
                    previous, previous_search = None, ""
                    for _ in conversation:
                        text, search_text = next(texts), next(search_texts)
                        statement = StatementModel(
                            text=text,
                            search_text=search_text,
                            in_response_to=previous,
                            search_in_response_to=previous_search,
                            conversation="training",
                        )
                        statement.tags.extend(tags)
                        session.add(statement)
                        previous, previous_search = text, search_text
                        count += 1
                session.get(TrainedCorpus, corpus.sha256).statements = count
        except IntegrityError:
            logger.info("%s was learned meanwhile by another process", corpus.path)
            return 0
    return count


def _forget_everything(diego: Diego) -> None:
    from chatterbot.ext.sqlalchemy_app.models import tag_association_table

    storage = diego.chatbot.storage
    with Session(storage.engine) as session, session.begin():
        session.execute(tag_association_table.delete())
        session.query(storage.get_model("statement")).delete()
        session.query(storage.get_model("tag")).delete()
        session.query(TrainedCorpus).delete()


def _tags(session: Session, TagModel, names) -> list:
    existing = {tag.name: tag for tag in session.query(TagModel).filter(TagModel.name.in_(names))}
    return [existing.get(name) or TagModel(name=name) for name in dict.fromkeys(names)]
