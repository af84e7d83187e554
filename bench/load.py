"""A load generator for Diego: WebSocket clients and /client-count and /health probers.

Run by the benchmark in a process of its own, so that its CPU is not the server's:
  python -m bench.load --port 8000 --clients 100 --seconds 10 [--think 0] [--idle]

Clients speak the WebSocket protocol over raw asyncio sockets with frames built once,
so that the generator costs little CPU per message and is not the bottleneck; its own
CPU time is part of the report (JSON on stdout).
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import struct
import time

MESSAGES = [
    "Hello",
    "How are you?",
    "what is ur name",
    "Tell me a joke",
    "do you like music",
    "hey, what are you doing lol",
    "Are you a robot?",
    "Good morning",
]
MASK = b"\x1f\x2e\x3d\x4c"


def masked_text_frame(text: str) -> bytes:
    payload = text.encode()
    masked = bytes(byte ^ MASK[i % 4] for i, byte in enumerate(payload))
    assert len(payload) < 126
    return bytes([0x81, 0x80 | len(payload)]) + MASK + masked


FRAMES = [masked_text_frame(text) for text in MESSAGES]


class Client(asyncio.Protocol):
    """One WebSocket client in closed loop: sends a message when the previous reply comes."""

    def __init__(self, stats: dict, think: float, start_index: int, chat: bool):
        self.stats, self.think, self.chat = stats, think, chat
        self.index = start_index
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.sent_at = 0.0
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                "GET /conversation HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data):
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            if b" 101 " not in status.split(b"\r\n")[0]:
                self.upgraded.set_exception(ConnectionError(status.split(b"\r\n")[0].decode()))
                return
            self.upgraded.set_result(None)
            if self.chat:
                self.send_next()
        self._read_frames()

    def _read_frames(self):
        while len(self.buffer) >= 2:
            opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            start = 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                (length,), start = struct.unpack("!H", self.buffer[2:4]), 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                (length,), start = struct.unpack("!Q", self.buffer[2:10]), 10
            if len(self.buffer) < start + length:
                return
            payload = self.buffer[start : start + length]
            self.buffer = self.buffer[start + length :]
            if opcode == 0x1:
                self.on_reply()
            elif opcode == 0x9:  # ping: answer pong, masked like every client frame
                masked = bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + MASK + masked)
            elif opcode == 0x8:
                self.stats["closed_by_server"] += 1
                self.transport.close()

    def on_reply(self):
        now = time.perf_counter()
        if self.stats["measuring"]:
            self.stats["replies"] += 1
            self.stats["latencies"].append(now - self.sent_at)
        if not self.stats["stopping"]:
            if self.think:
                asyncio.get_running_loop().call_later(self.think, self.send_next)
            else:
                self.send_next()

    def send_next(self):
        if self.transport.is_closing():
            return
        self.sent_at = time.perf_counter()
        self.transport.write(FRAMES[self.index % len(FRAMES)])
        self.index += 1

    def close(self):
        if not self.transport.is_closing():
            self.transport.write(b"\x88\x82" + MASK + bytes([0x03 ^ MASK[0], 0xE8 ^ MASK[1]]))
            self.transport.close()

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(None)


async def http_get(reader, writer, path: str) -> bytes:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(
        next(
            line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        ).split(b":")[1]
    )
    return await reader.readexactly(length)


async def probe(port: int, stats: dict, every: float, path: str, key: str) -> None:
    """GET `path` over one keep-alive connection, all along; keep the latencies in `key`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while not stats["stopping"]:
            started = time.perf_counter()
            await http_get(reader, writer, path)
            if stats["measuring"]:
                stats[key].append(time.perf_counter() - started)
            await asyncio.sleep(every)
    finally:
        writer.close()


async def client_count(port: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return json.loads(await http_get(reader, writer, "/client-count"))["count"]
    finally:
        writer.close()


async def connect(port: int, stats: dict, think: float, index: int, chat: bool) -> Client:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: Client(stats, think, index, chat), "127.0.0.1", port
    )
    await client.upgraded
    return client


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(len(values) * q))] * 1000  # noqa: E731
    return {"p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99), "max": values[-1] * 1000}


async def run(args) -> dict:
    stats = {
        "replies": 0, "latencies": [], "probe_latencies": [], "health_latencies": [],
        "closed_by_server": 0,
        "measuring": False, "stopping": False,
    }  # fmt: skip
    clients = []
    for start in range(0, args.clients, 200):  # connect in batches: no SYN flood
        batch = range(start, min(start + 200, args.clients))
        clients += await asyncio.gather(
            *(connect(args.port, stats, args.think, i, not args.idle) for i in batch)
        )
    result = {"connected": len(clients)}
    prober = asyncio.gather(
        probe(args.port, stats, args.probe_every, "/client-count", "probe_latencies"),
        probe(args.port, stats, args.probe_every * 10, "/health", "health_latencies"),
    )
    await asyncio.sleep(args.warmup)
    cpu_started, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    stats["measuring"] = True
    if args.idle:
        result["count_while_connected"] = await client_count(args.port)
        newcomer_stats = dict(stats, replies=0, latencies=[])
        newcomer = await connect(args.port, newcomer_stats, 0, 0, chat=False)
        sent = time.perf_counter()
        newcomer.send_next()
        while not newcomer_stats["latencies"]:
            await asyncio.sleep(0.001)
        result["newcomer_reply_ms"] = (time.perf_counter() - sent) * 1000
        newcomer.close()
    await asyncio.sleep(args.seconds)
    stats["measuring"] = False
    elapsed = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    stats["stopping"] = True
    await prober
    for client in clients:
        client.close()
    await asyncio.gather(*(client.closed for client in clients))
    deadline = time.monotonic() + 10
    final = await client_count(args.port)
    while final and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        final = await client_count(args.port)
    busy = (cpu.ru_utime - cpu_started.ru_utime) + (cpu.ru_stime - cpu_started.ru_stime)
    return result | {
        "seconds": elapsed,
        "replies": stats["replies"],
        "replies_per_second": stats["replies"] / elapsed,
        "latency_ms": percentiles(stats["latencies"]),
        "client_count_ms": percentiles(stats["probe_latencies"]),
        "probes": len(stats["probe_latencies"]),
        "health_ms": percentiles(stats["health_latencies"]),
        "closed_by_server": stats["closed_by_server"],
        "final_count": final,
        "generator_cpu_share": busy / elapsed,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--think", type=float, default=0, help="seconds between messages")
    parser.add_argument("--idle", action="store_true", help="connect, say nothing")
    parser.add_argument("--probe-every", type=float, default=0.01)
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
