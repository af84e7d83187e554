"""Diego's server stack with an echo route, for the Autobahn cases (tests only).

The route exists only in this module, which production never imports: `app.py` serves
no echo. The stack is production's: the same app, middleware and uvicorn settings.

Run: python -m tests.autobahn_app --port N
"""

import argparse
import dataclasses

from app import app, serve
from settings import Settings

ECHO_PATH = "/autobahn-echo"


@app.websocket_route(ECHO_PATH, auto_accept=False)
async def echo(ws):
    await ws.receive_event()  # connect
    await ws.send_event({"type": "websocket.accept"})
    while True:
        message = await ws.receive_event()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await ws.send_event({"type": "websocket.send", "text": message["text"]})
        else:
            await ws.send_event({"type": "websocket.send", "bytes": message["bytes"]})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--database-url", help="ignored: an echo needs no knowledge")
    args = parser.parse_args(argv)
    serve(app, dataclasses.replace(Settings.from_environ(), host="127.0.0.1", port=args.port))


if __name__ == "__main__":
    main()
