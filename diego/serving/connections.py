"""What one connection may cost the server: time to say what it wants, unsent output,
silence, and how long it may keep a stopping server waiting.

uvicorn's own HTTP (h11) and WebSocket (websockets, sans-I/O, lean: see `.websocket`)
protocols, each with its bounds; `diego.serving.server` hands them to uvicorn.
"""

import dataclasses
import logging
import resource
from pathlib import Path

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.utils import get_client_addr

from ..logs import OncePerInterval
from .metrics import metrics
from .websocket import LeanWebSocket

logger = logging.getLogger("diego")

# A stopped client's connection is abandoned this long after it was asked to close.
CLOSE_GRACE = 1.0
# A message this short, alone in the queue for the application, does not stop reading.
SHORT_MESSAGE = 4096  # bytes
REQUEST_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 41\r\n\r\n"
    b"The request took too long to arrive. Bye.\n"
)


@dataclasses.dataclass
class ConnectionLimits:
    handshake_timeout: float = 10.0  # to send a whole request (or WebSocket handshake)
    max_pending: int = 1000  # connections still sending their first request, at once
    max_unsent: int = 1024 * 1024  # bytes queued for a client that does not read them


class GuardedHTTP(H11Protocol):
    """h11, with a deadline for each request (head and body) and a cap on connections
    that have not sent one yet: a connection that sends nothing, or a byte a second, or
    a body shorter than it said, is closed."""

    limits = ConnectionLimits()
    pending: set["GuardedHTTP"] = set()
    refusals = OncePerInterval()

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._deadline = None
        if len(self.pending) >= self.limits.max_pending:
            count = self.refusals()
            if count:
                logger.warning(
                    "Refused %d connection(s): %d are already waiting to send a request "
                    "(MAX_PENDING_CONNECTIONS)",
                    count,
                    len(self.pending),
                    # The last one refused; no request yet, so its own address.
                    extra={"count": count, "client": ":".join(map(str, self.client or ()))},
                )
            metrics.refused.labels("pending").inc()
            transport.abort()
            return
        self._wait_for_request()

    def _wait_for_request(self) -> None:
        self.pending.add(self)
        self._deadline = self.loop.call_later(self.limits.handshake_timeout, self._too_slow)

    def _request_arrived(self) -> None:
        self.pending.discard(self)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # The whole request is in (head and body: a Content-Length that never comes
        # would hold the connection), or the connection is now a WebSocket.
        if self.transport.get_protocol() is not self or self.conn.their_state not in (
            h11.IDLE,
            h11.SEND_BODY,
        ):
            self._request_arrived()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._wait_for_request()  # the next request on this connection, if any

    def connection_lost(self, exc) -> None:
        self._request_arrived()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        self.pending.discard(self)
        if not self.transport.is_closing():
            metrics.refused.labels("handshake_timeout").inc()
            self.transport.write(REQUEST_TIMEOUT_RESPONSE)
            _close(self.transport)


class GuardedWebSocket(LeanWebSocket):
    """websockets, pinging on a fixed schedule whatever the client sends, and dropping a
    client that does not read what it is sent, or does not answer a ping in time."""

    limits = ConnectionLimits()
    not_reading = OncePerInterval()

    def schedule_ping(self) -> None:
        # uvicorn reschedules the ping at every frame received, so a client that keeps
        # sending is never pinged; and a ping already out keeps its own deadline.
        if self.ping_timer is None and self.pending_ping_payload is None:
            super().schedule_ping()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._check_unsent()

    def send_receive_event_to_app(self) -> None:
        # uvicorn stops reading at each message until the application takes it: two
        # system calls a message. A client that waits for each reply sends one short
        # message at a time: reading goes on; a second message stops it, as before.
        keep_reading = (
            not self.read_paused
            and self.queue.empty()
            and sum(map(len, self.frames)) <= SHORT_MESSAGE
        )
        if keep_reading:
            self.read_paused = True  # as if stopped: uvicorn leaves the transport alone
        super().send_receive_event_to_app()
        if keep_reading:
            self.read_paused = False

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self._abandon_soon()

    def shutdown(self) -> None:
        super().shutdown()
        self._abandon_soon()

    def _check_unsent(self) -> None:
        unsent = self.transport.get_write_buffer_size()
        if unsent > self.limits.max_unsent and not self.transport.is_closing():
            metrics.refused.labels("not_reading").inc()
            count = self.not_reading()
            if count:
                logger.warning(
                    "Dropped %d client(s) that did not read what they were sent "
                    "(over %d bytes waiting, MAX_UNSENT_BYTES)",
                    count,
                    self.limits.max_unsent,
                    # The last one dropped, as the application saw it (behind a proxy too).
                    extra={"count": count, "client": get_client_addr(self.scope)},
                )
            self.transport.abort()

    def _abandon_soon(self) -> None:
        # A close waits for unsent output to drain: from a client that does not read,
        # that is forever.
        self.loop.call_later(CLOSE_GRACE, _abandon, self.transport)


def protocols(limits: ConnectionLimits) -> tuple[type, type]:
    """uvicorn's HTTP and WebSocket protocols with `limits`, for one server."""
    http = type("DiegoHTTP", (GuardedHTTP,), {"limits": limits, "pending": set()})
    websocket = type("DiegoWebSocket", (GuardedWebSocket,), {"limits": limits})
    return http, websocket


def _close(transport) -> None:
    if transport.get_write_buffer_size():
        transport.abort()
    else:
        transport.close()


def _abandon(transport) -> None:
    if not transport.is_closing() or transport.get_write_buffer_size():
        transport.abort()


def raise_open_files_limit() -> int:
    """Raise this process's open-files limit as far as the system allows; return it.

    Past the hard limit if the process may (root, or CAP_SYS_RESOURCE), up to the
    kernel's ceiling; else up to the hard limit.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = _kernel_open_files_ceiling()
    for target, new_hard in [(ceiling, max(ceiling, hard)), (hard, hard)]:
        if target == resource.RLIM_INFINITY:
            target = ceiling
        if target <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, new_hard))
            return target
        except (ValueError, OSError):
            continue
    return soft


def _kernel_open_files_ceiling() -> int:
    try:
        return int(Path("/proc/sys/fs/nr_open").read_text())
    except (OSError, ValueError):
        return 1_048_576
