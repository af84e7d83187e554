"""Diego's web application: the routes, over the providers in providerconf.py."""

import argparse
import logging
import os
import sys
from pathlib import Path

from bocadillo import App, Templates, configure

from diego.serving.conversation import TRY_AGAIN_LATER, converse, forbid, one_line, refuse
from diego.serving.headers import HeaderSizeLimit, SecurityHeaders
from diego.serving.limits import Buckets, Full, TokenBucket
from diego.serving.metrics import CONTENT_TYPE, address_list
from diego.serving.sessions import (
    SESSION_MAX_AGE,
    SessionGuard,
    conversation_of,
    development_secret_key,
    start_new_conversation,
)
from settings import Settings, SettingsError

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("diego")
# How many earlier messages /history returns.
HISTORY_LENGTH = 100


def session_secret_key() -> str:
    """SECRET_KEY, or in development a key made once and kept in SECRET_KEY_FILE."""
    try:
        settings = Settings.from_environ()
    except SettingsError as exc:
        sys.exit(f"diego: {exc}")
    if settings.secret_key:
        return settings.secret_key
    try:
        return development_secret_key(settings.secret_key_file)
    except (OSError, ValueError) as exc:
        sys.exit(f"diego: cannot use the development secret key ({exc}); set SECRET_KEY")


secret_key = session_secret_key()
app = configure(
    App(),
    PROVIDER_MODULES=["providerconf"],
    STATIC_DIR=str(HERE / "static"),
    SESSIONS={"secret_key": secret_key, "max_age": SESSION_MAX_AGE, "same_site": "lax"},
)
app.add_middleware(SessionGuard, secret_key=secret_key, max_age=SESSION_MAX_AGE)
app.add_middleware(SecurityHeaders)
app.add_middleware(HeaderSizeLimit)
templates = Templates(directory=HERE / "templates")


@app.route("/")
async def index(req, res, config):
    conversation_of(req.session)  # so that a reload continues the same conversation
    res.html = await templates.render("index.html", max_message_length=config.max_message_length)


@app.websocket_route("/conversation", auto_accept=False)
async def conversation(ws, diego, save_client, config, admission, metrics, reply_outcome):
    # Cross-site WebSocket hijacking: a page from another origin gets 403.
    if not admission.origin_allowed(ws.headers.get("origin"), ws.headers.get("host")):
        metrics.refused.labels("origin").inc()
        await forbid(ws.receive_event, ws.send_event)
        return
    address = ws.client.host if ws.client else ""
    try:
        seat = admission.seat(address)
    except Full as full:
        metrics.refused.labels(full.reason).inc()
        await refuse(ws.receive_event, ws.send_event, TRY_AGAIN_LATER, str(full))
        return
    metrics.opened.inc()
    # A client without a session (the REPL, say) gets a conversation of its own.
    conversation_id = conversation_of(ws.session)
    with seat:
        async with save_client():
            await converse(
                ws.receive_event,
                ws.send_event,
                lambda text: diego.reply(text, conversation=conversation_id, address=address),
                max_message_length=config.max_message_length,
                bucket=Buckets(TokenBucket(config.rate_limit, config.rate_burst), seat.bucket),
                metrics=metrics,
                outcome_of=reply_outcome,
            )


@app.route("/history", methods=["get", "delete"])
async def history(req, res, diego):
    conversation_id = conversation_of(req.session)
    res.headers["cache-control"] = "no-store"
    try:
        if req.method == "DELETE":
            # Erased, and the session goes on in a new conversation.
            erased = await diego.forget(conversation_id)
            res.json = {"erased": erased, "conversation": start_new_conversation(req.session)}
            return
        messages = await diego.recent_messages(conversation_id, HISTORY_LENGTH)
    except Exception as exc:
        logger.error("Could not read or erase a conversation's history: %s", one_line(exc))
        res.status_code = 503
        res.json = {"error": "The history cannot be reached right now: try again in a moment."}
        return
    res.json = {"conversation": conversation_id, "messages": messages}


@app.route("/client-count")
async def client_count(req, res, clients):
    res.json = {"count": await clients.count()}


@app.route("/health")
async def health(req, res, diego, database):
    database_state = await database.state()
    ready = database_state == "ok" and diego.alive_workers > 0
    res.status_code = 200 if ready else 503
    res.headers["cache-control"] = "no-store"
    res.json = {
        "status": "ok" if ready else "unavailable",
        "workers": diego.alive_workers,
        "expected_workers": diego.workers,
        "database": database_state,
    }


@app.route("/metrics")
async def prometheus_metrics(req, res, config, metrics):
    # Not for the public: what a server counts can help an attacker time an attack. A
    # request through a proxy is a public one, even from a proxy on this machine.
    proxied = "x-forwarded-for" in req.headers or "forwarded" in req.headers
    allowed = req.client is not None and req.client.host in address_list(config.metrics_allowed)
    if proxied or not allowed:
        res.status_code = 404
        res.text = "Not Found"
        return
    res.headers["content-type"] = CONTENT_TYPE
    res.headers["cache-control"] = "no-store"
    res.text = metrics.exposition().decode()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run Diego's chat server.")
    parser.add_argument("--host", help="interface to listen on (HOST, default 127.0.0.1)")
    parser.add_argument("--port", help="port to listen on, 0 for any free one (PORT, default 8000)")
    parser.add_argument("--database-url", help="knowledge base, a SQLAlchemy URL (DATABASE_URL)")
    parser.add_argument(
        "--learn", action="store_true", help="learn from what users say (LEARN_FROM_USERS)"
    )
    args = parser.parse_args(argv)
    # Flags stand for their environment variables, which the providers read at startup.
    flags = {"HOST": args.host, "PORT": args.port, "DATABASE_URL": args.database_url}
    os.environ.update({name: value for name, value in flags.items() if value is not None})
    if args.learn:
        os.environ["LEARN_FROM_USERS"] = "true"
    try:
        config = Settings.from_environ()
    except SettingsError as exc:
        sys.exit(f"diego: {exc}")
    serve(app, config)


def serve(asgi_app, config: Settings) -> None:
    """Serve `asgi_app` with uvicorn, as production does."""
    from diego.serving.connections import ConnectionLimits
    from diego.serving.server import serve

    serve(
        asgi_app,
        host=config.host,
        port=config.port,
        max_frame_size=config.max_frame_size,
        ping_interval=config.ping_interval,
        ping_timeout=config.ping_timeout,
        trusted_proxies=config.trusted_proxies,
        limits=ConnectionLimits(
            handshake_timeout=config.handshake_timeout,
            max_pending=config.max_pending_connections,
            max_unsent=config.max_unsent_bytes,
        ),
        shutdown_timeout=config.shutdown_timeout,
        log_format=config.log_format,
    )


if __name__ == "__main__":
    main()
