"""Fixtures for tests against a real server and the real, trained Diego."""

import pytest

from diego.bot import Diego
from diego.training import DEFAULT_CORPORA, train

from .live import LiveServer


def trained_knowledge(folder, corpora=DEFAULT_CORPORA) -> str:
    """Train a new SQLite knowledge base in `folder`; return its URL."""
    url = f"sqlite:///{folder / 'diego.sqlite3'}"
    diego = Diego(url)
    train(diego, corpora)
    diego.close()
    return url


@pytest.fixture(scope="session")
def trained_database(tmp_path_factory):
    """A knowledge base trained once for the session, on the default corpora."""
    return trained_knowledge(tmp_path_factory.mktemp("knowledge"))


@pytest.fixture(scope="session")
def server(trained_database):
    """A real server shared by tests that leave it as they found it (no clients)."""
    with LiveServer(trained_database) as server:
        yield server
