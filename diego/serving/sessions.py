"""Signed cookie sessions: the key that signs them, and what a session holds.

The sessions themselves are Bocadillo's (Starlette's SessionMiddleware);
`SessionGuard` makes them safe with hostile cookies and marks them Secure over https.
"""

import http.cookies
import os
import re
import secrets
import tempfile
import uuid
from pathlib import Path

import itsdangerous

SESSION_COOKIE = "session"
SESSION_MAX_AGE = 14 * 24 * 60 * 60  # seconds, Starlette's default
_CONVERSATION_ID = re.compile(r"[0-9a-f]{32}")


def development_secret_key(path: str | os.PathLike) -> str:
    """Return the key kept in the file at `path`, made there on first use.

    Concurrent first starts agree on one key: it is written to a private temporary
    file, then linked into place only if no other process was first.
    """
    path = Path(path)
    if not path.exists():
        key = secrets.token_urlsafe(32)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.")
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(key + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"The secret key file {path} is empty: delete it or set SECRET_KEY")
    return key


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def conversation_of(session: dict) -> str:
    """The id of the session's conversation, made on first use."""
    conversation = session.get("conversation")
    if not isinstance(conversation, str) or not _CONVERSATION_ID.fullmatch(conversation):
        conversation = session["conversation"] = new_conversation_id()
    return conversation


def start_new_conversation(session: dict) -> str:
    """Give the session a new conversation; return its id."""
    session["conversation"] = new_conversation_id()
    return session["conversation"]


class SessionGuard:
    """ASGI middleware to put outside Starlette's SessionMiddleware.

    - A session cookie whose signature does not verify (tampered, expired, garbage) is
      removed before the session middleware sees it, so the client starts a fresh
      session; Starlette 0.12 would answer some of them with a 500.
    - Over https, the session cookie is marked Secure.
    """

    def __init__(self, app, secret_key: str, max_age: int = SESSION_MAX_AGE):
        self.app = app
        self.signer = itsdangerous.TimestampSigner(secret_key)
        self.max_age = max_age

    def __call__(self, scope, receive, send):
        # Not a coroutine: a WebSocket conversation awaits the inner application's
        # directly, and keeps no frame of this one for as long as it lasts.
        if scope["type"] in ("http", "websocket"):
            self._drop_forged_cookie(scope)
            if scope.get("scheme") in ("https", "wss"):
                send = _secure_session_cookie(send)
        return self.app(scope, receive, send)

    def _drop_forged_cookie(self, scope) -> None:
        header = next((value for name, value in scope["headers"] if name == b"cookie"), None)
        if header is None:
            return
        # Parsed as Starlette parses it, so both agree on what the session cookie is.
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(header.decode("latin-1"))
        except http.cookies.CookieError:
            return
        if SESSION_COOKIE not in cookies or self._verifies(cookies[SESSION_COOKIE].value):
            return
        del cookies[SESSION_COOKIE]
        headers = [(name, value) for name, value in scope["headers"] if name != b"cookie"]
        if cookies:
            kept = "; ".join(f"{name}={morsel.coded_value}" for name, morsel in cookies.items())
            headers.append((b"cookie", kept.encode("latin-1")))
        # In place: Bocadillo made its request object from this very scope, further out.
        scope["headers"] = headers

    def _verifies(self, value: str) -> bool:
        try:
            self.signer.unsign(value.encode("utf-8"), max_age=self.max_age)
        except itsdangerous.BadData:
            return False
        return True


def _secure_session_cookie(send):
    async def send_secure(message):
        if message["type"] == "http.response.start":
            headers = [_secure(header) for header in message.get("headers", [])]
            message = {**message, "headers": headers}
        await send(message)

    return send_secure


def _secure(header):
    name, value = header
    if name.lower() == b"set-cookie" and value.startswith(f"{SESSION_COOKIE}=".encode()):
        attributes = [part.strip().lower() for part in value.split(b";")[1:]]
        if b"secure" not in attributes:
            value += b"; secure"
    return name, value
