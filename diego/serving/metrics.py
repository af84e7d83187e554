"""What the server counts for Prometheus (`GET /metrics`), kept by the server process.

The server process sees every connection and every reply; what only a worker sees (a
teaching learned or refused, a database error) comes back with its answers. So the
server process is the only exporter, and the figures are right whatever the number of
workers, with no files shared between processes.
"""

import functools
import ipaddress
import time
import typing

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# A `_created` timestamp beside every counter doubles what each scrape renders, for
# nothing a dashboard uses.
disable_created_metrics()

CONTENT_TYPE = CONTENT_TYPE_LATEST
REFUSAL_REASONS = (
    "full",
    "per_address",
    "origin",
    "rate",
    "pending",
    "handshake_timeout",
    "not_reading",
)
OUTCOMES = ("answered", "fallback", "clarified", "apology", "too_long", "invalid", "rate_limited")
TEACHING_RESULTS = ("learned", "refused")
# Seconds: a reply is a few milliseconds when all is well, up to REPLY_TIMEOUT when not.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        registry = self.registry
        self.clients = Gauge(
            "diego_clients_connected",
            "Clients in a conversation with this server",
            registry=registry,
        )
        self.opened = Counter(
            "diego_connections_opened", "Conversations accepted", registry=registry
        )
        self.refused = Counter(
            "diego_connections_refused",
            "Connections refused or dropped, by reason",
            ["reason"],
            registry=registry,
        )
        self.received = Counter(
            "diego_messages_received", "Messages received from clients", registry=registry
        )
        self.replies = Counter(
            "diego_replies", "Replies sent, by outcome", ["outcome"], registry=registry
        )
        self.latency = Histogram(
            "diego_reply_seconds",
            "Time from a message received to its reply sent",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.workers = Gauge("diego_workers_alive", "Worker processes alive", registry=registry)
        self.worker_restarts = Counter(
            "diego_worker_restarts", "Workers that ended and were replaced", registry=registry
        )
        self.database_errors = Counter(
            "diego_database_errors", "Database operations that failed", registry=registry
        )
        self.render_seconds = Gauge(
            "diego_metrics_render_seconds",
            "How long the previous GET /metrics took to render, on the event loop",
            registry=registry,
        )
        self.teachings = Counter(
            "diego_teachings",
            "Teachings by users (with learning on), by result",
            ["result"],
            registry=registry,
        )
        # Every label value shows from the start, at 0: a rate needs a first sample.
        self._replies_by_outcome = {outcome: self.replies.labels(outcome) for outcome in OUTCOMES}
        for labels, names in [
            (self.refused, REFUSAL_REASONS),
            (self.replies, OUTCOMES),
            (self.teachings, TEACHING_RESULTS),
        ]:
            for name in names:
                labels.labels(name)

    def track(
        self,
        *,
        clients: typing.Callable[[], float] | None = None,
        workers: typing.Callable[[], float] | None = None,
    ) -> None:
        """Read the gauges from these when scraped."""
        if clients is not None:
            self.clients.set_function(clients)
        if workers is not None:
            self.workers.set_function(workers)

    def replied(self, outcome: str, seconds: float) -> None:
        self._replies_by_outcome[outcome].inc()
        self.latency.observe(seconds)

    def take_news(self, news: dict[str, int]) -> None:
        """Count what a worker (or the pool) reports: see `Diego.news`."""
        for name, count in news.items():
            if name == "learned" or name == "refused":
                self.teachings.labels(name).inc(count)
            elif name == "database_errors":
                self.database_errors.inc(count)
            elif name == "worker_restarts":
                self.worker_restarts.inc(count)

    def exposition(self) -> bytes:
        started = time.perf_counter()
        text = generate_latest(self.registry)
        self.render_seconds.set(time.perf_counter() - started)
        return text


# One per process, as prometheus_client's own registry is: uvicorn's protocol classes,
# made before the application, count into it too.
metrics = Metrics()


@functools.lru_cache(maxsize=8)
def address_list(spelled: str) -> "AddressList":
    return AddressList(spelled)


class AddressList:
    """Addresses and networks, as METRICS_ALLOWED spells them: "127.0.0.1,::1,10.0.0.0/8"."""

    def __init__(self, spelled: str):
        self.networks = [
            ipaddress.ip_network(each.strip(), strict=False)
            for each in spelled.split(",")
            if each.strip()
        ]

    def __contains__(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)
