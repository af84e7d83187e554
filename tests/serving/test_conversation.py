"""The conversation loop over plain ASGI events, without a server."""

import asyncio

from diego.serving.conversation import CANNOT_THINK, TEXT_ONLY, TOO_FAST, TOO_FAST_CLOSE, converse


class FakeSocket:
    """Plays the client's events in order and records what the server sends."""

    def __init__(self, *events, send_fails=False):
        self.events = [{"type": "websocket.connect"}, *events]
        self.sent = []
        self.send_fails = send_fails

    async def receive(self):
        if not self.events:
            return {"type": "websocket.disconnect", "code": 1006}
        return self.events.pop(0)

    async def send(self, message):
        if self.send_fails and message["type"] == "websocket.send":
            raise ConnectionResetError
        self.sent.append(message)

    def texts(self):
        return [message["text"] for message in self.sent if message["type"] == "websocket.send"]


def text(value):
    return {"type": "websocket.receive", "text": value}


async def shout(value):
    return value.upper()


def run(socket, answer=shout, max_message_length=20, bucket=None):
    asyncio.run(
        converse(
            socket.receive,
            socket.send,
            answer,
            max_message_length=max_message_length,
            bucket=bucket,
        )
    )


def test_accepts_then_answers_each_message_until_disconnect():
    socket = FakeSocket(text("hi"), text(" there "))
    run(socket)
    assert socket.sent[0] == {"type": "websocket.accept"}
    assert socket.texts() == ["HI", "THERE"]


def test_blank_and_long_messages_get_replies_without_reaching_the_bot():
    asked = []

    async def answer(value):
        asked.append(value)
        return value

    socket = FakeSocket(text(" "), text("x" * 21), text("ok"))
    run(socket, answer)
    assert asked == ["ok"]
    assert len(socket.texts()) == 3 and "20 characters" in socket.texts()[1]


def test_binary_message_closes_with_1003_and_a_reason():
    socket = FakeSocket({"type": "websocket.receive", "bytes": b"\x00"}, text("never read"))
    run(socket)
    assert socket.sent[-1] == {"type": "websocket.close", "code": 1003, "reason": TEXT_ONLY}
    assert len(socket.events) == 1


def test_a_failing_bot_gets_an_apology_and_the_conversation_goes_on():
    calls = []

    async def flaky(value):
        calls.append(value)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return value

    socket = FakeSocket(text("first"), text("second"))
    run(socket, flaky)
    assert socket.texts() == [CANNOT_THINK, "second"]


def test_client_gone_while_the_bot_thinks_ends_quietly():
    socket = FakeSocket(text("hi"), text("more"), send_fails=True)
    run(socket)
    assert socket.events == [text("more")]


class EmptyBucket:
    def take(self):
        return False


def test_too_fast_gets_a_warning_then_1008():
    socket = FakeSocket(text("one"), text("two"), text("three"))
    run(socket, bucket=EmptyBucket())
    assert socket.texts() == [TOO_FAST]
    assert socket.sent[-1] == {"type": "websocket.close", "code": 1008, "reason": TOO_FAST_CLOSE}
    assert socket.events == [text("three")]  # nothing read after the close


class ScriptedBucket:
    def __init__(self, tokens):
        self.tokens = list(tokens)

    def take(self):
        return self.tokens.pop(0)


def test_slowing_down_after_a_warning_goes_on():
    socket = FakeSocket(text("a"), text("b"), text("c"), text("d"))
    run(socket, bucket=ScriptedBucket([True, False, True, False]))
    assert socket.texts() == ["A", TOO_FAST, "C", TOO_FAST]
    assert all(message["type"] != "websocket.close" for message in socket.sent)
