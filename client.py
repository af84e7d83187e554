"""Chat with Diego from a terminal: each line you type gets Diego's reply."""

import argparse
import asyncio
import sys
import threading

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

DEFAULT_URL = "ws://127.0.0.1:8000/conversation"
PROMPT = "> "


def printable(text: str) -> str:
    """Escape control characters so a reply cannot drive the terminal."""
    return "".join(
        char if char.isprintable() or char == "\n" else char.encode("unicode_escape").decode()
        for char in text
    )


def _read_lines(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue) -> None:
    # A daemon thread: a blocking read never holds up exit on Ctrl+C or server close.
    while True:
        line = sys.stdin.readline()
        loop.call_soon_threadsafe(lines.put_nowait, line)
        if not line:
            return


def _fail(sentence: str, status: int = 1) -> int:
    print(sentence, file=sys.stderr)
    return status


async def chat(url: str) -> int:
    try:
        ws = await websockets.connect(url, max_size=2**20)
    except InvalidURI:
        return _fail(f"{url} is not a WebSocket URL (expected ws://host:port/conversation).", 2)
    except ConnectionRefusedError:
        return _fail(f"Cannot reach Diego at {url}: connection refused. Is the server running?")
    except (TimeoutError, OSError, InvalidHandshake) as exc:
        return _fail(f"Cannot reach Diego at {url}: {exc}.")

    lines: asyncio.Queue = asyncio.Queue()
    threading.Thread(
        target=_read_lines, args=(asyncio.get_running_loop(), lines), daemon=True
    ).start()
    async with ws:
        try:
            while True:
                print(PROMPT, end="", flush=True)
                line = await lines.get()
                if not line:  # Ctrl+D
                    print()
                    return 0
                await ws.send(line.rstrip("\n"))
                print(printable(await ws.recv()))
        except ConnectionClosed as exc:
            print()
            close = exc.rcvd
            why = f" ({close.code}: {printable(close.reason)})" if close and close.reason else ""
            print(f"Diego closed the conversation{why}.", file=sys.stderr)
            return 0 if close and close.code in (1000, 1001) else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Chat with Diego.")
    parser.add_argument("url", nargs="?", default=DEFAULT_URL, help=f"default {DEFAULT_URL}")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(chat(args.url))
    except KeyboardInterrupt:  # Ctrl+C
        print()
        return 0


if __name__ == "__main__":
    sys.exit(main())
