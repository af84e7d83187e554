"""Black-box: several server processes sharing Redis (presence) and PostgreSQL (knowledge).

These need the real services (Redis at 127.0.0.1:6379, PostgreSQL at 127.0.0.1:5432 on this
project's machines); without them they skip, saying why, unless DIEGO_REQUIRE_SERVICES=1.
"""

import asyncio
import http.cookies
import json
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import websockets

from diego.serving.conversation import CANNOT_THINK

from .conftest import service_or_skip
from .live import FIRST_START_TIMEOUT, ROOT, LiveServer
from .test_server import corpus_replies

SECRET = {"SECRET_KEY": "a-secret-key-shared-by-every-instance-0123"}
PRESENCE_TTL = 6  # seconds: diego.serving.presence.RedisPresence's default


def instance(postgres_url, redis_url, *args, **env):
    return LiveServer(
        postgres_url,
        *args,
        env={**SECRET, "REDIS_URL": redis_url, **env},
        ready_timeout=FIRST_START_TIMEOUT,
    )


async def say(ws, text: str) -> str:
    await ws.send(text)
    return await ws.recv()


def test_every_instance_counts_every_client_and_a_killed_one_leaves_no_phantoms(
    postgres_url, redis_url
):
    with instance(postgres_url, redis_url) as first, instance(postgres_url, redis_url) as second:
        assert "Diego learned" in first.log and "Diego learned" not in second.log

        async def scenario():
            on_first = [await websockets.connect(first.ws_url) for _ in range(2)]
            on_second = [await websockets.connect(second.ws_url) for _ in range(3)]
            counts = [await asyncio.to_thread(s.client_count) for s in (first, second)]
            answer = await say(on_second[0], "How many people are you talking to?")
            second.process.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            left = await asyncio.to_thread(first.wait_for_count, 2, PRESENCE_TTL + 4)
            gone_after = time.monotonic() - killed_at
            for ws in on_first:
                await ws.close()
            return counts, answer, left, gone_after

        counts, answer, left, gone_after = asyncio.run(scenario())
    assert counts == [5, 5]
    assert answer == "5 people, including you."
    assert left == 2 and gone_after <= PRESENCE_TTL + 2


def session_cookie(server) -> str:
    response = server.get("/")
    cookies = http.cookies.SimpleCookie(response.headers["Set-Cookie"])
    return f"session={cookies['session'].coded_value}"


def test_a_session_started_on_one_instance_continues_on_the_other(postgres_url, redis_url):
    with instance(postgres_url, redis_url) as first, instance(postgres_url, redis_url) as second:
        cookie = session_cookie(first)

        async def chat(server, text):
            headers = {"Cookie": cookie}
            async with websockets.connect(server.ws_url, additional_headers=headers) as ws:
                return await say(ws, text)

        asyncio.run(chat(first, "Hello"))
        asyncio.run(chat(second, "How are you?"))
        seen = [json.loads(server.get("/history", cookie).body) for server in (first, second)]
    assert seen[0] == seen[1]
    said = [(m["from"], m["text"]) for m in seen[1]["messages"]]
    assert said[0::2] == [("user", "Hello"), ("user", "How are you?")]
    assert said[3][1] in corpus_replies()["How are you?"]


def test_what_one_instance_learns_the_other_answers(postgres_url, redis_url, tmp_path):
    seed = tmp_path / "seed.yml"
    seed.write_text("conversations:\n- - Who painted the Zebra Sunrise?\n  - Ada Okafor did.\n")
    command = [sys.executable, "-m", "diego", "train", str(seed), "--database-url", postgres_url]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)

    # One teacher is enough here; tests/test_learning.py tests the quorum.
    with instance(postgres_url, redis_url, "--learn", LEARN_QUORUM="1") as first:
        with instance(postgres_url, redis_url, "--learn", LEARN_QUORUM="1") as second:

            async def scenario():
                async with websockets.connect(first.ws_url) as ws:
                    taught = [await say(ws, "Who painted the Zebra Sunrise?")]
                    # Said after Diego's reply: learned as a reply to it, in PostgreSQL.
                    taught.append(await say(ws, "Quokkas smile all day long."))
                # The other instance notices within a second or so (it looks for
                # what other processes wrote once a second).
                deadline = time.monotonic() + 5
                while True:
                    async with websockets.connect(second.ws_url) as ws:
                        answer = await say(ws, "Ada Okafor did.")
                    if answer == "Quokkas smile all day long." or time.monotonic() > deadline:
                        return taught, answer
                    await asyncio.sleep(0.1)

            taught, answer = asyncio.run(scenario())
    assert taught[0] == "Ada Okafor did." and taught[1] != CANNOT_THINK
    assert answer == "Quokkas smile all day long."


def test_text_postgresql_would_refuse_never_reaches_it(postgres_url, redis_url):
    env = {"MAX_MESSAGE_LENGTH": "1100"}
    with instance(postgres_url, redis_url, "--learn", **env) as server:

        async def scenario():
            async with websockets.connect(server.ws_url) as ws:
                longest = await say(ws, "u " * 550)  # 1,100 characters, 1,650 spelled out
                too_long = await say(ws, "a" * 1101)
                return longest, too_long

        longest, too_long = asyncio.run(scenario())
    assert longest != CANNOT_THINK
    assert "1,100 characters" in too_long
    assert "Traceback" not in server.log


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own, on a free port, that the test may stop and restart."""
    binary = shutil.which("redis-server")

    def found():
        if binary is None:
            raise FileNotFoundError("no redis-server on PATH to start a private Redis")

    service_or_skip("redis-server", found)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        binary,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]

    class Private:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    return
                except OSError:
                    time.sleep(0.05)
            raise RuntimeError("private redis-server did not start")

        def stop(self):
            self.process.terminate()
            self.process.wait(5)

    private = Private()
    private.start()
    yield private
    if private.process.poll() is None:
        private.stop()


def test_redis_going_away_and_back_the_server_chats_on_and_the_count_recovers(
    trained_database, private_redis
):
    with LiveServer(trained_database, env={**SECRET, "REDIS_URL": private_redis.url}) as server:

        async def scenario():
            async with websockets.connect(server.ws_url) as ws:
                before = await asyncio.to_thread(server.client_count)
                private_redis.stop()
                during_answer = await say(ws, "Hello")
                during_count = await asyncio.to_thread(server.client_count)
                private_redis.start()
                after = await asyncio.to_thread(server.wait_for_count, 1, PRESENCE_TTL)
                return before, during_answer, during_count, after

        before, during_answer, during_count, after = asyncio.run(scenario())
    assert (before, during_count, after) == (1, 1, 1)
    assert during_answer in corpus_replies()["Hello"]
    # Once for the outage (a Redis still starting may refuse once more), not at every try.
    assert 1 <= server.log.count("Redis is unreachable") <= 2
    assert server.log.rindex("Redis is back") > server.log.rindex("Redis is unreachable")


def test_a_nul_byte_gets_a_polite_reply_and_breaks_no_one_elses_replies(postgres_url, redis_url):
    with instance(postgres_url, redis_url, "--learn", BOT_WORKERS="1") as server:

        async def scenario():
            async with websockets.connect(server.ws_url) as attacker:
                async with websockets.connect(server.ws_url) as victim:
                    said, heard = [], []
                    for _ in range(5):
                        said.append(await say(attacker, "Hello\x00, anyone?"))
                        heard.append(await say(victim, "Hello"))
                    return said, heard

        said, heard = asyncio.run(scenario())
    assert all("NUL character" in reply for reply in said)
    assert all(reply in corpus_replies()["Hello"] for reply in heard), heard
    assert "Traceback" not in server.log


FAILED_STATEMENT = """
import sys
from diego.knowledge.bot import Diego
from diego.knowledge.training import train

diego = Diego(sys.argv[1], learn_from_users=True)
train(diego, ["chatterbot.corpus.english.greetings"])
try:
    diego.reply("Hello\\x00", "attacker")  # PostgreSQL refuses NUL in text
except Exception as exc:
    print("refused:", type(exc).__name__)
print("then:", diego.reply("Hello", "victim"))
"""


def test_a_failed_statement_does_not_fail_the_next_reply(postgres_url):
    # In a process of its own: ChatterBot sets SQLite pragmas on every engine of a
    # process that ever opened SQLite, PostgreSQL's included.
    done = subprocess.run(
        [sys.executable, "-c", FAILED_STATEMENT, postgres_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "refused: " in done.stdout
    (then,) = [line for line in done.stdout.splitlines() if line.startswith("then: ")]
    assert then.removeprefix("then: ") in corpus_replies()["Hello"]
