"""Learning against a real `python app.py`: nobody alone can teach Diego what he says to
others (Microsoft Tay's attack), while what many people teach him, he learns."""

import asyncio
import collections
import subprocess
import sys
import time

import pytest
import websockets

from .conftest import copy_of
from .live import ROOT, LiveServer

KNOCK_KNOCK = "conversations:\n- - Knock knock\n  - Who is there?\n"
ATTACK_MESSAGES = 1000
VICTIMS = 100


@pytest.fixture(scope="module")
def server(trained_database, tmp_path_factory):
    folder = tmp_path_factory.mktemp("learning")
    url = copy_of(trained_database, folder)
    corpus = folder / "knock.yml"
    corpus.write_text(KNOCK_KNOCK)
    train = [sys.executable, "-m", "diego", "train", str(corpus), "--database-url", url]
    subprocess.run(train, cwd=ROOT, check=True, capture_output=True)
    fast = {"RATE_LIMIT": "100000", "RATE_BURST": "100000", "MAX_CLIENTS_PER_IP": "1000"}
    with LiveServer(url, "--learn", env=fast) as server:
        yield server


async def say(ws, text: str) -> str:
    await ws.send(text)
    return await ws.recv()


def connect(server, address: str = "127.0.0.1"):
    # Loopback has a whole /8: each person comes from an address of their own.
    return websockets.connect(server.ws_url, local_addr=(address, 0))


def attack(server, messages: int) -> tuple[str, int]:
    """Tay's attack from one address: "Hi", then a new insult after each of Diego's
    answers, over a new conversation every 20 messages. Returns the prompt most taught
    and how many insults were taught to it."""

    async def run():
        taught = collections.Counter()
        sent = 0
        while sent < messages:
            # A new connection is a new conversation: the attacker spreads over many.
            async with connect(server) as ws:
                for _ in range(10):
                    prompt = await say(ws, "Hi")
                    await say(ws, f"You are all fools, says fool number {sent}.")
                    taught[prompt] += 1
                    sent += 2
        return taught.most_common(1)[0]

    return asyncio.run(run())


def victims_hurt(server, prompt: str, victims: int) -> list[str]:
    """What the attacker taught that `victims` people, each on an address of their own,
    were told when they said `prompt`."""

    async def victim(number: int):
        async with connect(server, f"127.0.{2 + number // 200}.{1 + number % 200}") as ws:
            return await say(ws, prompt)

    async def run():
        return await asyncio.gather(*(victim(number) for number in range(victims)))

    return [reply for reply in asyncio.run(run()) if "fool" in reply]


def test_one_address_teaching_a_thousand_times_reaches_no_one(server):
    prompt, variants = attack(server, ATTACK_MESSAGES)
    assert variants >= 50  # most of the attack went to one of Diego's greetings
    hurt = victims_hurt(server, prompt, VICTIMS)
    assert len(hurt) <= VICTIMS // 100, hurt[:3]
    assert "Traceback" not in server.log


def test_three_people_teach_an_exchange_and_the_fourth_hears_it(server):
    async def teach(address: str) -> None:
        async with connect(server, address) as ws:
            assert await say(ws, "Knock knock") == "Who is there?"
            await say(ws, "Lettuce.")

    async def ask(address: str) -> str:
        async with connect(server, address) as ws:
            return await say(ws, "Who is there?")

    asyncio.run(teach("127.0.9.1"))
    asyncio.run(teach("127.0.9.2"))
    assert asyncio.run(ask("127.0.9.4")) != "Lettuce."
    asyncio.run(teach("127.0.9.3"))
    assert asyncio.run(ask("127.0.9.4")) == "Lettuce."
    # The operator erases it while the server runs: gone within a second or so, when the
    # server's look for changes made by other processes finds it.
    forget = [sys.executable, "-m", "diego", "forget", "--text", "lettuce"]
    forgotten = subprocess.run(
        [*forget, "--database-url", server.database_url],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    assert forgotten.stdout == "Forgot 3 statement(s).\n"
    deadline = time.monotonic() + 5
    while asyncio.run(ask("127.0.9.5")) == "Lettuce." and time.monotonic() < deadline:
        time.sleep(0.1)
    assert asyncio.run(ask("127.0.9.5")) != "Lettuce."
