"""Fixtures that start and stop the real services of the integration tests.

* ``it_template``: once per run, a PostgreSQL database ``anxin_it_<random>_tpl``
  migrated with the real settings; each test gets a fresh copy of it
  (``CREATE DATABASE ... TEMPLATE``), dropped when the test ends.
* ``shared_redis``: the machine's Redis on 127.0.0.1:6379, database index 9,
  flushed at the start of each test (never stopped).
* ``procs``: the test's child processes (workers, beat, gunicorn, its own Redis);
  every one is killed when the test ends, passed or failed.
* ``webhook`` and ``smtp``: receivers on 127.0.0.1 in this process.

PostgreSQL and redis-server are required: when they are missing the tests FAIL
with a message saying what to start; nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import harness


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def pg_role() -> str:
    try:
        return harness.pg_admin_role()
    except harness.Unavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def it_template(pg_role: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = harness.unique_name("anxin_it") + "_tpl"
    url = harness.create_database(pg_role, name)
    try:
        var_dir = tmp_path_factory.mktemp("it-migrate")
        harness.migrate(
            harness.child_env(database_url=url, redis_url=harness.SHARED_REDIS_URL, var_dir=var_dir)
        )
        yield name
    finally:
        harness.drop_database(pg_role, name)


@pytest.fixture
def it_db(pg_role: str, it_template: str) -> Iterator[harness.Database]:
    name = it_template.removesuffix("_tpl") + "_" + harness.unique_name("t")[-6:]
    url = harness.create_database(pg_role, name, template=it_template)
    try:
        yield harness.Database(url, name)
    finally:
        harness.drop_database(pg_role, name)


@pytest.fixture
def shared_redis() -> str:
    url = harness.SHARED_REDIS_URL
    if not harness.redis_ping(url):
        pytest.fail(
            f"Redis is required at {url} for the integration tests; start redis-server "
            "(CI: .ci/run does)",
            pytrace=False,
        )
    harness.flush_redis(url)
    return url


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[harness.Processes]:
    processes = harness.Processes(tmp_path / "logs")
    try:
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture
def webhook() -> Iterator[harness.WebhookReceiver]:
    receiver = harness.WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def smtp() -> Iterator[harness.MailReceiver]:
    receiver = harness.MailReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def make_env(tmp_path: Path, it_db: harness.Database) -> Callable[..., dict[str, str]]:
    """The children's environment on this test's database; ``redis_url`` and
    setting overrides as keyword arguments."""

    def make(redis_url: str, **overrides: Any) -> dict[str, str]:
        return harness.child_env(
            database_url=it_db.url,
            redis_url=redis_url,
            var_dir=tmp_path / "var",
            **{key: str(value) for key, value in overrides.items()},
        )

    return make
