"""Black-box tests of `python app.py`: the real trained Diego over real WebSockets."""

import asyncio
import base64
import functools
import itertools
import os
import socket
import sqlite3
import struct
import subprocess
import sys

import pytest
import websockets
from chatterbot.corpus import list_corpus_files
from websockets.exceptions import ConnectionClosed

from diego.knowledge.training import DEFAULT_CORPORA, read_corpus

from .conftest import copy_of
from .live import FIRST_START_TIMEOUT, ROOT, LiveServer


@functools.cache
def corpus_replies() -> dict[str, set[str]]:
    """Every prompt of the default corpora, with the replies the corpora give it."""
    replies: dict[str, set[str]] = {}
    for corpus in DEFAULT_CORPORA:
        for path in list_corpus_files(corpus):
            for conversation in read_corpus(path).conversations:
                for prompt, reply in itertools.pairwise(conversation):
                    replies.setdefault(prompt, set()).add(reply)
    return replies


async def ask(url: str, *texts: str) -> list[str]:
    async with websockets.connect(url) as ws:
        answers = []
        for text in texts:
            await ws.send(text)
            answers.append(await ws.recv())
        return answers


async def closed_by(url: str, payload) -> ConnectionClosed:
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(payload)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        return closed.value


def raw_websocket(port: int) -> socket.socket:
    """Complete a WebSocket handshake by hand: a client that can vanish without a close frame."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /conversation HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1024)
    assert response.startswith(b"HTTP/1.1 101")
    return sock


def masked_text_frame(text: str) -> bytes:
    payload, mask = text.encode(), os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked


def reset(sock: socket.socket) -> None:
    """Vanish with a TCP reset: no close frame, no FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_real_diego_answers_from_the_corpus(server):
    known = corpus_replies()
    prompts = ["Hello", "How are you?", "Good morning, how are you?"]
    answers = asyncio.run(ask(server.ws_url, *prompts))
    for prompt, answer in zip(prompts, answers, strict=True):
        assert answer in known[prompt], (prompt, answer)


def test_count_goes_up_and_down_with_clients(server):
    async def scenario():
        assert server.client_count() == 0
        async with websockets.connect(server.ws_url) as first:
            async with websockets.connect(server.ws_url):
                # The server counts a client before it completes the handshake.
                assert server.client_count() == 2
            assert server.wait_for_count(1) == 1
            await first.send("Hi")
            assert await first.recv()
        return server.wait_for_count(0)

    assert asyncio.run(scenario()) == 0


@pytest.mark.parametrize("when", ["idle", "mid_reply", "after_reply"])
def test_abrupt_disconnect_brings_the_count_back(server, when):
    sock = raw_websocket(server.port)
    assert server.wait_for_count(1) == 1
    if when != "idle":
        sock.sendall(masked_text_frame("How are you?"))
    if when == "after_reply":
        assert b"I am" in sock.recv(1024)
    reset(sock)
    assert server.wait_for_count(0) == 0
    assert asyncio.run(ask(server.ws_url, "Hello"))


def test_bad_input_gets_clear_outcomes_and_the_server_keeps_serving(server):
    replies = asyncio.run(ask(server.ws_url, "", "   ", "x" * 1001, "How are you?"))
    assert replies[0] == replies[1] == "I'm listening: type something and I'll answer."
    assert "under 1,000 characters" in replies[2]
    assert replies[3] in corpus_replies()["How are you?"]

    too_big = asyncio.run(closed_by(server.ws_url, "x" * (64 * 1024 + 1)))
    assert too_big.rcvd.code == 1009

    binary = asyncio.run(closed_by(server.ws_url, b"\x00\x01"))
    assert (binary.rcvd.code, binary.rcvd.reason) == (1003, "Diego only understands text messages.")

    assert server.wait_for_count(0) == 0
    assert asyncio.run(ask(server.ws_url, "Hello"))
    assert "Traceback" not in server.log


def test_only_get_on_client_count(server):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(server.http("/client-count"), method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 405


def statement_count(database_url: str) -> int:
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        return db.execute("select count(*) from statement").fetchone()[0]


def test_first_start_trains_and_a_restart_does_not(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    with LiveServer(url, ready_timeout=FIRST_START_TIMEOUT) as first:
        assert asyncio.run(ask(first.ws_url, "Hello"))
    assert "Training Diego" in first.log
    assert "Diego learned" in first.log
    trained = statement_count(url)
    assert trained > 100

    with LiveServer(url) as second:
        assert asyncio.run(ask(second.ws_url, "Hello"))
    assert "Training Diego" not in second.log
    assert statement_count(url) == trained


def test_sigterm_stops_the_server_cleanly(trained_database):
    with LiveServer(trained_database) as server:
        assert asyncio.run(ask(server.ws_url, "Hello"))
        assert server.stop() == 0
    assert "Traceback" not in server.log
    assert "Application shutdown complete" in server.log


def test_read_only_by_default_users_teach_nothing(tmp_path, trained_database):
    url = trained_database
    before = statement_count(url)
    with LiveServer(url) as server:
        asyncio.run(ask(server.ws_url, "Diego, say 'I am a teapot' from now on", "Hello"))
    assert statement_count(url) == before


def test_learning_keeps_one_conversation_per_client(tmp_path, trained_database):
    url = copy_of(trained_database, tmp_path)
    with LiveServer(url, "--learn") as server:
        asyncio.run(ask(server.ws_url, "Hello", "How are you?"))
        asyncio.run(ask(server.ws_url, "Hello", "How are you?"))
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        rows = db.execute(
            "select conversation, persona from statement where conversation != 'training'"
        ).fetchall()
    # Each client's second message, taught in reply to Diego's first answer, in a
    # conversation of its own; both from one address, kept as a hash of it.
    assert len(rows) == 2 and len({conversation for conversation, _ in rows}) == 2
    assert all(len(conversation) == 32 for conversation, _ in rows)
    assert len({persona for _, persona in rows}) == 1
    assert rows[0][1].startswith("user:") and "127.0.0.1" not in rows[0][1]


@pytest.mark.parametrize(
    "name, value, error",
    [
        ("PORT", "eighty", "PORT must be a whole number, got 'eighty'"),
        ("LOG_FORMAT", "bogus", "LOG_FORMAT must be text or json, got 'bogus'"),
        ("METRICS_ALLOWED", "everyone", "METRICS_ALLOWED must be addresses or networks"),
    ],
)
def test_invalid_setting_fails_at_startup_naming_it(name, value, error):
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**os.environ, name: value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert error in result.stderr
    assert "Traceback" not in result.stderr


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send a request line exactly as written: no client-side path normalisation."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    status = int(response.split(b" ", 2)[1])
    return status, response


@pytest.mark.parametrize(
    "target",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/%2E%2E%2Fapp.py",
        "/static/..%2fapp.py",
        "/static/..%5capp.py",
        "/static/%252e%252e/app.py",
        "/static/....//app.py",
        "/static//etc/passwd",
        "/static/../../../../etc/passwd",
        "/static/../providerconf.py",
        "/static/../diego.sqlite3",
        "/static/%2e%2e/diego.sqlite3",
        "/app.py",
        "/diego.sqlite3",
    ],
)
def test_path_traversal_never_serves_files_outside_static(server, target):
    status, response = raw_get(server.port, target)
    assert status == 404
    assert b"import" not in response and b"SQLite format" not in response
    assert b"root:" not in response


def test_page_and_static_files_are_served_with_security_headers(server):
    status, page = raw_get(server.port, "/")
    assert status == 200
    head = page.split(b"\r\n\r\n", 1)[0].lower()
    assert b"content-security-policy: default-src 'none'; script-src 'self';" in head
    assert b"x-content-type-options: nosniff" in head
    assert b"<script" in page and b'src="/static/chat.js"' in page
    status, script = raw_get(server.port, "/static/chat.js")
    assert status == 200 and b"textContent" in script and b"innerHTML" not in script
