"""The servers of the overhead comparisons, served as Diego is served.

Run: python -m bench.echo_servers {diego,minimal,plumbing} --port N [--database-url URL]

- diego: Diego's app (limits, presence, sessions, security headers, logging) with an
  echo bot in place of the real one, through the same provider mechanism as the tests.
- minimal: the Bocadillo tutorial's app with an echo in place of the bot.
- plumbing: the real Diego (worker pool, ChatterBot, catch-up, history) over the knowledge
  base at URL, whose matcher always understands the same thing: what a reply costs
  besides finding the answer.
"""

import argparse
import os

from bocadillo import App, configure, provider

from diego.serving.server import serve


class EchoDiego:
    workers = alive_workers = 1

    async def reply(self, text: str, conversation: str, address: str = "") -> str:
        return text

    async def recent_messages(self, conversation: str, limit: int) -> list[dict]:
        return []

    async def forget(self, conversation: str) -> int:
        return 0


def diego_app():
    from app import app

    @provider(scope="app", name="diego")
    def echo_diego():
        return EchoDiego()

    return app


def plumbing_app(database_url: str):
    from diego.knowledge.understanding import Knowledge, Understanding, Verdict

    understood = Understanding(Verdict.SURE, "Hello", ("Hi!",), 1.0)
    Knowledge.understand = lambda self, text: understood  # before the workers are forked
    os.environ["DATABASE_URL"] = database_url
    from app import app

    return app


def minimal_app():
    app = configure(App())
    clients = set()

    @app.websocket_route("/conversation")
    async def conversation(ws):
        clients.add(ws)
        try:
            async for message in ws:
                await ws.send(message)
        finally:
            clients.remove(ws)

    @app.route("/client-count")
    async def client_count(req, res):
        res.json = {"count": len(clients)}

    return app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", choices=["diego", "minimal", "plumbing"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--database-url", help="the knowledge base (plumbing only)")
    args = parser.parse_args(argv)
    if args.app == "plumbing":
        app = plumbing_app(args.database_url)
    else:
        app = diego_app() if args.app == "diego" else minimal_app()
    serve(app, host="127.0.0.1", port=args.port, max_frame_size=64 * 1024)


if __name__ == "__main__":
    main()
