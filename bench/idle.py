"""100,000 idle conversations on one machine (issue 15): exact count, memory per
connection, a newcomer answered in time, and every connection closed cleanly.

Run: uv run python -m bench.idle [--connections N]

The server is the real `python app.py` (with its limits raised to hold them all, and
its default keep-alive pings). Where one process may not hold them all (its open-files
hard limit, which only CAP_SYS_RESOURCE raises), as many servers as it takes share the
work on one machine, as they would behind a load balancer: one knowledge base, and the
count kept across them in Redis (REDIS_URL, default redis://127.0.0.1:6379/14). Clients
are lean: a WebSocket handshake over a raw socket, then nothing but answering the
server's pings, spread over several processes and several loopback addresses
(127.0.0.2, 127.0.0.3, ...: one address has about 28,000 ports). Memory is the servers'
RSS, their workers apart (they hold the bot, not clients). Goals: count exact; <= 20 KiB
of server RSS per connection; a newcomer's handshake and first reply within 100 ms; all
closed cleanly (count back to 0).
"""

import argparse
import asyncio
import base64
import contextlib
import json
import multiprocessing
import os
import re
import resource
import struct
import sys
import tempfile
import time
from pathlib import Path

import redis
import websockets

from bench.scale_out import REDIS_URL
from tests.conftest import trained_knowledge
from tests.live import LiveServer, rss_kib

PER_PROCESS = 12_500  # connections a client process holds
PER_ADDRESS = 25_000  # of the ~28,000 ephemeral ports
TARGET_KIB = 20
TARGET_NEWCOMER_MS = 100
HANDSHAKE = (
    "GET /conversation HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
CLOSE_FRAME = bytes([0x88, 0x82, 0, 0, 0, 0]) + struct.pack("!H", 1000)


class IdleClient(asyncio.Protocol):
    """Opens a conversation, then only answers pings (and the closing handshake)."""

    def __init__(self, port: int, opened: asyncio.Future, closed: asyncio.Future):
        self.port, self.opened, self.closed = port, opened, closed
        self.buffer = b""
        self.upgraded = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(HANDSHAKE.format(port=self.port, key=key).encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            head, found, self.buffer = self.buffer.partition(b"\r\n\r\n")
            if not found:
                self.buffer = head
                return
            if not head.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(RuntimeError(head.split(b"\r\n")[0].decode()))
                self.transport.close()
                return
            self.upgraded = True
            self.opened.set_result(None)
        while len(self.buffer) >= 2:
            opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            if length >= 126 or len(self.buffer) < 2 + length:
                return  # the server's control frames are short; wait for the rest
            payload, self.buffer = self.buffer[2 : 2 + length], self.buffer[2 + length :]
            if opcode == 0x9:  # ping: pong, masked with a zero key
                self.transport.write(bytes([0x8A, 0x80 | length, 0, 0, 0, 0]) + payload)
            elif opcode == 0x8:  # the server's answer to our close
                self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.closed.done():
            self.closed.set_result(self.upgraded)

    def close(self) -> None:
        self.transport.write(CLOSE_FRAME)


def hold(port: int, address: str, count: int, pipe) -> None:
    """A client process: open `count` conversations from `address`, say so, hold them
    until told, close them all, and say how many closed cleanly."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (count + 1000, count + 1000))

    async def main():
        loop = asyncio.get_running_loop()
        clients = []
        for start in range(0, count, 500):  # 500 handshakes at a time
            batch = []
            for _ in range(min(500, count - start)):
                opened, closed = loop.create_future(), loop.create_future()
                _, client = await loop.create_connection(
                    lambda o=opened, c=closed: IdleClient(port, o, c),
                    "127.0.0.1",
                    port,
                    local_addr=(address, 0),
                )
                batch.append(client)
            await asyncio.gather(*(client.opened for client in batch))
            clients.extend(batch)
        pipe.send(len(clients))
        await loop.run_in_executor(None, pipe.recv)  # until told to close
        for client in clients:
            client.close()
        clean = await asyncio.wait_for(asyncio.gather(*(c.closed for c in clients)), 120)
        pipe.send(sum(clean))

    asyncio.run(main())


async def newcomer(port: int) -> float:
    """Seconds for a new client to connect and get Diego's first reply."""
    started = time.perf_counter()
    async with websockets.connect(f"ws://127.0.0.1:{port}/conversation") as ws:
        await ws.send("Hello")
        await ws.recv()
    return time.perf_counter() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=100_000)
    args = parser.parse_args(argv)
    total = args.connections
    env = {
        "MAX_CLIENTS": str(total + 100),
        "MAX_CLIENTS_PER_IP": str(total + 100),
        "MAX_PENDING_CONNECTIONS": "5000",
        "BOT_WORKERS": "1",  # idle clients ask nothing; a newcomer needs one
    }
    shared = _reachable(REDIS_URL)
    if shared:
        env["REDIS_URL"] = REDIS_URL
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        url = trained_knowledge(Path(scratch))
        first = stack.enter_context(LiveServer(url, env=env))
        said = next(line for line in first.lines if "Open-files limit" in line)
        print(said.strip())
        room = int(re.search(r"room for about (\d+)", said)[1]) - 100
        wanted = total
        if room < total and not shared:
            print(
                f"one process may hold {room:,} connections, and no Redis at {REDIS_URL} "
                f"to count across several: measuring {room:,}."
            )
            total = room
        servers = [first]
        while len(servers) * room < total:
            servers.append(stack.enter_context(LiveServer(url, env=env)))
        if len(servers) > 1:
            print(
                f"one process may hold {room:,} connections (its open-files hard limit): "
                f"{len(servers)} servers share {total:,}, counting them in Redis"
            )
        shares = [total // len(servers) + (n < total % len(servers)) for n in range(len(servers))]
        asyncio.run(newcomer(first.port))  # warm
        before = sum(rss_kib(server.process.pid) for server in servers)
        started = time.perf_counter()
        pipes, processes = [], []
        address, on_address = 2, 0  # 127.0.0.<address>, and the clients it has
        for server, share in zip(servers, shares, strict=True):
            for start in range(0, share, PER_PROCESS):
                count = min(PER_PROCESS, share - start)
                if on_address + count > PER_ADDRESS:
                    address, on_address = address + 1, 0
                on_address += count
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=hold, args=(server.port, f"127.0.0.{address}", count, theirs)
                )
                process.start()
                pipes.append(ours)
                processes.append(process)
        opened = sum(pipe.recv() for pipe in pipes)
        took = time.perf_counter() - started
        time.sleep(2)
        counted = first.client_count()
        after = sum(rss_kib(server.process.pid) for server in servers)
        waits = [asyncio.run(newcomer(first.port)) for _ in range(20)]
        for pipe in pipes:
            pipe.send("close")
        closed = sum(pipe.recv() for pipe in pipes)
        for process in processes:
            process.join()
        final = first.wait_for_count(0, timeout=30)
    per_connection = (after - before) / max(1, opened)
    newcomer_ms = sorted(waits)[len(waits) // 2] * 1000
    worst_ms = max(waits) * 1000
    print(
        json.dumps(
            {"opened": opened, "seconds": round(took, 1), "counted": counted, "closed": closed},
        )
    )
    checks = [
        (
            f"held {opened:,} of the {wanted:,} wanted, by {len(servers)} server process(es)",
            opened == wanted,
        ),
        (f"count exact: {counted:,} counted for {total:,}", counted == total == opened),
        (
            f"server RSS {before / 1024:,.0f} -> {after / 1024:,.0f} MiB: "
            f"{per_connection:.1f} KiB per connection (<= {TARGET_KIB})",
            per_connection <= TARGET_KIB,
        ),
        (
            f"a newcomer answered in {newcomer_ms:.0f} ms p50, {worst_ms:.0f} ms worst of "
            f"{len(waits)} (<= {TARGET_NEWCOMER_MS})",
            worst_ms <= TARGET_NEWCOMER_MS,
        ),
        (
            f"closed cleanly: {closed:,} of {opened:,}, then counted {final}",
            closed == opened and final == 0,
        ),
    ]
    print(f"\n{total:,} idle connections on one machine ({len(os.sched_getaffinity(0))} cores)")
    for what, met in checks:
        print(f"- {what}: {'met' if met else 'NOT met'}")
    sys.exit(0 if all(met for _, met in checks) else 1)


def _reachable(url: str) -> bool:
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


if __name__ == "__main__":
    main()
