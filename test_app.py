"""HTTP and WebSocket behaviour of the app, through the test client, with an echo Diego."""

import pytest
from starlette.websockets import WebSocketDisconnect


def test_connect_and_converse(client):
    with client.websocket_connect("/conversation") as ws:
        ws.send_text("Hello!")
        assert ws.receive_text() == "Hello!"


def test_client_count(client):
    assert client.get("/client-count").json() == {"count": 0}
    with client.websocket_connect("/conversation") as ws:
        # A round trip first: the count must not be read before the server has seen us.
        ws.send_text("Hi")
        assert ws.receive_text() == "Hi"
        assert client.get("/client-count").json() == {"count": 1}
    assert client.get("/client-count").json() == {"count": 0}


def test_client_count_counts_each_connection(client):
    with client.websocket_connect("/conversation") as first:
        with client.websocket_connect("/conversation") as second:
            for ws in (first, second):
                ws.send_text("ping")
                ws.receive_text()
            assert client.get("/client-count").json() == {"count": 2}
        assert client.get("/client-count").json() == {"count": 1}


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_client_count_only_answers_get(client, method):
    assert getattr(client, method)("/client-count").status_code == 405


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_blank_message_gets_a_polite_reply(client, blank):
    with client.websocket_connect("/conversation") as ws:
        ws.send_text(blank)
        assert ws.receive_text() == "I'm listening: type something and I'll answer."


def test_too_long_message_names_the_limit_and_conversation_goes_on(client):
    with client.websocket_connect("/conversation") as ws:
        ws.send_text("a" * 1001)
        assert "1,000 characters" in ws.receive_text()
        ws.send_text("a" * 1000)
        assert ws.receive_text() == "a" * 1000


def test_binary_message_closes_with_1003_and_leaves_the_count(client):
    with client.websocket_connect("/conversation") as ws:
        ws.send_bytes(b"\x00\x01")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1003
    assert client.get("/client-count").json() == {"count": 0}


def test_chat_page_has_no_inline_script_and_sends_a_strict_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    page = response.text
    assert '<script src="/static/chat.js" defer></script>' in page
    assert page.count("<script") == 1
    assert 'maxlength="1000"' in page
    assert '<label for="message">' in page and 'aria-live="polite"' in page


@pytest.mark.parametrize("path", ["/static/chat.js", "/static/chat.css", "/static/favicon.svg"])
def test_static_files_are_served_with_nosniff(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"


def session_cookie(response) -> str:
    """The Set-Cookie header of the session cookie in `response`."""
    header = response.headers.get("set-cookie", "")
    assert header.startswith("session=")
    return header


def history(client) -> dict:
    response = client.get("/history")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def test_page_gives_an_httponly_samesite_session_cookie(client):
    attributes = session_cookie(client.get("/")).lower().split("; ")
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert "secure" not in attributes


def test_session_cookie_is_secure_over_https(client):
    attributes = session_cookie(client.get("https://testserver/")).lower().split("; ")
    assert "secure" in attributes and "httponly" in attributes


def test_a_reconnect_continues_the_session_conversation(client):
    client.get("/")
    conversation = history(client)["conversation"]
    for text in ("first", "second"):
        with client.websocket_connect("/conversation") as ws:
            ws.send_text(text)
            assert ws.receive_text() == text
    after = history(client)
    assert after["conversation"] == conversation
    assert after["messages"] == [
        {"from": "user", "text": "first"},
        {"from": "diego", "text": "first"},
        {"from": "user", "text": "second"},
        {"from": "diego", "text": "second"},
    ]


def test_sessions_never_see_each_other(client):
    from bocadillo import create_client

    from app import app

    with client.websocket_connect("/conversation") as ws:
        client.get("/")
        ws.send_text("mine")
        ws.receive_text()
    with create_client(app) as other:
        with other.websocket_connect("/conversation") as ws:
            ws.send_text("theirs")
            ws.receive_text()
        theirs = history(other)
        assert theirs["messages"] == []  # the socket opened before this session existed
    mine = history(client)
    assert mine["conversation"] != theirs["conversation"]
    assert all(message["text"] != "theirs" for message in mine["messages"])


@pytest.mark.parametrize(
    "forged",
    [
        "garbage",
        "abc.def",
        "eyJjb252ZXJzYXRpb24iOiAiMCJ9.awaOWQ.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        '"unterminated',
        "\u00e9\u00e8",
    ],
)
def test_a_forged_session_cookie_starts_a_fresh_conversation(client, forged):
    client.get("/")
    genuine = history(client)["conversation"]
    client.cookies.clear()
    client.cookies.set("session", forged)
    response = client.get("/history")
    assert response.status_code == 200
    assert response.json()["conversation"] != genuine
    assert session_cookie(response)  # a fresh, valid session replaces the forged one
    with client.websocket_connect("/conversation") as ws:
        ws.send_text("still here")
        assert ws.receive_text() == "still here"
