"""Serve an ASGI app with uvicorn and say, in one line, when Diego is ready."""

import copy
import logging
import signal

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from ..logs import OncePerInterval
from .connections import ConnectionLimits, protocols, raise_open_files_limit
from .log_format import LOG_FORMATS

logger = logging.getLogger("diego")
# Files the server keeps open besides connections: its database, logs, workers' pipes.
RESERVED_FILES = 100


class _Server(uvicorn.Server):
    open_files = 0

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            logger.info(
                "Open-files limit %d: room for about %d connections",
                self.open_files,
                max(0, self.open_files - RESERVED_FILES),
            )
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            logger.info(
                "Diego is ready: chat at ws://%s:%d/conversation, count at http://%s:%d/client-count",
                host,
                port,
                host,
                port,
            )


class ClientFaultsOnOneLine(logging.Filter):
    """A client's protocol error is its own fault: logged on one line, no traceback.

    (uvicorn logs invalid UTF-8 from a client with the traceback of its decoding.)
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.getMessage().endswith("received from client."):
            record.exc_info, record.exc_text = None, None
        return True


class NoisyOncePerInterval(logging.Filter):
    """Lines any client can cause at will are logged once per interval, with how many:
    asyncio's accept error out of file descriptors (a traceback at every retry, tens of
    thousands a second) and uvicorn's warning at every malformed request."""

    NOISY = {
        "socket.accept() out of system resource": (
            "Out of file descriptors: %d connection(s) could not be accepted "
            "(raise the open-files limit, or lower MAX_CLIENTS)"
        ),
        "Invalid HTTP request received.": "%d invalid HTTP request(s) received (answered 400)",
    }

    def __init__(self):
        super().__init__()
        self.reports = {prefix: OncePerInterval() for prefix in self.NOISY}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        prefix = next((p for p in self.NOISY if message.startswith(p)), None)
        if prefix is None:
            return True
        count = self.reports[prefix]()
        if count:
            record.msg, record.args = self.NOISY[prefix], (count,)
            record.count = count
            record.exc_info, record.exc_text = None, None
        return bool(count)


def log_config(log_format: str = "text") -> dict:
    """uvicorn's logging configuration, with Diego's own logger beside it.

    `log_format` "json" writes every line as a JSON object; "text" as uvicorn does.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"Unsupported log format: {log_format!r} (use one of {LOG_FORMATS})")
    config = copy.deepcopy(LOGGING_CONFIG)
    if log_format == "json":
        json_lines = "diego.serving.log_format.JSONFormatter"
        config["formatters"] = {"default": {"()": json_lines}, "access": {"()": json_lines}}
    config["loggers"]["diego"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"]["asyncio"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["filters"] = {
        "client_faults": {"()": ClientFaultsOnOneLine},
        "noisy": {"()": NoisyOncePerInterval},
    }
    config["handlers"]["default"]["filters"] = ["client_faults", "noisy"]
    return config


def serve(
    app,
    *,
    host: str,
    port: int,
    max_frame_size: int,
    ping_interval: float = 20.0,
    ping_timeout: float = 20.0,
    trusted_proxies: str = "",
    limits: ConnectionLimits | None = None,
    shutdown_timeout: float = 10.0,
    log_format: str = "text",
) -> None:
    """Run `app` until interrupted. Port 0 picks a free port (the ready line names it).

    A client that does not answer a ping within `ping_timeout` is dropped. The client
    address and scheme are taken from X-Forwarded-For and -Proto only when the request
    comes from one of `trusted_proxies` (comma-separated addresses). Stopping waits for
    clients at most `shutdown_timeout` seconds. `log_format` is "text" or "json".
    """
    limits = limits or ConnectionLimits()
    http, websocket = protocols(limits)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ws_max_size=max_frame_size,
        ws_ping_interval=ping_interval,
        ws_ping_timeout=ping_timeout,
        proxy_headers=True,
        forwarded_allow_ips=trusted_proxies,
        # Chat messages are short: compressing them saves nothing and costs each
        # connection some 30 KiB of compressor state.
        ws_per_message_deflate=False,
        log_config=log_config(log_format),
        lifespan="on",
        http=http,
        ws=websocket,
        timeout_graceful_shutdown=shutdown_timeout,
    )
    # Once shut down gracefully, uvicorn raises again the signal that stopped it;
    # with these handlers that ends the process with status 0 instead of a traceback.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, _exit_cleanly)
    server = _Server(config)
    server.open_files = raise_open_files_limit()
    # Connections that have not sent a request must never take every file descriptor.
    limits.max_pending = min(limits.max_pending, max(1, server.open_files // 2))
    server.run()


def _exit_cleanly(signum, frame):
    raise SystemExit(0)
