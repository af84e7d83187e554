"""The history writer: exchanges waiting are committed together, in order; a failing
database never holds a reply."""

import asyncio
import gc
import logging
import time
import types

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from bench.round_trips import RoundTripCounter
from diego.knowledge.history import History
from diego.serving.history_writer import HistoryWriter
from diego.serving.metrics import metrics


def keep_all(writer: HistoryWriter, count: int) -> None:
    async def run():
        exchanges = (writer.keep(f"c{n % 3}", f"said {n}", f"replied {n}") for n in range(count))
        await asyncio.gather(*exchanges)

    asyncio.run(run())


def commits_counted(history: History, taking: float = 0.0) -> list[int]:
    """Make each of `history`'s commits take `taking` seconds more, and return the list
    of their sizes, filled as they happen."""
    commits, record_all = [], history.record_all

    def counted(exchanges):
        commits.append(len(exchanges))
        time.sleep(taking)
        record_all(exchanges)

    history.record_all = counted
    return commits


def test_exchanges_waiting_are_committed_together_and_in_order(tmp_path):
    history = History(create_engine(f"sqlite:///{tmp_path / 'history.sqlite3'}"))
    commits = commits_counted(history, taking=0.01)
    writer = HistoryWriter(history)
    keep_all(writer, 50)
    writer.close()
    assert sum(commits) == 50 and len(commits) <= 5, commits
    texts = [message["text"] for message in history.recent("c0", 100)]
    assert texts[:4] == ["said 0", "replied 0", "said 3", "replied 3"]
    assert len(texts) == 2 * 17


def test_a_failing_database_lets_replies_go_and_says_so_once(tmp_path, caplog):
    history = History(create_engine(f"sqlite:///{tmp_path / 'history.sqlite3'}"))

    def failing(exchanges):
        raise OSError("disk full")

    history.record_all = failing
    writer = HistoryWriter(history)
    errors = metrics.registry.get_sample_value("diego_database_errors_total")
    with caplog.at_level(logging.ERROR, logger="diego"):
        keep_all(writer, 5)
        keep_all(writer, 5)
    writer.close()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("Could not keep 5 exchange(s)"), lines
    # Each failed commit counts for /metrics, logged or not.
    assert metrics.registry.get_sample_value("diego_database_errors_total") - errors >= 2


@pytest.fixture
def without_chatterbots_sqlite_hook():
    """ChatterBot's SQLite storage hooks every SQLAlchemy engine of its process (a PRAGMA
    at each connection): an engine to PostgreSQL must not inherit the earlier tests'."""
    hooks = [
        each
        for each in gc.get_objects()
        if isinstance(each, types.FunctionType)
        and each.__name__ == "set_sqlite_pragma"
        and each.__module__ == "chatterbot.storage.sql_storage"
    ]
    hooked = [hook for hook in hooks if event.contains(Engine, "connect", hook)]
    for hook in hooked:
        event.remove(Engine, "connect", hook)
    yield
    for hook in hooked:
        event.listen(Engine, "connect", hook)


@pytest.mark.usefixtures("without_chatterbots_sqlite_hook")
def test_on_postgresql_a_batch_is_one_round_trip(postgres_url):
    url = make_url(postgres_url)
    with RoundTripCounter(url.host, url.port or 5432) as counter:
        proxied = url.set(host="127.0.0.1", port=counter.port)
        history = History(create_engine(proxied)).committing_each_statement()
        history.record_all([("c0", "hello", "hi")])  # connected
        # The fewest of three: the counter takes any client bytes after server bytes for
        # a new trip, and once in some ten CI runs it counted two for one batch (cause
        # not found); one per row, or a BEGIN and a COMMIT, would show in all three.
        trips = []
        for _ in range(3):
            before = counter.round_trips
            history.record_all([(f"c{n % 2}", f"said {n}", f"replied {n}") for n in range(100)])
            trips.append(counter.round_trips - before)
        assert min(trips) == 1, trips
        # Committed, and in order: another connection reads it.
        reader = History(create_engine(postgres_url))
        texts = [message["text"] for message in reader.recent("c1", 4)]
        assert texts == ["said 97", "replied 97", "said 99", "replied 99"]
        history.engine.dispose()
        reader.engine.dispose()


def test_while_busy_the_next_commit_waits_for_more_exchanges(tmp_path):
    history = History(create_engine(f"sqlite:///{tmp_path / 'history.sqlite3'}"))
    commits = commits_counted(history)
    writer = HistoryWriter(history, gathering=0.2)

    async def run():
        # Two at once (busy), then one every 20 ms: they share the next commit.
        await asyncio.gather(writer.keep("c", "a", "b"), writer.keep("c", "a", "b"))
        kept = []
        for _ in range(5):
            kept.append(asyncio.ensure_future(writer.keep("c", "x", "y")))
            await asyncio.sleep(0.02)
        await asyncio.gather(*kept)

    asyncio.run(run())
    writer.close()
    # The five that came 20 ms apart shared a commit (with the second, maybe).
    assert sum(commits) == 7 and len(commits) <= 3 and commits[-1] >= 5, commits
