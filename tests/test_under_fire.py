"""Black-box: a real server under hostile or careless clients keeps its limits and serves others.

Every loop here is bounded in time and count; everything is on loopback.
"""

import asyncio
import base64
import os
import re
import socket
import time

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from diego.serving.conversation import CANNOT_THINK, TOO_FAST, TOO_FAST_CLOSE

from .live import LiveServer
from .test_server import corpus_replies


def handshake(port: int, **headers: str) -> tuple[socket.socket, str]:
    """Open a WebSocket by hand with extra headers; return the socket and the status line."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /conversation HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock, status_line(sock)


def status_line(sock: socket.socket) -> str:
    """Read a response's first line."""
    response = b""
    while b"\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            break
        response += chunk
    return response.split(b"\r\n")[0].decode()


async def close_of(url: str, **kwargs) -> ConnectionClosed:
    async with websockets.connect(url, **kwargs) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    return closed.value


@pytest.fixture(scope="module")
def tight(trained_database):
    """A server with small limits, and pings every half second."""
    env = {
        "MAX_CLIENTS": "4",
        "MAX_CLIENTS_PER_IP": "3",
        "TRUSTED_PROXIES": "127.0.0.1",
        "PING_INTERVAL": "0.5",
        "PING_TIMEOUT": "0.5",
    }
    with LiveServer(trained_database, env=env) as server:
        yield server


def test_too_fast_is_warned_once_then_closed_with_1008_and_others_are_unaffected(server):
    async def scenario():
        async with websockets.connect(server.ws_url) as calm:
            async with websockets.connect(server.ws_url) as flood:
                for _ in range(10):  # the burst
                    await flood.send("Hello")
                    assert await flood.recv() in corpus_replies()["Hello"]
                await flood.send("Hello")
                warning = await flood.recv()
                await flood.send("Hello")
                with pytest.raises(ConnectionClosed) as closed:
                    await flood.recv()
            await calm.send("Hello")
            return warning, closed.value.rcvd, await calm.recv()

    warning, close, calm_reply = asyncio.run(scenario())
    assert warning == TOO_FAST
    assert (close.code, close.reason) == (1008, TOO_FAST_CLOSE)
    assert calm_reply in corpus_replies()["Hello"]
    assert server.wait_for_count(0) == 0


def test_past_max_clients_the_next_gets_1013_and_the_count_still_answers(tight):
    async def scenario():
        headers = [{"X-Forwarded-For": f"10.0.0.{n}"} for n in range(5)]
        clients = [
            await websockets.connect(tight.ws_url, additional_headers=h) for h in headers[:4]
        ]
        count = await asyncio.to_thread(tight.client_count)
        refused = await close_of(tight.ws_url, additional_headers=headers[4])
        for ws in clients:
            await ws.close()
        return count, refused.rcvd

    count, refused = asyncio.run(scenario())
    assert count == 4
    assert refused.code == 1013 and "try again later" in refused.reason
    assert tight.wait_for_count(0) == 0


def test_per_address_cap_believes_forwarded_for_from_trusted_proxies_only(tight, server):
    async def scenario():
        same = {"X-Forwarded-For": "203.0.113.7"}
        held = [await websockets.connect(tight.ws_url, additional_headers=same) for _ in range(3)]
        fourth = await close_of(tight.ws_url, additional_headers=same)
        other = await websockets.connect(
            tight.ws_url, additional_headers={"X-Forwarded-For": "203.0.113.8"}
        )
        for ws in [*held, other]:
            await ws.close()
        return fourth.rcvd

    refused = asyncio.run(scenario())
    assert refused.code == 1013 and "from your address" in refused.reason
    assert tight.wait_for_count(0) == 0


def test_forwarded_for_from_an_untrusted_peer_is_ignored(trained_database):
    env = {"MAX_CLIENTS_PER_IP": "2"}  # TRUSTED_PROXIES unset: nobody is believed

    async def scenario(url):
        held = [
            await websockets.connect(url, additional_headers={"X-Forwarded-For": f"10.1.1.{n}"})
            for n in range(2)
        ]
        third = await close_of(url, additional_headers={"X-Forwarded-For": "10.1.1.9"})
        for ws in held:
            await ws.close()
        return third.rcvd

    with LiveServer(trained_database, env=env) as server:
        refused = asyncio.run(scenario(server.ws_url))
    assert refused.code == 1013


@pytest.mark.parametrize(
    "origin, status",
    [
        ("http://evil.example", "403"),
        ("null", "403"),
        ("http://127.0.0.1:{port}", "101"),
        ("http://localhost:5173", "101"),
    ],
)
def test_other_origins_get_403_before_accept(server, origin, status):
    sock, status_line = handshake(server.port, Origin=origin.format(port=server.port))
    sock.close()
    assert status_line.split(" ")[1] == status
    assert server.wait_for_count(0) == 0


def test_an_origin_allowlist_is_exact(trained_database):
    env = {"ALLOWED_ORIGINS": "https://chat.example"}
    with LiveServer(trained_database, env=env) as server:
        results = {}
        for origin in ["https://chat.example", "https://chat.example.evil", "http://localhost:1"]:
            sock, status_line = handshake(server.port, Origin=origin)
            sock.close()
            results[origin] = status_line.split(" ")[1]
        with socket.create_connection(("127.0.0.1", server.port)):
            pass
    assert results == {
        "https://chat.example": "101",
        "https://chat.example.evil": "403",
        "http://localhost:1": "403",
    }


def test_a_dead_peer_that_never_answers_pings_is_dropped(tight):
    sock, status_line = handshake(tight.port)
    assert status_line.split(" ")[1] == "101"
    assert tight.wait_for_count(1) == 1
    started = time.monotonic()
    # The socket stays open but says nothing, not even pong.
    assert tight.wait_for_count(0, timeout=10) == 0
    assert time.monotonic() - started < 5
    sock.close()


def health(server) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(server.http("/health"), timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_health_reports_the_database_and_recovers_by_itself(tmp_path, trained_database):
    from .conftest import copy_of

    url = copy_of(trained_database, tmp_path)
    path = url.removeprefix("sqlite:///")
    with LiveServer(url) as server:
        assert health(server) == (
            200,
            {
                "status": "ok",
                "workers": 2 if os.cpu_count() >= 2 else 1,
                "expected_workers": 2 if os.cpu_count() >= 2 else 1,
                "database": "ok",
            },
        )
        os.rename(path, path + ".away")
        status, body = health(server)
        assert (status, body["database"], body["status"]) == (503, "unreachable", "unavailable")
        # Diego still answers something short and sensible (a worker that has the file
        # open reads it where it went), and the server keeps serving.
        reply = asyncio.run(ask_once(server.ws_url, "Hello"))
        assert reply in {CANNOT_THINK, *corpus_replies()["Hello"]}
        os.replace(path + ".away", path)
        assert health(server)[0] == 200
        assert asyncio.run(ask_once(server.ws_url, "Hello")) in corpus_replies()["Hello"]
    if reply == CANNOT_THINK:
        assert re.search(r"Diego could not answer \d+ message\(s\): \w+Error", server.log)
    assert "Traceback" not in server.log


async def ask_once(url, text):
    async with websockets.connect(url) as ws:
        await ws.send(text)
        return await ws.recv()


def test_health_answers_fast_under_load(server):
    async def scenario():
        async def chatter():
            async with websockets.connect(server.ws_url) as ws:
                for _ in range(8):
                    await ws.send("How are you?")
                    await ws.recv()

        load = asyncio.gather(*(chatter() for _ in range(20)))
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            status, _ = await asyncio.to_thread(health, server)
            timings.append((time.perf_counter() - started, status))
        await load
        return timings

    timings = asyncio.run(scenario())
    assert all(status == 200 for _, status in timings)
    assert max(seconds for seconds, _ in timings) < 0.5  # bounded; the benchmark measures speed


def frame(opcode: int, payload: bytes, *, masked: bool = True, fin: bool = True) -> bytes:
    """A WebSocket frame as a client would send it, or, with masked=False, as it must not."""
    head = bytes([(0x80 if fin else 0) | opcode])
    assert len(payload) < 126
    if not masked:
        return head + bytes([len(payload)]) + payload
    mask = os.urandom(4)
    return (
        head
        + bytes([0x80 | len(payload)])
        + mask
        + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    )


def close_code(sock: socket.socket, seconds: float = 5) -> int | None:
    """Read the server's frames until its close frame; return the close code (None if the
    connection ends without one). Frames are parsed, so no payload byte is taken for one."""
    sock.settimeout(seconds)
    received = b""
    while True:
        while len(received) >= 2:
            opcode, length = received[0] & 0x0F, received[1] & 0x7F
            start = {126: 4, 127: 10}.get(length, 2)
            if len(received) < start:
                break
            if length >= 126:
                length = int.from_bytes(received[2:start], "big")
            if len(received) < start + length:
                break
            payload, received = received[start : start + length], received[start + length :]
            if opcode == 0x8:
                return int.from_bytes(payload[:2], "big") if payload else None
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return None
        if not chunk:
            return None
        received += chunk


def close_code_after(port: int, data: bytes) -> int | None:
    """Send `data` on a fresh WebSocket; return the close code the server answers with."""
    sock, status_line = handshake(port)
    assert status_line.split(" ")[1] == "101"
    sock.sendall(data)
    try:
        return close_code(sock)
    finally:
        sock.close()


@pytest.mark.parametrize(
    "attack, data, code",
    [
        ("unmasked frame", frame(0x1, b"hello", masked=False), 1002),
        ("reserved opcode 3", frame(0x3, b"x"), 1002),
        ("reserved opcode 0xB", frame(0xB, b"x"), 1002),
        ("invalid UTF-8", frame(0x1, b"\xff\xfe\xfd"), 1007),
        ("truncated UTF-8", frame(0x1, "caf\u00e9".encode()[:-1]), 1007),
        ("continuation without a start", frame(0x0, b"x"), 1002),
        ("fragmented ping", frame(0x9, b"x", fin=False), 1002),
        ("binary frame", frame(0x2, b"\x00\x01"), 1003),
    ],
)
def test_protocol_violations_close_with_the_right_code(server, attack, data, code):
    assert close_code_after(server.port, data) == code, attack
    assert asyncio.run(ask_once(server.ws_url, "Hello")) in corpus_replies()["Hello"]
    assert server.wait_for_count(0) == 0


def raw_http(port: int, request: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        return status_line(sock)


@pytest.mark.parametrize(
    "attack, request_bytes, status",
    [
        (
            "no Sec-WebSocket-Key",
            b"GET /conversation HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "400",
        ),
        (
            "wrong version",
            b"GET /conversation HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 8\r\n\r\n",
            "400",
        ),
        (
            "oversized header",
            b"GET /client-count HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
            "431",
        ),
        (
            "oversized header on the WebSocket",
            b"GET /conversation HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n"
            + b"X-Big: "
            + b"a" * 5000
            + b"\r\n" * 1
            + b"".join(b"X-Big-%d: " % n + b"a" * 5000 + b"\r\n" for n in range(4))
            + b"\r\n",
            "403",
        ),
        ("garbage request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "400"),
    ],
)
def test_bad_handshakes_get_a_clear_status(server, attack, request_bytes, status):
    assert raw_http(server.port, request_bytes).split(" ")[1] == status, attack
    assert server.client_count() == 0


@pytest.mark.parametrize(
    "text",
    [
        "\u202eevil\u202c and \u200f",  # RTL overrides
        "\x1b[2J\x1b]0;pwned\x07",  # terminal escapes
        "\u00e9\u0301" * 400,  # combining marks, under the limit
        "\U0001f600" * 999,  # astral characters: 999 of them, 4 bytes each
        "\x00\x01\x02 nul and friends",
    ],
)
def test_strange_text_gets_an_answer_and_stays_out_of_the_log(server, text):
    reply = asyncio.run(ask_once(server.ws_url, text))
    assert isinstance(reply, str) and reply
    assert text not in server.log and "\x1b" not in server.log
    assert "Traceback" not in server.log


def test_many_connections_from_one_address_share_its_rate(trained_database):
    env = {
        "RATE_LIMIT": "1000",
        "RATE_BURST": "1000",
        "RATE_LIMIT_PER_IP": "5",
        "RATE_BURST_PER_IP": "5",
    }
    seconds = 2.0

    async def chatter(url, deadline) -> int:
        answered = 0
        try:
            async with websockets.connect(url) as ws:
                while time.monotonic() < deadline:
                    await ws.send("Hello")
                    answered += await ws.recv() != TOO_FAST
        except ConnectionClosed:
            pass
        return answered

    async def scenario(url):
        deadline = time.monotonic() + seconds
        return sum(await asyncio.gather(*(chatter(url, deadline) for _ in range(10))))

    with LiveServer(trained_database, env=env) as server:
        answered = asyncio.run(scenario(server.ws_url))
    # The burst, the rate for the time, and a little for the clock.
    assert answered <= 5 + 5 * seconds + 3, answered
    assert answered >= 5
