"""Fixtures: the app with an echo Diego in place of the real one, and a test client."""

import asyncio
import os
from collections import defaultdict

import pytest
from bocadillo import create_client, provider

# Sessions are signed with this key in tests, and no key file is made.
os.environ.setdefault("SECRET_KEY", "a-secret-key-for-tests-only-0123456789")

from app import app  # noqa: E402


class EchoDiego:
    """Replies with exactly what it was told, at once, and remembers each conversation."""

    def __init__(self):
        self.conversations = defaultdict(list)

    async def reply(self, text: str, conversation: str, address: str = "") -> str:
        self.conversations[conversation] += [
            {"from": "user", "text": text},
            {"from": "diego", "text": text},
        ]
        return text

    async def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        return self.conversations[conversation][-limit:]

    async def forget(self, conversation: str) -> int:
        return len(self.conversations.pop(conversation, []))

    workers = alive_workers = 1


# Same scope as the real provider, so startup never builds the real bot.
@provider(scope="app")
def diego():
    return EchoDiego()


@pytest.fixture
def client():
    # Starlette 0.12's test client asks for the current event loop, which a test that
    # ran asyncio.run() before has closed and unset.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    with create_client(app) as client:
        yield client
    asyncio.set_event_loop(None)
    loop.close()
