"""Black-box fuzzing of a real server's HTTP and WebSocket handshake parsing, with hypothesis:
request lines, methods, paths, query strings, header names and values, cookies. Whatever it
is sent, the server answers with a status line, never 500, never a traceback, and keeps
serving.

Derandomized, so CI runs the same examples each time; FUZZ_EXAMPLES=20000 runs a longer
campaign locally.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .live import LiveServer
from .test_under_fire import raw_http

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
ROUTES = ["/", "/conversation", "/client-count", "/history", "/health", "/static/chat.js"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"]
HEADER_NAMES = [
    "Host",
    "Cookie",
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Extensions",
    "Sec-WebSocket-Protocol",
    "Origin",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "Content-Length",
    "Transfer-Encoding",
    "Content-Type",
    "Accept",
    "Expect",
]
printable = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
# Mostly what HTTP allows, sometimes any byte but the line's end.
header_value = st.one_of(
    printable.map(str.encode),
    st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
)
token = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
    min_size=1,
    max_size=20,
)
path = st.one_of(
    st.sampled_from(ROUTES),
    st.builds(lambda route, tail: route + tail, st.sampled_from(ROUTES), printable),
    st.text(max_size=60).map(lambda text: "/" + text),
)
query = st.one_of(st.just(""), printable.map(lambda text: "?" + text))
header = st.tuples(
    st.sampled_from(HEADER_NAMES + ["X-" + name for name in HEADER_NAMES]).map(str.encode)
    | token.map(str.encode),
    st.one_of(
        header_value,
        st.sampled_from(
            [
                b"websocket",
                b"Upgrade",
                b"13",
                b"dGhlIHNhbXBsZSBub25jZQ==",
                b"session=" + b"A" * 300,
                b"session=e30=.bm90IHNpZ25lZA==.c2ln",
                b"http://evil.example",
                b"-1",
                b"99999999999999999999",
                b"chunked",
            ]
        ),
    ),
)


@st.composite
def requests(draw) -> bytes:
    method = draw(st.sampled_from(METHODS) if draw(st.integers(0, 9)) else token)
    target = (draw(path) + draw(query)).encode("utf-8", "surrogatepass")
    # Mostly well-formed, so that the examples reach the routes, not only the parser.
    version = draw(st.sampled_from([b"HTTP/1.1"] * 6 + [b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1 x"]))
    lines = [method.encode() + b" " + target + b" " + version]
    if draw(st.integers(0, 9)):
        lines.append(b"Host: 127.0.0.1")
    lines += [name + b": " + value for name, value in draw(st.lists(header, max_size=8))]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@pytest.fixture(scope="module")
def target(trained_database):
    env = {"HANDSHAKE_TIMEOUT": "2"}
    with LiveServer(trained_database, env=env) as server:
        yield server
    assert "Traceback" not in server.log
    assert " 500 " not in server.log


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_any_request_gets_a_status_line_and_never_a_500(target, request):
    status = raw_http(target.port, request)
    assert status.startswith(("HTTP/1.1 ", "HTTP/1.0 ")), (request, status)
    assert status.split(" ")[1] != "500", (request, status)


def test_after_the_fuzzing_the_server_still_serves_and_its_log_is_short(target):
    assert target.client_count() == 0
    assert target.get("/health").status == 200
    # Malformed requests are counted, once per 10 s, not logged one by one.
    assert target.log.count("invalid HTTP request(s) received") <= 2
    assert "Invalid HTTP request received." not in target.log
