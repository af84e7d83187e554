"""Fixtures for tests against a real server and the real, trained Diego."""

import os
import sqlite3
import uuid

import pytest

from diego.knowledge.bot import Diego
from diego.knowledge.training import DEFAULT_CORPORA, train

from .live import LiveServer


def trained_knowledge(folder, corpora=DEFAULT_CORPORA) -> str:
    """Train a new SQLite knowledge base in `folder`; return its URL."""
    url = f"sqlite:///{folder / 'diego.sqlite3'}"
    diego = Diego(url)
    train(diego, corpora)
    diego.close()
    return url


def knowledge_of(folder, corpus: str) -> str:
    """A new SQLite knowledge base in `folder` trained on one corpus file's text; its URL."""
    path = folder / "corpus.yml"
    path.write_text(corpus)
    url = f"sqlite:///{folder / 'knowledge.sqlite3'}"
    diego = Diego(url)
    train(diego, [str(path)])
    diego.close()
    return url


def copy_of(database_url: str, folder, name: str = "copy.sqlite3") -> str:
    """Copy a SQLite knowledge base into `folder`; return the copy's URL."""
    copy = folder / name
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as source:
        with sqlite3.connect(copy) as target:
            source.backup(target)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="session")
def trained_database(tmp_path_factory):
    """A knowledge base trained once for the session, on the default corpora."""
    return trained_knowledge(tmp_path_factory.mktemp("knowledge"))


@pytest.fixture(scope="session")
def server(trained_database):
    """A real server shared by tests that leave it as they found it (no clients)."""
    with LiveServer(trained_database) as server:
        yield server


# CI sets this: a test that needs Redis or PostgreSQL then fails instead of skipping.
REQUIRE_SERVICES = os.environ.get("DIEGO_REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.environ.get("DIEGO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_POSTGRES_URL = os.environ.get(
    "DIEGO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def service_or_skip(name: str, check) -> None:
    try:
        check()
    except Exception as exc:
        why = f"{name} is not reachable ({type(exc).__name__}: {str(exc).strip()[:120]})"
        if REQUIRE_SERVICES:
            pytest.fail(f"{why}, and DIEGO_REQUIRE_SERVICES=1 requires it")
        pytest.skip(f"{why}; CI sets DIEGO_REQUIRE_SERVICES=1 to make this a failure")


@pytest.fixture
def redis_url():
    """The test Redis database, emptied of Diego's presence keys."""
    import redis

    def ping():
        client = redis.from_url(TEST_REDIS_URL, socket_timeout=2)
        client.ping()
        for key in client.scan_iter(match="diego:*"):
            client.delete(key)

    service_or_skip("Redis", ping)
    return TEST_REDIS_URL


def postgres_admin(admin_url: str, sql: str) -> None:
    """Run `sql` (CREATE or DROP DATABASE) on the PostgreSQL server at `admin_url`."""
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    connection = psycopg2.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    )
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


def database_beside(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def postgres_url():
    """A new, empty PostgreSQL database for one test, dropped after it."""
    name = f"diego_test_{uuid.uuid4().hex[:12]}"
    service_or_skip(
        "PostgreSQL", lambda: postgres_admin(TEST_POSTGRES_URL, f"CREATE DATABASE {name}")
    )
    yield database_beside(TEST_POSTGRES_URL, name)
    postgres_admin(TEST_POSTGRES_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
