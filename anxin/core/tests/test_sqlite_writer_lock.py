"""SQLite writers queue on a lock file: the next one starts the moment the last one
ends (not after SQLite's busy handler's next sleep), a writer that waits too long
fails as SQLite would, and a rollback or a closed connection frees the lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from anxin.core.sqlite.base import DatabaseWrapper


def wrapper(path: Path, timeout: float = 20, init: str = "PRAGMA journal_mode=WAL;") -> Any:
    settings = {
        "ENGINE": "anxin.core.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": timeout,
            "init_command": init,
        },
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    db = DatabaseWrapper(settings, alias=f"lock-test-{path.name}")
    db.ensure_connection()
    db.inc_thread_sharing()  # used from the test's threads
    return db


def begin(db: Any) -> None:  # as atomic() does on SQLite
    db._start_transaction_under_autocommit()


def insert(db: Any, value: str) -> None:
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO t (v) VALUES (%s)", [value])


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker: Any) -> Any:
    """These tests open their own SQLite files, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "writers.sqlite3"
    db = wrapper(path)
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (v TEXT)")
    db.close()
    return path


def rows(path: Path) -> list[str]:
    db = wrapper(path)
    with db.cursor() as cursor:
        cursor.execute("SELECT v FROM t ORDER BY rowid")
        found = [v for (v,) in cursor.fetchall()]
    db.close()
    return found


def test_the_next_writer_starts_when_the_last_one_commits(database):
    first, second = wrapper(database), wrapper(database)
    begin(first)
    insert(first, "first")
    started = threading.Event()
    began_at: list[float] = []

    def write_second() -> None:
        started.set()
        begin(second)  # waits for the first writer
        began_at.append(time.monotonic())
        insert(second, "second")
        second.commit()

    thread = threading.Thread(target=write_second)
    thread.start()
    started.wait()
    # SQLite's busy handler, after 0.5 s of waiting, tries at 0.428 s and 0.528 s.
    time.sleep(0.5)
    assert not began_at  # still waiting: the first writer holds the lock
    committed_at = time.monotonic()
    first.commit()
    thread.join(10)
    assert began_at and began_at[0] - committed_at < 0.02  # at once, not after a sleep
    assert rows(database) == ["first", "second"]
    assert (database.parent / "writers.sqlite3-writer.lock").exists()
    first.close()
    second.close()


def test_a_writer_waiting_past_its_timeout_fails_and_writes_nothing(database):
    holder, waiter = wrapper(database), wrapper(database, timeout=0.2)
    begin(holder)
    insert(holder, "held")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        begin(waiter)
    assert 0.2 <= time.monotonic() - started < 2
    holder.commit()
    begin(waiter)  # free again
    insert(waiter, "after")
    waiter.commit()
    assert rows(database) == ["held", "after"]
    holder.close()
    waiter.close()


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_rollback_or_a_closed_connection_frees_the_lock(database, end):
    first, second = wrapper(database, timeout=1), wrapper(database, timeout=1)
    begin(first)
    insert(first, "undone")
    if end == "rollback":
        first.rollback()
    else:
        first.close()
    begin(second)
    insert(second, "kept")
    second.commit()
    assert rows(database) == ["kept"]
    first.close()
    second.close()
