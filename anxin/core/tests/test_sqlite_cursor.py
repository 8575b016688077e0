"""The SQLite cursor converts each statement's parameter style once and then looks
it up: the same answers as Django's conversion, literal percent signs kept,
and a bounded memory of statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db.backends.sqlite3.base import SQLiteCursorWrapper

from anxin.core.sqlite import base
from anxin.core.tests.test_sqlite_writer_lock import _own_files, wrapper  # noqa: F401


@pytest.fixture
def db(tmp_path: Path) -> Any:
    db = wrapper(tmp_path / "cursor.sqlite3")
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (v TEXT, n INTEGER)")
    yield db
    db.close()


def test_statements_give_the_same_rows_the_second_time(db):
    insert = "INSERT INTO t (v, n) VALUES (%s, %s)"
    select = "SELECT v, n, '100%%' FROM t WHERE n >= %s ORDER BY n"
    with db.cursor() as cursor:
        for n in range(3):
            cursor.execute(insert, [f"row {n}", n])
        cursor.execute(select, [1])
        first = cursor.fetchall()
        cursor.execute(select, [2])  # converted text from memory, other parameters
        second = cursor.fetchall()
    assert first == [("row 1", 1, "100%"), ("row 2", 2, "100%")]
    assert second == [("row 2", 2, "100%")]
    assert base._qmark[select] == "SELECT v, n, '100%' FROM t WHERE n >= ? ORDER BY n"


def test_conversion_is_djangos(db):
    statements = [
        "SELECT %s",
        "SELECT '%%s', %s",
        "SELECT * FROM t WHERE v LIKE '%%x%%' AND n IN (%s, %s, %s)",
    ]
    with db.cursor() as cursor:
        for sql in statements:
            assert cursor.convert_query(sql) == SQLiteCursorWrapper.convert_query(cursor, sql)
            assert cursor.convert_query(sql) == SQLiteCursorWrapper.convert_query(cursor, sql)


def test_named_parameters_are_not_remembered(db):
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO t (v, n) VALUES (%(v)s, %(n)s)", {"v": "a", "n": 1})
        cursor.execute("SELECT v FROM t WHERE n = %(n)s", {"n": 1})
        assert cursor.fetchall() == [("a",)]
    assert "SELECT v FROM t WHERE n = %(n)s" not in base._qmark


def test_memory_is_bounded(db, monkeypatch):
    monkeypatch.setattr(base._qmark, "kept", 5)
    base._qmark.clear()
    with db.cursor() as cursor:
        for n in range(12):
            cursor.execute(f"SELECT %s + {n}", [1])
            assert cursor.fetchone() == (1 + n,)
            assert len(base._qmark) <= 5
