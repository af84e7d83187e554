"""Fixtures for tests against a real server and the real, trained Diego."""

import pytest

from diego.bot import Diego
from diego.training import train

from .live import LiveServer


@pytest.fixture(scope="session")
def trained_database(tmp_path_factory):
    """A knowledge base trained once for the session, on the default corpora."""
    url = f"sqlite:///{tmp_path_factory.mktemp('knowledge') / 'diego.sqlite3'}"
    diego = Diego(url)
    train(diego)
    diego.close()
    return url


@pytest.fixture(scope="session")
def server(trained_database):
    """A real server shared by tests that leave it as they found it (no clients)."""
    with LiveServer(trained_database) as server:
        yield server
