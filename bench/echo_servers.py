"""The two echo servers of the overhead comparison, served as Diego is served.

Run: python -m bench.echo_servers {diego,minimal} --port N

- diego: Diego's app (limits, presence, sessions, security headers, logging) with an
  echo bot in place of the real one, through the same provider mechanism as the tests.
- minimal: the Bocadillo tutorial's app with an echo in place of the bot.
"""

import argparse

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
    parser.add_argument("app", choices=["diego", "minimal"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--database-url", help="ignored: an echo needs no knowledge")
    args = parser.parse_args(argv)
    app = diego_app() if args.app == "diego" else minimal_app()
    serve(app, host="127.0.0.1", port=args.port, max_frame_size=64 * 1024)


if __name__ == "__main__":
    main()
