"""Prompts' sentence vectors, kept in the knowledge base's database.

Encoding the English corpus takes seconds of CPU; reading it back, milliseconds. So each
prompt is encoded once, by whichever process first needs it (`python -m diego train`,
or a server's first start), and every later process and restart reads it.
"""

import hashlib
import logging

import numpy as np
from sqlalchemy import Column, LargeBinary, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import declarative_base

from ..serving.conversation import one_line
from .sentence_encoder import DIMENSIONS, MAX_TOKENS, SentenceEncoder

READ_AT_ONCE = 500  # keys per query: SQLite allows 32,766 parameters, this stays far below

Base = declarative_base()
logger = logging.getLogger("diego")


class SentenceVector(Base):
    __tablename__ = "diego_sentence_vector"

    key = Column(String(64), primary_key=True)  # sha256 of the model and the text
    vector = Column(LargeBinary, nullable=False)  # float32, little-endian


def key_of(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


class VectorCache:
    """Encodes prompts with `encoder`, each once for every process using `engine`."""

    def __init__(self, engine: Engine, encoder: SentenceEncoder | None = None):
        self.engine = engine
        self.encoder = encoder or SentenceEncoder()
        # A vector is only valid for the model, and the length, that made it.
        self._model = f"{self.encoder.layers_file.name}/{MAX_TOKENS}"
        Base.metadata.create_all(engine)

    def encode_all(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of `texts`, one row each: read if kept, else encoded and kept."""
        keys = [key_of(self._model, text) for text in texts]
        found = self._read(set(keys))
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            vectors = self.encoder.encode_all(list(missing.values()))
            encoded = dict(zip(missing, vectors, strict=True))
            found.update(encoded)
            self._keep(encoded)
        return np.stack([found[key] for key in keys]) if keys else np.zeros((0, DIMENSIONS))

    def _read(self, keys: set[str]) -> dict[str, np.ndarray]:
        found = {}
        ordered = sorted(keys)
        try:
            with self.engine.connect() as connection:
                for start in range(0, len(ordered), READ_AT_ONCE):
                    query = select(SentenceVector.key, SentenceVector.vector).where(
                        SentenceVector.key.in_(ordered[start : start + READ_AT_ONCE])
                    )
                    for key, vector in connection.execute(query):
                        found[key] = np.frombuffer(vector, "<f4").astype(np.float32)
        except SQLAlchemyError as exc:
            logger.warning("Could not read sentence vectors, encoding them: %s", one_line(exc))
        return found

    def _keep(self, vectors: dict[str, np.ndarray]) -> None:
        rows = [{"key": key, "vector": v.astype("<f4").tobytes()} for key, v in vectors.items()]
        dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(self.engine.dialect.name)
        if dialect is None:
            return
        # Another process may keep the same vectors at the same time: the first one wins.
        statement = dialect.insert(SentenceVector).on_conflict_do_nothing()
        try:
            with self.engine.begin() as connection:
                connection.execute(statement, rows)
        except SQLAlchemyError as exc:
            # Diego answers with the vectors in memory; the next start encodes them again.
            logger.warning("Could not keep sentence vectors: %s", one_line(exc))
