"""Chat with Diego from a terminal: each line you type gets Diego's reply."""

import argparse
import asyncio
import http.cookies
import json
import os
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

DEFAULT_URL = "ws://127.0.0.1:8000/conversation"
PROMPT = "> "
SESSION_COOKIE = "session"
EARLIER_SHOWN = 6  # earlier messages repeated when a conversation continues


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


def default_session_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "diego" / "sessions.json"


class SavedSessions:
    """Session cookies by server, kept in a file so the next run continues the conversation."""

    def __init__(self, path: Path):
        self.path = path

    def _load(self) -> dict:
        try:
            sessions = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return sessions if isinstance(sessions, dict) else {}

    def get(self, server: str) -> str | None:
        cookie = self._load().get(server)
        return cookie if isinstance(cookie, str) else None

    def put(self, server: str, cookie: str) -> None:
        sessions = {**self._load(), server: cookie}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            # The cookie lets whoever holds it read the conversation: owner only.
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                json.dump(sessions, file)
            os.replace(temporary, self.path)
        except OSError as exc:
            print(f"(Cannot save the session in {self.path}: {exc.strerror}.)", file=sys.stderr)


def fetch_history(url: str, cookie: str | None) -> tuple[list, str | None]:
    """Ask the server for the session's earlier messages; return them and the session cookie.

    Without a cookie, or with one the server no longer accepts, the server starts a
    session and the returned cookie names its new conversation.
    """
    answer, cookie = _history(url, cookie, "GET")
    messages = answer.get("messages", [])
    return messages if isinstance(messages, list) else [], cookie


def forget_history(url: str, cookie: str | None) -> tuple[int | None, str | None]:
    """Ask the server to erase the session's conversation; return how many messages it
    had (None if the server could not say) and the session cookie, for a new one."""
    answer, cookie = _history(url, cookie, "DELETE")
    erased = answer.get("erased")
    return erased if isinstance(erased, int) else None, cookie


def _history(url: str, cookie: str | None, method: str) -> tuple[dict, str | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme)
    if scheme is None:
        return {}, cookie
    request = urllib.request.Request(
        urllib.parse.urlunsplit((scheme, parts.netloc, "/history", "", "")),
        headers={"Cookie": cookie} if cookie else {},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.load(response)
            set_cookies = response.headers.get_all("Set-Cookie") or []
    except (OSError, ValueError):
        # An older server, or none: chat without a session.
        return {}, cookie
    for header in set_cookies:
        cookies = http.cookies.SimpleCookie(header)
        if SESSION_COOKIE in cookies:
            cookie = f"{SESSION_COOKIE}={cookies[SESSION_COOKIE].coded_value}"
    return answer if isinstance(answer, dict) else {}, cookie


def _show_earlier(messages: list) -> None:
    print(
        f"Continuing your conversation ({len(messages)} earlier messages; "
        "--new starts a fresh one)."
    )
    for message in messages[-EARLIER_SHOWN:]:
        text = printable(str(message.get("text", "")))
        print(PROMPT + text if message.get("from") == "user" else text)


def _fail(sentence: str, status: int = 1) -> int:
    print(sentence, file=sys.stderr)
    return status


async def chat(url: str, sessions: SavedSessions, new: bool = False, forget: bool = False) -> int:
    server = urllib.parse.urlsplit(url)._replace(path="", query="", fragment="").geturl()
    saved = None if new else sessions.get(server)
    if forget and saved:
        erased, saved = await asyncio.to_thread(forget_history, url, saved)
        if erased is None:
            return _fail(f"Could not erase the conversation at {server}: try again later.")
        print(f"Forgot our conversation ({erased} messages erased); starting a new one.")
    earlier, cookie = await asyncio.to_thread(fetch_history, url, saved)
    try:
        ws = await websockets.connect(
            url, max_size=2**20, additional_headers={"Cookie": cookie} if cookie else None
        )
    except InvalidURI:
        return _fail(f"{url} is not a WebSocket URL (expected ws://host:port/conversation).", 2)
    except ConnectionRefusedError:
        return _fail(f"Cannot reach Diego at {url}: connection refused. Is the server running?")
    except (TimeoutError, OSError, InvalidHandshake) as exc:
        return _fail(f"Cannot reach Diego at {url}: {exc}.")

    if cookie and cookie != sessions.get(server):
        sessions.put(server, cookie)
    if earlier:
        _show_earlier(earlier)
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
    parser.add_argument(
        "--new", action="store_true", help="start a fresh conversation instead of continuing"
    )
    parser.add_argument(
        "--session-file",
        type=Path,
        default=default_session_file(),
        help="where sessions are kept between runs (default: %(default)s)",
    )
    parser.add_argument(
        "--forget",
        action="store_true",
        help="erase the conversation kept on the server, then start a new one",
    )
    args = parser.parse_args(argv)
    try:
        sessions = SavedSessions(args.session_file)
        return asyncio.run(chat(args.url, sessions, new=args.new, forget=args.forget))
    except KeyboardInterrupt:  # Ctrl+C
        print()
        return 0


if __name__ == "__main__":
    sys.exit(main())
