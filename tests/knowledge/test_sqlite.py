"""SQLite tuned for several processes: write-ahead log, and writers queued by flock."""

import fcntl
import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from diego.knowledge import sqlite


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("create table t (x integer)"))
    sqlite.tune(engine)
    yield engine
    engine.dispose()


def locked_by_someone(path) -> bool:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def test_the_write_ahead_log_is_on(engine):
    with engine.connect() as connection:
        assert connection.execute(text("pragma journal_mode")).scalar() == "wal"
        assert connection.execute(text("pragma synchronous")).scalar() == 1  # NORMAL


def test_a_writer_holds_the_lock_until_its_connection_is_returned(engine):
    path = engine.url.database
    with engine.connect() as connection:
        connection.execute(text("select count(*) from t"))
        assert not locked_by_someone(path)  # reading takes no lock
        connection.execute(text("insert into t values (1)"))
        assert locked_by_someone(path)
        connection.commit()
    assert not locked_by_someone(path)


def test_a_failed_write_releases_the_lock(engine):
    with pytest.raises(OperationalError):
        with engine.begin() as connection:
            connection.execute(text("insert into missing values (1)"))
    assert not locked_by_someone(engine.url.database)


def test_other_databases_are_left_alone():
    engine = create_engine("sqlite://")
    sqlite.tune(engine)
    with engine.connect() as connection:
        assert connection.execute(text("pragma journal_mode")).scalar() == "memory"
