"""GET /metrics against a real `python app.py`: after a scripted conversation, every
metric says what happened; and only allowed addresses may read it."""

import asyncio
import os
import signal
import time
import urllib.error
import urllib.request

import pytest
import websockets

from bench.full_speed import descendants
from diego import DEFAULT_FALLBACK_REPLY
from diego.knowledge.matching import asked_about

from .conftest import copy_of
from .live import LiveServer

LIMITS = {"RATE_LIMIT": "1", "RATE_BURST": "12", "MAX_CLIENTS_PER_IP": "2", "BOT_WORKERS": "2"}
TOO_FAST = "You're sending messages faster than I can read them: please slow down."


def scrape(server, headers=None) -> dict[str, float]:
    request = urllib.request.Request(server.http("/metrics"), headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["content-type"].startswith("text/plain")
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def outcome(reply: str) -> str:
    if reply == DEFAULT_FALLBACK_REPLY:
        return "fallback"
    if reply == TOO_FAST:
        return "rate_limited"
    if asked_about(reply) is not None:
        return "clarified"
    return "answered"


async def conversation(server, outcomes: list[str]) -> None:
    """One person talking to Diego, with learning on: the outcomes the client saw."""
    async with websockets.connect(server.ws_url) as ws:
        for text in [
            "Hello",  # no reply of Diego's before: teaches nothing
            "qwzx blorp fnord",  # after an answer: learned (waits for its quorum)
            "I have no internet access at all right now",  # Diego asks
            "yes",  # after a question: teaches nothing
            "Visit evil.example now",  # after an answer: refused, a link
        ]:
            await ws.send(text)
            outcomes.append(outcome(await ws.recv()))
        await ws.send("   ")
        await ws.recv()
        outcomes.append("invalid")
        await ws.send("x" * 1001)
        await ws.recv()
        outcomes.append("too_long")


async def too_fast(server, outcomes: list[str]) -> int:
    """A client that floods until dropped; return how many messages it sent."""
    sent = 0
    async with websockets.connect(server.ws_url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await ws.send("   ")
                sent += 1
                reply = await ws.recv()
                outcomes.append("rate_limited" if reply == TOO_FAST else "invalid")
    assert closed.value.rcvd.code == 1008
    return sent


async def refusals(server) -> None:
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(server.ws_url, origin="http://evil.example")
    async with websockets.connect(server.ws_url), websockets.connect(server.ws_url):
        assert scrape(server)["diego_clients_connected"] == 2
        third = await websockets.connect(server.ws_url)
        with pytest.raises(websockets.ConnectionClosed):
            await third.recv()
        assert third.close_code == 1013


def test_metrics_count_what_happened(trained_database, tmp_path):
    # Learning writes: a copy of the trained knowledge base.
    with LiveServer(copy_of(trained_database, tmp_path), "--learn", env=LIMITS) as server:
        assert scrape(server)["diego_workers_alive"] == 2
        outcomes: list[str] = []
        asyncio.run(conversation(server, outcomes))
        flooded = asyncio.run(too_fast(server, outcomes))
        asyncio.run(refusals(server))
        _zygote, *workers = descendants(server.process.pid)
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while scrape(server)["diego_worker_restarts_total"] < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the replacement, forked
        metrics = scrape(server)

    assert "clarified" in outcomes and "fallback" in outcomes and "answered" in outcomes
    for name in ["answered", "fallback", "clarified", "invalid", "too_long", "rate_limited"]:
        assert metrics[f'diego_replies_total{{outcome="{name}"}}'] == outcomes.count(name), name
    assert metrics['diego_replies_total{outcome="apology"}'] == 0
    assert metrics["diego_reply_seconds_count"] == len(outcomes)
    assert 0 < metrics["diego_reply_seconds_sum"] < len(outcomes) * 2
    assert metrics['diego_reply_seconds_bucket{le="+Inf"}'] == len(outcomes)
    assert metrics["diego_messages_received_total"] == 7 + flooded
    # The conversation, the flood, the two seated clients; not the refused.
    assert metrics["diego_connections_opened_total"] == 4
    assert metrics['diego_connections_refused_total{reason="origin"}'] == 1
    assert metrics['diego_connections_refused_total{reason="per_address"}'] == 1
    assert metrics['diego_connections_refused_total{reason="rate"}'] == 1
    assert metrics['diego_connections_refused_total{reason="full"}'] == 0
    assert metrics["diego_clients_connected"] == 0
    assert metrics['diego_teachings_total{result="learned"}'] == 1
    assert metrics['diego_teachings_total{result="refused"}'] == 1
    assert metrics["diego_database_errors_total"] == 0
    assert metrics["diego_worker_restarts_total"] == 1
    assert metrics["diego_workers_alive"] == 2
    assert 0 < metrics["diego_metrics_render_seconds"] < 1  # the scrape before


@pytest.mark.parametrize(
    "allowed, headers",
    [
        ("10.0.0.0/8", {}),  # loopback is not on the list
        ("127.0.0.1,::1", {"X-Forwarded-For": "203.0.113.9"}),  # through a proxy
    ],
)
def test_metrics_are_not_served_to_others(trained_database, allowed, headers):
    with LiveServer(trained_database, env={"METRICS_ALLOWED": allowed}) as server:
        with pytest.raises(urllib.error.HTTPError) as refused:
            scrape(server, headers)
        assert refused.value.code == 404
