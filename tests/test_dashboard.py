"""The Grafana dashboard: importable anywhere, and querying only metrics the server exposes."""

import asyncio
import json
import re
import urllib.error
import urllib.request

import pytest
import websockets

from .live import ROOT

DASHBOARD = ROOT / "deploy" / "grafana" / "diego.json"
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
METRIC_NAME = re.compile(r"diego_[a-z_]+")
HISTOGRAM_SAMPLES = ("_bucket", "_sum", "_count")


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(board: dict) -> list[dict]:
    """Every panel, those folded inside rows included."""
    found = []
    for panel in board["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def datasources(value):
    """Every `datasource` reference anywhere in the dashboard."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "datasource":
                yield inner
            else:
                yield from datasources(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from datasources(inner)


def queried_metrics(board: dict) -> set[str]:
    """The diego_* names in the panels' PromQL and the variables' queries."""
    queries = [t["expr"] for p in panels(board) if p["type"] != "row" for t in p["targets"]]
    queries += [v["definition"] for v in board["templating"]["list"] if v["type"] == "query"]
    return {name for query in queries for name in METRIC_NAME.findall(query)}


def exposed_metrics(text: str) -> set[str]:
    """The names a Prometheus text exposition offers: its samples, and every family it
    declares (a labelled family may have no sample yet), a histogram's series included."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            names.add(name)
            if kind == "histogram":
                names.update(name + suffix for suffix in HISTOGRAM_SAMPLES)
        elif line.strip() and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group())
    return names


def test_the_dashboard_is_a_grafana_model_with_a_datasource_variable():
    board = dashboard()
    assert 36 <= board["schemaVersion"] <= 41 and board["title"] == "Diego"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    assert [p["id"] for p in panels(board)] == sorted({p["id"] for p in panels(board)})
    for panel in panels(board):
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]


def test_no_datasource_of_someones_instance_is_hard_coded():
    references = list(datasources(dashboard()))
    assert references and all(r == DATASOURCE for r in references), references


def test_the_dashboard_queries_every_metric_of_the_issue():
    assert queried_metrics(dashboard()) == {
        "diego_clients_connected",
        "diego_connections_opened_total",
        "diego_connections_refused_total",
        "diego_messages_received_total",
        "diego_replies_total",
        "diego_reply_seconds_bucket",
        "diego_workers_alive",
        "diego_worker_restarts_total",
        "diego_database_errors_total",
        "diego_teachings_total",
    }


def test_exposed_metrics_reads_families_samples_and_histograms():
    text = (
        "# HELP diego_replies_total Replies sent\n"
        "# TYPE diego_replies_total counter\n"
        "# TYPE diego_reply_seconds histogram\n"
        'diego_reply_seconds_bucket{le="0.1"} 3.0\n'
        "diego_clients_connected 2.0\n"
    )
    assert exposed_metrics(text) == {
        "diego_replies_total",
        "diego_reply_seconds",
        "diego_reply_seconds_bucket",
        "diego_reply_seconds_sum",
        "diego_reply_seconds_count",
        "diego_clients_connected",
    }


def test_every_metric_the_dashboard_queries_is_in_the_servers_metrics(server):
    async def round_trip():
        async with websockets.connect(server.ws_url) as ws:
            await ws.send("Hello")
            await ws.recv()

    asyncio.run(round_trip())  # so that the reply metrics have samples
    try:
        with urllib.request.urlopen(server.http("/metrics"), timeout=5) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as exc:
        pytest.fail(f"GET /metrics answered {exc.code}: the server must expose its metrics")
    missing = queried_metrics(dashboard()) - exposed_metrics(text)
    assert not missing, f"the dashboard queries metrics GET /metrics does not offer: {missing}"
