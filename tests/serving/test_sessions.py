"""Session keys, conversation ids and the guard around Starlette's session middleware."""

import asyncio
import multiprocessing
import stat
import time

import itsdangerous
import pytest

from diego.serving.sessions import SessionGuard, conversation_of, development_secret_key

KEY = "k" * 40


def test_development_key_is_made_once_and_readable_by_its_owner_only(tmp_path):
    path = tmp_path / ".diego-secret-key"
    key = development_secret_key(path)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert development_secret_key(path) == key
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def _key_in(path, keys):
    keys.put(development_secret_key(path))


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    path = tmp_path / "key"
    keys = multiprocessing.get_context("fork").Queue()
    processes = [
        multiprocessing.get_context("fork").Process(target=_key_in, args=(path, keys))
        for _ in range(8)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(10)
    assert len({keys.get(timeout=5) for _ in processes}) == 1


def test_an_empty_key_file_is_an_error_not_an_empty_key(tmp_path):
    path = tmp_path / "key"
    path.write_text("\n")
    with pytest.raises(ValueError, match="is empty"):
        development_secret_key(path)


def test_conversation_id_is_made_once_per_session():
    session = {}
    conversation = conversation_of(session)
    assert len(conversation) == 32
    assert conversation_of(session) == conversation
    assert conversation_of({}) != conversation


@pytest.mark.parametrize("stored", [None, 42, "", "../../etc", "A" * 32, ["x"]])
def test_an_odd_conversation_in_a_session_is_replaced(stored):
    session = {"conversation": stored}
    assert conversation_of(session) != stored
    assert session["conversation"] == conversation_of(session)


def cookie_header_seen_by_app(cookie: str, *, max_age=60, scheme="http") -> tuple[str, list]:
    """Run the guard over a request with `cookie`; return the app's Cookie header and the
    response's headers."""
    seen = {}

    async def app(scope, receive, send):
        seen["cookie"] = dict(scope["headers"]).get(b"cookie", b"").decode("latin-1")
        headers = [(b"set-cookie", b"session=abc.def; path=/; httponly; samesite=lax")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "scheme": scheme, "headers": [(b"cookie", cookie.encode("latin-1"))]}
    asyncio.run(SessionGuard(app, secret_key=KEY, max_age=max_age)(scope, None, send))
    return seen["cookie"], sent[0]["headers"]


def signed(value: bytes, key=KEY, at=None) -> str:
    class Signer(itsdangerous.TimestampSigner):
        def get_timestamp(self):
            return int(at if at is not None else time.time())

    return Signer(key).sign(value).decode()


def tampered(cookie: str) -> str:
    # The signature's first character, changed: its last one may carry only padding bits.
    rest, signature = cookie.rsplit(".", 1)
    first = "B" if signature[0] == "A" else "A"
    return f"{rest}.{first}{signature[1:]}"


def test_a_genuine_session_cookie_passes_untouched():
    cookie = f"theme=dark; session={signed(b'e30=')}"
    assert cookie_header_seen_by_app(cookie)[0] == cookie


@pytest.mark.parametrize(
    "why, session",
    [
        ("garbage", "garbage"),
        ("no timestamp", "abc.def"),
        ("another key", signed(b"e30=", key="x" * 40)),
        ("tampered", tampered(signed(b"e30="))),
        ("expired", signed(b"e30=", at=time.time() - 120)),
    ],
)
def test_a_session_cookie_that_does_not_verify_is_dropped_and_others_kept(why, session):
    seen, _ = cookie_header_seen_by_app(f"theme=dark; session={session}; lang=en")
    assert seen == "theme=dark; lang=en"


def test_the_session_cookie_is_marked_secure_over_https_only():
    _, over_http = cookie_header_seen_by_app("")
    _, over_https = cookie_header_seen_by_app("", scheme="https")
    assert over_http == [(b"set-cookie", b"session=abc.def; path=/; httponly; samesite=lax")]
    assert over_https == [
        (b"set-cookie", b"session=abc.def; path=/; httponly; samesite=lax; secure")
    ]
