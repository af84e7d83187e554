"""Black-box: no client can hold a real server, before or after its handshake, or keep it
from stopping. Every loop is bounded in time; everything is on loopback."""

import os
import signal
import socket
import subprocess
import time

import pytest

from ..live import LiveServer, rss_kib
from ..test_faults import worker_pids
from ..test_under_fire import frame


def raw_websocket(port: int, receive_buffer: int = 4096) -> socket.socket:
    """An open WebSocket, by hand, on a socket that reads into a small buffer."""
    sock = socket.socket()
    # Set before connecting, so that the TCP window stays small: what the server sends
    # piles up on its side.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    opened, status = handshake_on(sock, port)
    assert status.startswith("HTTP/1.1 101"), status
    return opened


def handshake_on(sock: socket.socket, port: int) -> tuple[socket.socket, str]:
    sock.sendall(
        (
            "GET /conversation HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    return sock, head.split(b"\r\n")[0].decode()


def flood_with_pings(sock: socket.socket, seconds: float) -> float | None:
    """Send pings (125-byte payloads, each answered by a pong) without ever reading;
    return when the server dropped the connection, in seconds, or None if it did not."""
    ping = frame(0x9, b"p" * 125)
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            sock.sendall(ping * 64)
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            return time.monotonic() - started
    return None


def test_a_client_that_never_reads_its_pongs_is_dropped_and_memory_stays_flat(trained_database):
    env = {"MAX_UNSENT_BYTES": str(256 * 1024), "PING_INTERVAL": "60", "PING_TIMEOUT": "60"}
    with LiveServer(trained_database, env=env) as server:
        before = rss_kib(server.process.pid)
        sock = raw_websocket(server.port)
        dropped_after = flood_with_pings(sock, seconds=20)
        grown = (rss_kib(server.process.pid) - before) / 1024
        sock.close()
        assert dropped_after is not None, "the server kept a client that never reads"
        assert grown < 32, f"the server grew {grown:.0f} MiB"
        assert server.wait_for_count(0) == 0
        assert "did not read what they were sent" in server.log


def test_a_peer_that_never_answers_pings_is_dropped_whatever_it_sends(trained_database):
    env = {"PING_INTERVAL": "0.5", "PING_TIMEOUT": "0.5"}
    with LiveServer(trained_database, env=env) as server:
        sock = raw_websocket(server.port)
        started = time.monotonic()
        assert server.wait_for_count(1) == 1
        # Small, steady traffic that never answers the server's pings.
        while server.client_count() and time.monotonic() - started < 10:
            try:
                sock.sendall(frame(0x9, b"still here"))
            except OSError:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        sock.close()
        # PING_INTERVAL + PING_TIMEOUT + 1 s, and a second for the count to be read.
        assert elapsed < 0.5 + 0.5 + 1 + 1, f"still counted after {elapsed:.1f} s"


@pytest.fixture(scope="module")
def impatient(trained_database):
    env = {"HANDSHAKE_TIMEOUT": "1", "MAX_PENDING_CONNECTIONS": "5"}
    with LiveServer(trained_database, env=env) as server:
        yield server


def closed_after(sock: socket.socket, seconds: float, trickle: bytes = b"") -> tuple[float, bytes]:
    """Wait for the server to close `sock`, sending `trickle` a byte at a time;
    return how long it took and what the server said."""
    sock.settimeout(0.2)
    started, said = time.monotonic(), b""
    for byte in [trickle[i : i + 1] for i in range(len(trickle))] or [b""] * 1000:
        if time.monotonic() - started > seconds:
            break
        try:
            if byte:
                sock.sendall(byte)
            chunk = sock.recv(4096)
            if not chunk:
                return time.monotonic() - started, said
            said += chunk
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started, said
    return float("inf"), said


@pytest.mark.parametrize(
    "trickle",
    [
        b"",
        b"GET /conversation HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" * 4,
    ],
    ids=["sends nothing", "one byte at a time"],
)
def test_a_request_that_takes_too_long_to_arrive_is_closed_with_408(impatient, trickle):
    sock = socket.create_connection(("127.0.0.1", impatient.port))
    elapsed, said = closed_after(sock, seconds=5, trickle=trickle)
    sock.close()
    assert elapsed < 1 + 1
    assert said.startswith(b"HTTP/1.1 408")


def test_a_body_that_never_comes_is_not_waited_for(impatient):
    # Found by tests/test_fuzz.py: the static files' handler waited for the body forever.
    sock = socket.create_connection(("127.0.0.1", impatient.port))
    sock.sendall(b"GET /static/chat.js HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n")
    elapsed, said = closed_after(sock, seconds=5)
    sock.close()
    assert elapsed < 1 + 1
    assert said.startswith(b"HTTP/1.1 408")


def test_past_the_pending_cap_connections_are_refused_and_logged_once(impatient):
    lines_before = impatient.log.count("MAX_PENDING_CONNECTIONS")
    idle = [socket.create_connection(("127.0.0.1", impatient.port)) for _ in range(5)]
    time.sleep(0.2)
    refused = 0
    for _ in range(20):
        extra = socket.create_connection(("127.0.0.1", impatient.port), timeout=2)
        try:
            refused += extra.recv(1) == b""
        except ConnectionResetError:
            refused += 1
        extra.close()
    for sock in idle:
        sock.close()
    assert refused == 20
    time.sleep(0.3)
    assert impatient.client_count() == 0  # and the server still answers
    assert impatient.log.count("MAX_PENDING_CONNECTIONS") == lines_before + 1


def test_the_log_says_how_many_connections_the_server_can_hold(impatient):
    assert "Open-files limit" in impatient.log


def test_sigterm_finishes_in_time_whatever_clients_and_workers_do(trained_database):
    env = {
        "SHUTDOWN_TIMEOUT": "2",
        "MAX_UNSENT_BYTES": str(2**30),  # so that the flood below is not dropped
        "PING_INTERVAL": "60",
        "PING_TIMEOUT": "60",
        "BOT_WORKERS": "2",
    }
    server = LiveServer(trained_database, env=env)
    with server:
        sock = raw_websocket(server.port)
        assert flood_with_pings(sock, seconds=3) is None  # a transport that cannot drain
        stopped = sorted(worker_pids(server))[0]
        os.kill(stopped, signal.SIGSTOP)  # and a worker that answers nothing
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            code = server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server was still running 20 s after SIGTERM:\n{server.log}")
        elapsed = time.monotonic() - started
        sock.close()
    assert code == 0
    # SHUTDOWN_TIMEOUT, the abandoned client's grace, and the workers' 3 s.
    assert elapsed < 2 + 1 + 3 + 2, elapsed
