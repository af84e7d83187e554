"""Black-box: sessions, history and the count question against a real server."""

import asyncio
import http.cookies
import json
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request

import websockets

from ..live import ROOT, LiveServer
from ..test_server import corpus_replies


def session_cookie(response) -> str:
    """`session=...` from the response's Set-Cookie header, ready to send back."""
    cookies = http.cookies.SimpleCookie(response.headers["Set-Cookie"])
    return f"session={cookies['session'].coded_value}"


def history(server, cookie: str) -> dict:
    return json.loads(server.get("/history", cookie).body)


async def chat(url: str, cookie: str | None, *texts: str) -> list[str]:
    headers = {"Cookie": cookie} if cookie else None
    async with websockets.connect(url, additional_headers=headers) as ws:
        replies = []
        for text in texts:
            await ws.send(text)
            replies.append(await ws.recv())
        return replies


def test_count_question_with_one_two_and_three_live_clients(server):
    assert server.wait_for_count(0) == 0

    async def scenario():
        async def say(ws, text):
            await ws.send(text)
            return await ws.recv()

        url = server.ws_url
        async with websockets.connect(url) as first:
            answers = [await say(first, "How many people are you talking to?")]
            async with websockets.connect(url) as second:
                answers.append(await say(second, "how many users are online"))
                async with websockets.connect(url) as third:
                    answers.append(await say(third, "r u talking to anyone else"))
                    answers.append(
                        await say(first, "How many people are you talking to currently?")
                    )
                    answers.append(await say(second, "How many people live in France?"))
            assert await asyncio.to_thread(server.wait_for_count, 1) == 1
            answers.append(await say(first, "Is anyone else here?"))
        return answers

    assert asyncio.run(scenario()) == [
        "Just you!",
        "2 people, including you.",
        "3 people, including you.",
        "3 people, including you.",
        "I'm not sure I understand. Could you say it another way?",
        "Just you!",
    ]


def test_a_session_continues_across_reconnects_and_others_never_see_it(server):
    cookie = session_cookie(server.get("/"))
    conversation = history(server, cookie)["conversation"]
    asyncio.run(chat(server.ws_url, cookie, "Hello"))
    asyncio.run(chat(server.ws_url, cookie, "How are you?"))
    after = history(server, cookie)
    assert after["conversation"] == conversation
    said = [(m["from"], m["text"]) for m in after["messages"]]
    assert said[0::2] == [("user", "Hello"), ("user", "How are you?")]
    assert said[1][1] in corpus_replies()["Hello"]
    assert said[3][1] in corpus_replies()["How are you?"]

    stranger = session_cookie(server.get("/"))
    theirs = history(server, stranger)
    assert theirs["conversation"] != conversation and theirs["messages"] == []


def test_a_forged_cookie_starts_a_fresh_conversation(server):
    cookie = session_cookie(server.get("/"))
    conversation = history(server, cookie)["conversation"]
    for forged in ["session=garbage", cookie[:-2] + "xx", "session=a.b.c"]:
        response = server.get("/history", forged)
        assert response.status == 200
        assert json.loads(response.body)["conversation"] != conversation
        assert asyncio.run(chat(server.ws_url, forged, "Hello"))[0] in corpus_replies()["Hello"]
    assert "Traceback" not in server.log


def test_development_key_is_kept_in_a_file_and_survives_a_restart(tmp_path, trained_database):
    key_file = tmp_path / "secret-key"
    env = {"SECRET_KEY": None, "SECRET_KEY_FILE": str(key_file), "FALLBACK_REPLY": "Say again?"}
    with LiveServer(trained_database, env=env) as server:
        assert "SECRET_KEY is not set" in server.log and str(key_file) in server.log
        cookie = session_cookie(server.get("/"))
        asyncio.run(chat(server.ws_url, cookie, "Hello"))
        conversation = history(server, cookie)["conversation"]
        assert asyncio.run(chat(server.ws_url, cookie, "qwxz")) == ["Say again?"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with LiveServer(trained_database, env=env) as server:
        after = history(server, cookie)
    assert after["conversation"] == conversation and len(after["messages"]) == 4


def test_production_refuses_to_start_without_a_secret_key():
    finished = subprocess.run(
        [sys.executable, "app.py", "--port", "0"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "ENVIRONMENT": "production"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 1
    assert "SECRET_KEY must be set in production" in finished.stderr
    assert "Traceback" not in finished.stderr


def delete_history(server, cookie: str):
    request = urllib.request.Request(
        server.http("/history"), headers={"Cookie": cookie}, method="DELETE"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response), session_cookie(response)


def test_delete_history_erases_the_callers_conversation_only_and_starts_a_new_one(server):
    cookie = session_cookie(server.get("/"))
    stranger = session_cookie(server.get("/"))
    asyncio.run(chat(server.ws_url, cookie, "Hello", "How are you?"))
    asyncio.run(chat(server.ws_url, stranger, "Hello"))
    forgotten = history(server, cookie)["conversation"]

    answer, renewed = delete_history(server, cookie)
    assert answer["erased"] == 4
    assert answer["conversation"] != forgotten
    after = history(server, renewed)
    assert (after["conversation"], after["messages"]) == (answer["conversation"], [])
    # The old cookie names the erased conversation: nothing of it is left.
    assert history(server, cookie)["messages"] == []
    assert len(history(server, stranger)["messages"]) == 2
    assert asyncio.run(chat(server.ws_url, renewed, "Hello"))[0] in corpus_replies()["Hello"]


def test_history_older_than_the_retention_is_pruned_at_start(tmp_path, trained_database):
    from ..conftest import copy_of

    url = copy_of(trained_database, tmp_path)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        insert = "insert into diego_message (conversation, sender, text, sent_at) values "
        db.execute(insert + "('old', 'user', 'said long ago', '2000-01-01 00:00:00')")
        db.execute(insert + "('recent', 'user', 'said just now', datetime('now'))")
    with LiveServer(url, env={"HISTORY_RETENTION_DAYS": "30"}) as server:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "older than 30 days" not in server.log:
            time.sleep(0.1)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        left = [text for (text,) in db.execute("select text from diego_message")]
    assert "said long ago" not in left and "said just now" in left
    assert "Erased 1 messages older than 30 days from the history" in server.log
