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
