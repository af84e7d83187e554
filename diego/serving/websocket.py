"""uvicorn's WebSocket protocol (websockets, sans-I/O), in less memory per connection.

An idle connection costs what it keeps: uvicorn's protocol keeps the server's settings
in each connection, an `asyncio.Queue` and an `asyncio.Event` (five deques in all, some
4 KiB), and the handshake's request and response for as long as the connection lives.
This one shares the settings, keeps its events in a list, and lets go of the handshake
once it is answered. It behaves as uvicorn's does: same events, same frames, same timers.
"""

import asyncio
import logging

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.server import ServerProtocol


class Inbox:
    """What `asyncio.Queue` does for uvicorn's protocol (put_nowait, get, empty), with a
    list and the futures of waiting getters only."""

    __slots__ = ("_messages", "_getters")

    def __init__(self):
        self._messages = []
        self._getters = []

    def empty(self) -> bool:
        return not self._messages

    def qsize(self) -> int:
        return len(self._messages)

    def put_nowait(self, message) -> None:
        self._messages.append(message)
        self._wake_next()

    def get_nowait(self):
        if not self._messages:
            raise asyncio.QueueEmpty
        return self._messages.pop(0)

    async def get(self):
        # As asyncio.Queue.get: a cancelled getter passes its wake-up on.
        while not self._messages:
            getter = asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                if getter in self._getters:
                    self._getters.remove(getter)
                if self._messages and not getter.cancelled():
                    self._wake_next()
                raise
        return self._messages.pop(0)

    def _wake_next(self) -> None:
        while self._getters:
            getter = self._getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                return


class Gate:
    """What `asyncio.Event` does for uvicorn's protocol (set, clear, wait), open at
    first, with a list of waiters only while some wait."""

    __slots__ = ("_open", "_waiters")

    def __init__(self):
        self._open = True
        self._waiters = None

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        if self._open:
            return
        self._open = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(True)

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> bool:
        if self._open:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)


class _Shared:
    """What every connection of one server has in common."""

    def __init__(self, config, server_state, app_state, loop):
        self.config, self.server_state, self.app_state, self.loop = (
            config,
            server_state,
            app_state,
            loop,
        )
        self.app = config.loaded_app
        self.logger = logging.getLogger("uvicorn.error")
        self.root_path = config.root_path
        self.asgi_version = config.asgi_version
        self.connections = server_state.connections
        self.tasks = server_state.tasks
        self.default_headers = server_state.default_headers
        self.ping_interval = config.ws_ping_interval
        self.ping_timeout = config.ws_ping_timeout

    def serves(self, config, server_state, app_state, loop) -> bool:
        return (
            self.config is config
            and self.server_state is server_state
            and self.app_state is app_state
            and self.loop is loop
        )


def _shared(name: str) -> property:
    return property(lambda self: getattr(self._shared, name), doc=f"The server's {name}.")


class LeanWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's `WebSocketsSansIOProtocol`, each connection keeping only its own state.

    Python keeps an object's attributes compactly (a dict's keys shared by every
    instance of the class) for at most 30 of them: uvicorn sets 37. Those of the server
    are read from one object that its connections share.
    """

    close_timeout = 10.0
    _last_shared: _Shared | None = None
    config = _shared("config")
    app = _shared("app")
    loop = _shared("loop")
    logger = _shared("logger")
    root_path = _shared("root_path")
    asgi_version = _shared("asgi_version")
    app_state = _shared("app_state")
    connections = _shared("connections")
    tasks = _shared("tasks")
    default_headers = _shared("default_headers")
    ping_interval = _shared("ping_interval")
    ping_timeout = _shared("ping_timeout")

    def __init__(self, config, server_state, app_state, _loop=None) -> None:
        if not config.loaded:
            config.load()
        loop = _loop or asyncio.get_event_loop()
        shared = type(self)._last_shared
        if shared is None or not shared.serves(config, server_state, app_state, loop):
            shared = type(self)._last_shared = _Shared(config, server_state, app_state, loop)
        self._shared = shared

        # Connection state
        self.transport = None
        self.server = None
        self.client = None
        self.scheme = None

        # WebSocket state
        self.queue = Inbox()
        self.handshake_initiated = False
        self.handshake_complete = False
        self.close_sent = False
        self.disconnected = False
        self.close_timer = None
        self.initial_response = None
        self.request = None
        self.response = None

        extensions = []
        if config.ws_per_message_deflate:
            extensions = [
                ServerPerMessageDeflateFactory(
                    server_max_window_bits=12,
                    client_max_window_bits=12,
                    compress_settings={"memLevel": 5},
                )
            ]
        self.conn = ServerProtocol(
            extensions=extensions, max_size=config.ws_max_size, logger=shared.logger
        )

        self.read_paused = False
        self.writable = Gate()

        # Keepalive state
        self.ping_timer = None
        self.pong_timer = None
        self.pending_ping_payload = None
        self.ping_sent_at = 0.0
        self.last_ping_rtt = 0.0

        # Incoming message state
        self.frames = []
        self.curr_msg_data_type = "bytes"

    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        # The scope has the headers now. websockets' parser keeps the request for as
        # long as the connection lives: its headers, emptied, cost nothing.
        self.request = None
        event.headers.clear()

    async def send(self, message) -> None:
        await super().send(message)
        if self.handshake_complete:
            self.response = None  # answered
