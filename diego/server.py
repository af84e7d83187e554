"""Serve an ASGI app with uvicorn and say, in one line, when Diego is ready."""

import copy
import logging
import signal

import uvicorn
from uvicorn.config import LOGGING_CONFIG

logger = logging.getLogger("diego")


class _Server(uvicorn.Server):
    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            logger.info(
                "Diego is ready: chat at ws://%s:%d/conversation, count at http://%s:%d/client-count",
                host,
                port,
                host,
                port,
            )


def log_config() -> dict:
    """uvicorn's logging configuration, with Diego's own logger beside it."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["diego"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(app, *, host: str, port: int, max_frame_size: int) -> None:
    """Run `app` until interrupted. Port 0 picks a free port (the ready line names it)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ws_max_size=max_frame_size,
        # Chat messages are short: compressing them saves nothing and costs each
        # connection some 30 KiB of compressor state.
        ws_per_message_deflate=False,
        log_config=log_config(),
        lifespan="on",
    )
    # Once shut down gracefully, uvicorn raises again the signal that stopped it;
    # with these handlers that ends the process with status 0 instead of a traceback.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, _exit_cleanly)
    _Server(config).run()


def _exit_cleanly(signum, frame):
    raise SystemExit(0)
