"""The real, trained Diego, in-process."""

import pytest

from diego.knowledge.bot import Diego


@pytest.fixture(scope="module")
def diego(trained_database):
    """Diego over the session's knowledge base (the default corpora), for one module."""
    diego = Diego(trained_database)
    yield diego
    diego.close()
