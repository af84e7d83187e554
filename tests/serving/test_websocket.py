import asyncio
import tracemalloc

import pytest
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

from diego.serving.websocket import Gate, Inbox, LeanWebSocket

HANDSHAKE = (
    b"GET /conversation HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1\r\n\r\n"
)


class FakeTransport:
    """What the protocol asks of an asyncio transport, keeping what it writes."""

    def __init__(self):
        self.written = b""
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written += data

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def config_for(app) -> Config:
    config = Config(app, ws_per_message_deflate=False, ws_ping_interval=None)
    config.load()
    return config


async def echo(scope, receive, send):
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message["text"]})


def test_the_lean_protocol_has_every_attribute_uvicorns_has():
    async def scenario():
        config, state = config_for(echo), ServerState()
        theirs = WebSocketsSansIOProtocol(config, state, {})
        ours = LeanWebSocket(config, state, {})
        missing = [name for name in vars(theirs) if not hasattr(ours, name)]
        kept = {name: getattr(ours, name) for name in ("config", "app", "loop", "tasks")}
        return missing, kept, config, state

    missing, kept, config, state = asyncio.run(scenario())
    assert missing == []
    assert kept["config"] is config and kept["tasks"] is state.tasks
    assert kept["app"] is config.loaded_app


def test_a_lean_connection_costs_under_half_of_uvicorns():
    async def cost(protocol_class) -> float:
        config, state = config_for(echo), ServerState()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            kept = [protocol_class(config, state, {}) for _ in range(200)]
            return (tracemalloc.get_traced_memory()[0] - before) / len(kept)
        finally:
            tracemalloc.stop()

    assert asyncio.run(cost(LeanWebSocket)) < asyncio.run(cost(WebSocketsSansIOProtocol)) / 2


def test_after_the_handshake_its_request_and_response_are_let_go():
    async def scenario():
        protocol = LeanWebSocket(config_for(echo), ServerState(), {})
        transport = FakeTransport()
        protocol.connection_made(transport)
        protocol.data_received(HANDSHAKE)
        request = protocol.conn.parser.gi_frame.f_locals["request"]
        while not transport.written:
            await asyncio.sleep(0)
        protocol.data_received(b"\x81\x82\x00\x00\x00\x00hi")  # "hi", masked with zeros
        while not transport.written.endswith(b"hi"):
            await asyncio.sleep(0)
        protocol.connection_lost(None)
        return protocol, request, transport.written

    protocol, request, written = asyncio.run(scenario())
    assert written.startswith(b"HTTP/1.1 101")
    assert (b"Origin", b"http://127.0.0.1") in protocol.scope["headers"]
    assert protocol.request is None and protocol.response is None
    assert list(request.headers.raw_items()) == []


def test_the_inbox_gives_messages_in_order_to_whoever_waits():
    async def scenario():
        inbox = Inbox()
        getter = asyncio.ensure_future(inbox.get())
        await asyncio.sleep(0)
        assert inbox.empty() and not getter.done()
        inbox.put_nowait(1)
        inbox.put_nowait(2)
        return await getter, await inbox.get(), inbox.empty()

    assert asyncio.run(scenario()) == (1, 2, True)


def test_a_cancelled_getter_passes_its_message_on():
    async def scenario():
        inbox = Inbox()
        first = asyncio.ensure_future(inbox.get())
        second = asyncio.ensure_future(inbox.get())
        await asyncio.sleep(0)
        inbox.put_nowait("hello")
        first.cancel()  # woken, but cancelled before it could run
        await asyncio.sleep(0)
        return await second, first.cancelled()

    assert asyncio.run(scenario()) == ("hello", True)


def test_the_gate_holds_waiters_while_closed():
    async def scenario():
        gate = Gate()
        assert await gate.wait() is True  # open at first
        gate.clear()
        waiter = asyncio.ensure_future(gate.wait())
        cancelled = asyncio.ensure_future(gate.wait())
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0)
        held = not waiter.done()
        gate.set()
        return held, await waiter, gate.is_set()

    assert asyncio.run(scenario()) == (True, True, True)


def test_the_inbox_says_when_nothing_waits():
    with pytest.raises(asyncio.QueueEmpty):
        Inbox().get_nowait()
