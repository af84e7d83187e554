"""A real Diego server for tests: `python app.py` on a free port, with its log."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNLIMITED_ADDRESS = {"RATE_LIMIT_PER_IP": "1000000", "RATE_BURST_PER_IP": "1000000"}
READY = re.compile(r"Diego is ready: chat at ws://[\d.]+:(\d+)/conversation")


def rss_kib(pid: int) -> int:
    """A process's resident memory, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# A first start on a new database encodes every prompt and phrasing once: most of a minute
# on 2 cores, more when the machine is busy.
FIRST_START_TIMEOUT = 300


class LiveServer:
    """Starts `python app.py` (on a free port unless given one) and waits for its ready line.

    Use as a context manager; `log` holds everything the server printed.
    """

    def __init__(
        self,
        database_url: str,
        *args: str,
        port: int = 0,
        env=None,
        ready_timeout: float = 60,
        command=(sys.executable, "app.py"),
    ):
        self.database_url = database_url
        self.command = [*command, "--port", str(port), "--database-url", database_url, *args]
        # A variable given as None is removed from the server's environment. Every test
        # client comes from one address: only the tests of that limit keep it.
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **UNLIMITED_ADDRESS, **(env or {})}
        self.env = {name: value for name, value in env.items() if value is not None}
        self.ready_timeout = ready_timeout
        self.lines: list[str] = []
        self.port = None
        self.process = None
        self.started_at = None
        self.ready_at = None

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def __enter__(self):
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(ready,), daemon=True)
        self._reader.start()
        if not ready.wait(self.ready_timeout) or self.port is None:
            self.stop()
            raise RuntimeError(f"Diego did not get ready:\n{self.log}")
        return self

    def _read(self, ready: threading.Event) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            match = READY.search(line)
            if match:
                self.ready_at = time.monotonic()
                self.port = int(match.group(1))
                ready.set()
        ready.set()  # the server exited

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self) -> int:
        """Stop the server as a terminal or a process manager would (SIGTERM)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        # Its last lines, read before anyone looks at `log` (workers that outlive a
        # killed server hold the pipe open for a second at most).
        self._reader.join(2)
        return status

    def http(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, cookie: str | None = None):
        """GET `path` with an optional Cookie header; return the response, body read."""
        request = urllib.request.Request(self.http(path), headers={"Cookie": cookie or ""})
        with urllib.request.urlopen(request, timeout=5) as response:
            response.body = response.read()
        return response

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/conversation"

    def client_count(self) -> int:
        with urllib.request.urlopen(self.http("/client-count"), timeout=5) as response:
            return json.load(response)["count"]

    def wait_for_count(self, expected: int, timeout: float = 10) -> int:
        """Poll /client-count until it reads `expected`; return the last value read."""
        deadline = time.monotonic() + timeout
        count = self.client_count()
        while count != expected and time.monotonic() < deadline:
            time.sleep(0.05)
            count = self.client_count()
        return count
