"""SQLite's WAL reaches the database file through a thread of the writing
process, a moment after the commit, instead of inside the commit that takes the
WAL past ``wal_autocheckpoint`` (which then waited for two fsyncs)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from anxin.core.sqlite.base import checkpointer
from anxin.core.tests.test_sqlite_writer_lock import _own_files, begin, insert, wrapper  # noqa: F401

# No checkpoint at any commit: what reaches the file is the thread's doing.
NO_AUTOCHECKPOINT = "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"


def rows_in_file(path: Path) -> list[str]:
    """The rows the database file holds by itself: a copy of it without its WAL."""
    alone = path.parent / "alone.sqlite3"
    shutil.copyfile(path, alone)
    connection = sqlite3.connect(alone)
    try:
        return [v for (v,) in connection.execute("SELECT v FROM t ORDER BY rowid")]
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{alone}{suffix}").unlink(missing_ok=True)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "checkpoint.sqlite3"
    db = wrapper(path, init=NO_AUTOCHECKPOINT)
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (v TEXT)")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def commit_row(path: Path, value: str) -> Any:
    db = wrapper(path, init=NO_AUTOCHECKPOINT)
    begin(db)
    insert(db, value)
    db.commit()
    return db


def test_a_commit_reaches_the_database_file_in_the_background(database, settings):
    settings.SQLITE_CHECKPOINT_SECONDS = 0.5
    db = commit_row(database, "a")
    assert rows_in_file(database) == []  # committed, in the WAL: the thread waits 0.5 s
    deadline = time.monotonic() + 10
    while rows_in_file(database) != ["a"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rows_in_file(database) == ["a"]
    found = checkpointer(str(database))
    assert found is not None and found.checkpoints >= 1
    db.close()


def test_without_the_thread_the_rows_stay_in_the_wal(database, settings):
    settings.SQLITE_CHECKPOINT_SECONDS = 0
    db = commit_row(database, "a")
    time.sleep(0.5)
    assert rows_in_file(database) == []
    assert checkpointer(str(database)) is None
    with db.cursor() as cursor:
        cursor.execute("SELECT v FROM t")
        assert cursor.fetchall() == [("a",)]  # nothing lost: read through the WAL
    db.close()
