"""Diego's web application: the routes, over the providers in providerconf.py."""

import argparse
import os
import sys
from pathlib import Path

from bocadillo import App, Templates, configure

from diego.conversation import converse
from diego.headers import SecurityHeaders
from settings import Settings, SettingsError

HERE = Path(__file__).resolve().parent

app = configure(App(), PROVIDER_MODULES=["providerconf"], STATIC_DIR=str(HERE / "static"))
app.add_middleware(SecurityHeaders)
templates = Templates(directory=HERE / "templates")


@app.route("/")
async def index(req, res, config):
    res.html = await templates.render("index.html", max_message_length=config.max_message_length)


@app.websocket_route("/conversation", auto_accept=False)
async def conversation(ws, diego, save_client, config):
    async with save_client() as client_id:
        await converse(
            ws.receive_event,
            ws.send_event,
            lambda text: diego.reply(text, conversation=client_id),
            max_message_length=config.max_message_length,
        )


@app.route("/client-count")
async def client_count(req, res, clients):
    res.json = {"count": await clients.count()}


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

    from diego.server import serve

    serve(app, host=config.host, port=config.port, max_frame_size=config.max_frame_size)


if __name__ == "__main__":
    main()
