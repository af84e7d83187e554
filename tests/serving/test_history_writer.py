"""The history writer: exchanges waiting are committed together, in order; a failing
database never holds a reply."""

import asyncio
import logging
import time

from sqlalchemy import create_engine

from diego.knowledge.history import History
from diego.serving.history_writer import HistoryWriter


def keep_all(writer: HistoryWriter, count: int) -> None:
    async def run():
        exchanges = (writer.keep(f"c{n % 3}", f"said {n}", f"replied {n}") for n in range(count))
        await asyncio.gather(*exchanges)

    asyncio.run(run())


def test_exchanges_waiting_are_committed_together_and_in_order(tmp_path):
    history = History(create_engine(f"sqlite:///{tmp_path / 'history.sqlite3'}"))
    commits = []
    record_all = history.record_all

    def slow_commit(exchanges):
        commits.append(len(exchanges))
        time.sleep(0.01)
        record_all(exchanges)

    history.record_all = slow_commit
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
    with caplog.at_level(logging.ERROR, logger="diego"):
        keep_all(writer, 5)
        keep_all(writer, 5)
    writer.close()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("Could not keep 5 exchange(s)"), lines
