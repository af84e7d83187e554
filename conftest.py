"""Fixtures: the app with an echo Diego in place of the real one, and a test client."""

import pytest
from bocadillo import create_client, provider

from app import app


class EchoDiego:
    """Replies with exactly what it was told, at once."""

    async def reply(self, text: str, conversation: str) -> str:
        return text


# Same scope as the real provider, so startup never builds the real bot.
@provider(scope="app")
def diego():
    return EchoDiego()


@pytest.fixture
def client():
    with create_client(app) as client:
        yield client
