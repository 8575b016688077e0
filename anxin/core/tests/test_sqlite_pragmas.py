"""The SQLite connections are set up as settings.py explains: WAL, a writer's
transaction taking the lock at BEGIN, and temporary data (a statement's
undo copy of the pages it changes) kept in memory rather than in a file made
and removed on every write."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="these PRAGMAs are set only on SQLite connections; the PostgreSQL pass has none",
    ),
]


def pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_temporary_data_stays_in_memory():
    # 2 = MEMORY. With the default (a file), each INSERT into the hazards'
    # table and its 22 indexes spilled ~160 KB of undo pages into a new file
    # under /var/tmp: 45 more write calls per report (bench/README.md, session 6).
    assert pragma("temp_store") == 2


def test_connections_use_the_settings_pragmas():
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == 20000
    assert pragma("synchronous") == 1  # NORMAL
