"""Django's PostgreSQL backend, with a cursor whose statements the server keeps
prepared (``DatabaseWrapper.prepared_cursor``).

The ORM's cursors bind parameters on the client (psycopg's ``ClientCursor``):
a statement reaches the server as text with its values written in, and the
server parses, rewrites and plans it every time. For the report's single
statement (``anxin.hazards.actions``: both counters, the file, its first event,
the outbox row and the duplicate search) planning took 0.8 ms of its 2 ms on
the server. ``prepared_cursor()`` binds on the server instead, and psycopg
prepares a statement the second time a connection runs it (OPTIONS
``prepare_threshold``, set in settings); from then on the server only binds
and executes it (bench/README.md, session 6: a report 1 ms faster). The ORM's
cursors never prepare, whatever the threshold. The cursor takes Django's
``%s`` placeholders and numbers them once per statement text
(``NumberedCursor``).

With ``PG_PREPARED_STATEMENTS=0`` (behind a transaction-pooling PgBouncer,
where one client's transactions may reach different server connections) the
threshold is unset and these cursors run their statements unprepared.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from anxin.core.converted import Converted

# Statements in Django's placeholder style converted to PostgreSQL's ($1, $2 …).
_numbered = Converted(kept=256)
_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)


def numbered(query: str) -> str:
    """``query`` with Django's ``%s`` placeholders numbered as PostgreSQL's
    ``$1``, ``$2`` … and ``%%`` as ``%``; any other ``%`` is an error."""
    return _numbered(query, _number)


def _number(query: str) -> str:
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        if match.group(1) != "s":
            raise ValueError(f"unsupported placeholder %{match.group(1)} in {query[:80]!r}")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, query)


class NumberedCursor(psycopg.RawCursor[Any]):
    """psycopg's cursor for PostgreSQL's own placeholders (binding on the server),
    given Django's: converted once per statement text (``numbered``). psycopg's
    cursors convert on every execution and remember only statements under 4 KB
    with at most 50 parameters; the report's (3.7 KB, 78 parameters) took
    0.37 ms every time."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if params is not None and isinstance(query, str):
            query = numbered(query)
        return super().execute(query, params, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    def prepared_cursor(self) -> Any:
        """A cursor (with Django's wrapper: logging, execute wrappers, errors)
        that binds parameters on the server, so that psycopg prepares what it
        runs again; placeholders as Django's (``%s``, ``%%``). For statements
        built once and run on every request; their
        parameters must give the server their types (or a context to infer
        them from), as in any prepared statement."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = NumberedCursor(self.connection)
            # As Django's create_cursor: the time zone, where the connection's differs.
            loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)  # type: ignore[attr-defined]
