"""The PostgreSQL cursor for statements kept prepared takes Django's ``%s``
placeholders, numbers them once per statement text, and gives the rows the
ORM's cursor gives."""

from __future__ import annotations

import pytest
from django.db import connection

from anxin.core.converted import Converted
from anxin.core.postgresql import base


def test_placeholders_are_numbered_and_double_percents_kept_single():
    query = "SELECT %s, '100%%', %s WHERE x LIKE %s"
    assert base.numbered(query) == "SELECT $1, '100%', $2 WHERE x LIKE $3"
    assert base.numbered(query) is base.numbered(query)  # remembered


def test_an_unknown_placeholder_is_an_error():
    with pytest.raises(ValueError, match="unsupported placeholder %d"):
        base.numbered("SELECT %d")


def test_the_statements_remembered_are_bounded(monkeypatch):
    monkeypatch.setattr(base, "_numbered", Converted(kept=base._numbered.kept))
    for n in range(base._numbered.kept + 5):
        base.numbered(f"SELECT %s + {n}")
    assert len(base._numbered) <= base._numbered.kept


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="prepared_cursor() exists only in the PostgreSQL backend; "
    "the SQLite pass has no server to prepare on",
)
def test_the_prepared_cursor_gives_the_orms_rows():
    query = "SELECT %s::int + 1, %s || '%%', %s::text IS NULL"
    params: list[int | str | None] = [41, "a", None]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        expected = cursor.fetchall()
    for _ in range(3):  # prepared from the second run on
        with connection.prepared_cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(query, params)
            assert cursor.fetchall() == expected == [(42, "a%", True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%$1::int + 1%"]
        )
        assert cursor.fetchone()[0] == 1
