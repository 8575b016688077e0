"""Keyset pagination for pages: one page of rows ordered by (a sort key, id),
with opaque cursors to the next and previous pages. No OFFSET and no COUNT(*),
so a page costs the same at row 100,000 as at row 1."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class SortKey:
    """What a page is ordered by: an expression of each row (annotated as
    ``sort_key``), and whether its values are date-times (else integers)."""

    expression: Any
    is_datetime: bool = False


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def encode_cursor(value: Any, pk: int) -> str:
    raw = value.isoformat() if isinstance(value, datetime) else value
    text = json.dumps([raw, pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(key: SortKey, token: str | None) -> tuple[Any, int] | None:
    """``None`` for a missing or unreadable cursor (the first page is shown)."""
    if not token:
        return None
    try:
        raw, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if key.is_datetime:
            value: Any = parse_datetime(raw)
            if value is None:
                return None
        else:
            value = int(raw)
        return value, int(pk)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def keyset_page(
    queryset: QuerySet[Any],
    key: SortKey,
    descending: bool,
    after: str | None,
    before: str | None,
    size: int,
) -> Page:
    """One page ordered by (``key``, id), after the cursor ``after`` or before
    the cursor ``before`` (the first page without either)."""
    queryset = queryset.annotate(sort_key=key.expression)
    forward = ["-sort_key", "-id"] if descending else ["sort_key", "id"]
    backward = [f[1:] if f.startswith("-") else f"-{f}" for f in forward]

    def beyond(value: Any, pk: int, going_forward: bool) -> Q:
        op = "lt" if descending == going_forward else "gt"
        return Q(**{f"sort_key__{op}": value}) | Q(sort_key=value, **{f"id__{op}": pk})

    before_key = decode_cursor(key, before)
    after_key = decode_cursor(key, after)
    if before_key is not None:
        rows = list(queryset.filter(beyond(*before_key, False)).order_by(*backward)[: size + 1])
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
        has_next = True
    else:
        if after_key is not None:
            queryset = queryset.filter(beyond(*after_key, True))
        rows = list(queryset.order_by(*forward)[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = after_key is not None
    return Page(
        rows=rows,
        next_cursor=encode_cursor(rows[-1].sort_key, rows[-1].pk) if has_next and rows else None,
        previous_cursor=encode_cursor(rows[0].sort_key, rows[0].pk)
        if has_previous and rows
        else None,
    )


def query_with(params: QueryDict, **changes: str | None) -> str:
    """The query string of ``params`` with ``changes`` (a None or empty value
    removes the parameter) and without the cursors: a link to another page,
    sort order or filter."""
    query = params.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
