"""Fixtures for tests against a real server and the real, trained Diego."""

import sqlite3

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


def copy_of(database_url: str, folder, name: str = "copy.sqlite3") -> str:
    """Copy a SQLite knowledge base into `folder`; return the copy's URL."""
    copy = folder / name
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as source:
        with sqlite3.connect(copy) as target:
            source.backup(target)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="session")
def trained_database(tmp_path_factory):
    """A knowledge base trained once for the session, on the default corpora."""
    return trained_knowledge(tmp_path_factory.mktemp("knowledge"))


@pytest.fixture(scope="session")
def server(trained_database):
    """A real server shared by tests that leave it as they found it (no clients)."""
    with LiveServer(trained_database) as server:
        yield server
