"""Reads of hazard files."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import h3
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, Q, QuerySet
from django.db.models.sql import Query
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Role
from anxin.accounts.selectors import derived_from_scope, roles_of
from anxin.areas.spatial import distance_m
from anxin.hazards.choices import DEADLINE_STATUSES, OPEN_STATUSES, Status
from anxin.hazards.models import Hazard, HazardEvent
from anxin.hazards.workflow import DISPATCHERS, RECHECKERS, RECTIFIERS, REVIEWERS, TIER_OF_ROLE


def cells_within(lat: float, lng: float, radius_m: float) -> tuple[int, list[str]]:
    """H3 cells (res 9 or 11) that can hold a point within ``radius_m`` of a point:
    a cheap indexed pre-filter (callers still measure each distance). The cells
    depend only on the cell the point lies in (``_cells_around``, cached)."""
    resolution = 11 if radius_m <= 100 else 9
    return resolution, list(_cells_around(h3.latlng_to_cell(lat, lng, resolution), radius_m))


@functools.lru_cache(maxsize=8192)
def _cells_around(origin: str, radius_m: float) -> tuple[str, ...]:
    """Every cell that can hold a point within ``radius_m`` of some point of
    ``origin``. A point of a cell lies within the cell's circumradius R of its
    centre, so a point within the radius of a point of ``origin`` lies within
    radius + R of the origin's centre, and its cell's centre within another R
    (with a margin for neighbours of another size): cells whose centre lies
    within radius + 2.25·R of the origin's centre."""
    o_lat, o_lng = h3.cell_to_latlng(origin)
    circumradius = max(
        distance_m(o_lat, o_lng, v_lat, v_lng) for v_lat, v_lng in h3.cell_to_boundary(origin)
    )
    reach = radius_m + 2.25 * circumradius
    # A cell outside k rings has its centre at least 1.5·(k+1) circumradii away.
    rings = max(1, math.ceil(reach / (1.5 * circumradius)))
    return tuple(
        cell
        for cell in h3.grid_disk(origin, rings)
        if distance_m(o_lat, o_lng, *h3.cell_to_latlng(cell)) <= reach
    )


def nearby_open(
    lat: float,
    lng: float,
    radius_m: float,
    queryset: QuerySet[Hazard] | None = None,
    limit: int | None = None,
) -> list[tuple[Hazard, float]]:
    """Open hazards within ``radius_m`` of a point, nearest first (at most
    ``limit``), with their category, grid and community. H3 cells narrow the
    search on an index; distances are computed on the coordinates, and only
    the hazards returned are loaded (by a second query)."""
    resolution, cells = cells_within(lat, lng, radius_m)
    field = "h3_r11" if resolution == 11 else "h3_r9"
    queryset = Hazard.objects.all() if queryset is None else queryset
    # No ORDER BY: the order is by distance, below. (An ORDER BY id lets SQLite
    # prefer an index that yields that order over the narrower one.)
    rows = queryset.filter(status__in=OPEN_STATUSES, **{f"{field}__in": cells}).order_by()
    near = sorted(
        (d, pk)
        for pk, h_lat, h_lng in rows.values_list("pk", "lat", "lng")
        if (d := distance_m(lat, lng, h_lat, h_lng)) <= radius_m
    )
    if limit is not None:
        near = near[:limit]
    if not near:
        return []
    loaded = Hazard.objects.select_related("category", "grid", "community").in_bulk(
        [pk for _d, pk in near]
    )
    return [(loaded[pk], d) for d, pk in near if pk in loaded]


# How many duplicate candidates a reporter is shown, nearest first.
DUPLICATES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a reporter is shown of a possible duplicate of their report, and how
    far from it it lies: a record, not a model instance (building ten partial
    hazards cost more than the search that found them)."""

    id: int
    code: str
    title: str
    risk_colour: str
    lat: float | None
    lng: float | None
    status: str
    reported_at: datetime
    distance_m: float

    @property
    def pk(self) -> int:
        return self.id

    @classmethod
    def of(cls, hazard: Hazard, distance: float) -> Candidate:
        return cls(
            **{name: getattr(hazard, name) for name in DUPLICATE_SUMMARY_FIELDS},
            distance_m=round(distance, 1),
        )


# The hazard fields a Candidate carries.
DUPLICATE_SUMMARY_FIELDS = tuple(f for f in Candidate.__dataclass_fields__ if f != "distance_m")


def _duplicate_window_start(hazard: Hazard) -> datetime:
    return hazard.reported_at - timedelta(days=hazard.category.duplicate_window_days)


def _duplicates(hazard: Hazard, visible_to: Any) -> list[tuple[Hazard, float]]:
    category = hazard.category
    since = _duplicate_window_start(hazard)
    base = (
        Hazard.objects.all()
        if visible_to == "everyone"
        else Hazard.objects.restrict(visible_to, "view")
    )
    queryset = base.filter(category=category, reported_at__gte=since).exclude(pk=hazard.pk)
    return nearby_open(
        hazard.lat, hazard.lng, category.duplicate_radius_m, queryset, limit=DUPLICATES_SHOWN
    )


def duplicate_candidates(hazard: Hazard, visible_to: Any = "everyone") -> list[Hazard]:
    """Open hazards of the same subclass within its duplicate radius and window,
    nearest first; with ``visible_to`` a user, only those that user may see."""
    return [h for h, _d in _duplicates(hazard, visible_to)]


def duplicate_summaries(hazard: Hazard, visible_to: Any = "everyone") -> list[Candidate]:
    """``duplicate_candidates`` as the reporter is shown them, in one SELECT
    (``_nearby_in_scope``) unless the scope needs the ORM."""
    scope = _scope_where(visible_to)
    if scope is None:
        return [Candidate.of(h, d) for h, d in _duplicates(hazard, visible_to)]
    return _nearby_in_scope(hazard, scope)


_OPEN_STATUS_VALUES = [str(s) for s in OPEN_STATUSES]

# A scope that admits no row (``_scope_where``).
_NOTHING: tuple[str, list[Any]] = ("0 = 1", [])


def _scope_where(visible_to: Any) -> tuple[str, list[Any]] | None:
    """The WHERE clause (SQL, parameters) that ``restrict(visible_to, "view")``
    puts on hazards, compiled for this connection: ``("", [])`` for every row,
    ``_NOTHING`` for none, None when the scope needs a join or DISTINCT. For a
    logged-in user it is compiled once per set of memberships (it depends on
    nothing else), not on every report."""
    if visible_to == "everyone":
        return "", []

    def compile_scope() -> tuple[str, list[Any]] | None:
        query = Hazard.objects.restrict(visible_to, "view").query
        if query.is_empty():
            return _NOTHING
        table = Hazard._meta.db_table
        # Aliases of joins the ORM set up but trimmed have no references: not joined.
        if query.distinct or any(
            alias != table and query.alias_refcount[alias] for alias in query.alias_map
        ):
            return None
        if not query.where:
            return "", []
        try:
            sql, params = query.get_compiler(connection=connection).compile(query.where)
        except EmptyResultSet:
            return _NOTHING
        return sql, list(params)

    if not getattr(visible_to, "is_authenticated", False) or visible_to.pk is None:
        return compile_scope()
    key = (
        "hazards.duplicate_scope",
        connection.alias,
        visible_to.is_superuser,
        visible_to.is_active,
    )
    return derived_from_scope(visible_to, key, compile_scope)


@dataclass(frozen=True)
class NearbyStatement:
    sql: str
    names: list[str]  # the attnames selected
    at_lat: int
    at_lng: int
    # As SQLCompiler.get_converters gives them; they read only settings (the time
    # zone), so one statement serves every thread's connection.
    converters: list[tuple[int, tuple[list[Any], Any]]]


# Per (database vendor, scope SQL, H3 resolution, number of cells, id left out).
_nearby_statements: dict[tuple[Any, ...], NearbyStatement] = {}


def _nearby_statement(
    conn: Any,
    scope_sql: str,
    resolution: int,
    n_cells: int,
    exclude_id: bool = True,
) -> NearbyStatement:
    """The duplicate search's SELECT. Its parameters: the scope's, the category,
    the earliest report time, the id to leave out (``exclude_id``), the open
    statuses, the cells."""
    meta = Hazard._meta
    table = meta.db_table
    quote = conn.ops.quote_name
    by_attname = {f.attname: f for f in meta.concrete_fields}

    def column(attname: str) -> str:
        return f"{quote(table)}.{quote(str(by_attname[attname].column))}"

    selected = [f for f in meta.concrete_fields if f.attname in DUPLICATE_SUMMARY_FIELDS]
    names = [f.attname for f in selected]
    sql = (
        f"SELECT {', '.join(column(n) for n in names)} FROM {quote(table)} WHERE "
        + (f"({scope_sql}) AND " if scope_sql else "")
        + f"{column('category_id')} = %s AND {column('reported_at')} >= %s"
        + (f" AND {column('id')} <> %s" if exclude_id else "")
        + f" AND {column('status')} IN ({', '.join(['%s'] * len(OPEN_STATUSES))})"
        f" AND {column('h3_r11' if resolution == 11 else 'h3_r9')}"
        f" IN ({', '.join(['%s'] * n_cells)})"
    )
    compiler = conn.ops.compiler("SQLCompiler")(Query(Hazard), conn, None)
    converters = compiler.get_converters([f.get_col(table) for f in selected])
    return NearbyStatement(
        sql, names, names.index("lat"), names.index("lng"), list(converters.items())
    )


def _nearby_in_scope(hazard: Hazard, scope: tuple[str, list[Any]]) -> list[Candidate]:
    """``duplicate_summaries`` in one SELECT written here around
    the scope's WHERE clause (``_scope_where``), instead of the ORM assembling
    the six other filters on every report: the same rows, nearest first. The
    statement is built once per shape (``nearby_query``)."""
    if scope is _NOTHING:
        return []
    conn = connections[DEFAULT_DB_ALIAS]
    statement, params = nearby_query(hazard, scope, exclude=hazard.pk)
    with conn.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    return nearest(hazard, statement, rows)


def duplicate_query(hazard: Hazard, visible_to: Any) -> tuple[NearbyStatement, list[Any]] | None:
    """``duplicate_summaries(hazard, visible_to)`` for a hazard not yet
    written, as a SELECT to run in the statement that writes it (whose snapshot
    does not hold the new row); pass its rows to ``nearest``. None when the
    scope needs the ORM."""
    scope = _scope_where(visible_to)
    if scope is None:
        return None
    return nearby_query(hazard, scope, exclude=None)


def nearby_query(
    hazard: Hazard,
    scope: tuple[str, list[Any]],
    exclude: int | None,
) -> tuple[NearbyStatement, list[Any]]:
    """The duplicate search for ``hazard`` (not yet written when ``exclude`` is
    None): the statement and its parameters."""
    conn = connections[DEFAULT_DB_ALIAS]
    scope_sql, scope_params = scope
    resolution, cells = cells_within(hazard.lat, hazard.lng, hazard.category.duplicate_radius_m)
    key = (conn.vendor, scope_sql, resolution, len(cells), exclude is not None)
    statement = _nearby_statements.get(key)
    if statement is None:
        if len(_nearby_statements) >= 1000:  # scopes of many shapes: start again
            _nearby_statements.clear()
        statement = _nearby_statement(conn, scope_sql, resolution, len(cells), exclude is not None)
        _nearby_statements[key] = statement
    params = [
        *scope_params,
        hazard.category.pk,
        conn.ops.adapt_datetimefield_value(_duplicate_window_start(hazard)),
        *([] if exclude is None else [exclude]),
        *_OPEN_STATUS_VALUES,
        *cells,
    ]
    return statement, params


def nearest(hazard: Hazard, statement: NearbyStatement, rows: Sequence[Any]) -> list[Candidate]:
    """The rows of ``statement`` within the duplicate radius, nearest first (at
    most ``DUPLICATES_SHOWN``), as candidates. Coordinates are plain floats;
    the other values are converted as the ORM converts them, and only for the
    rows kept."""
    conn = connections[DEFAULT_DB_ALIAS]
    radius = hazard.category.duplicate_radius_m
    at_lat, at_lng = statement.at_lat, statement.at_lng
    near = sorted(
        (d, row)
        for row in rows
        if (d := distance_m(hazard.lat, hazard.lng, row[at_lat], row[at_lng])) <= radius
    )[:DUPLICATES_SHOWN]
    kept = []
    for d, row in near:
        values = list(row)
        for position, (functions, expression) in statement.converters:
            for convert in functions:
                values[position] = convert(values[position], expression, conn)
        fields = dict(zip(statement.names, values, strict=True))
        kept.append(Candidate(**fields, distance_m=round(d, 1)))
    return kept


# --- the to-do queues of the home page ---------------------------------------------------
@dataclass(frozen=True)
class Queue:
    name: str
    label: Any
    roles: frozenset[str]  # who sees this queue on the home page (empty: all staff)


QUEUES: tuple[Queue, ...] = (
    Queue("to_verify", _("To verify"), REVIEWERS),
    Queue("to_dispatch", _("To dispatch"), DISPATCHERS),
    Queue("to_rectify", _("To rectify"), RECTIFIERS | DISPATCHERS | {Role.DISTRICT_ADMIN}),
    Queue("to_recheck", _("To recheck"), RECHECKERS),
    Queue("overdue", _("Overdue"), frozenset()),
    Queue("listed", _("Listed for supervision"), frozenset()),
)
QUEUE_BY_NAME = {q.name: q for q in QUEUES}


def overdue_q(now: datetime) -> Q:
    """Past the rectification deadline while it still runs: flagged by the
    sweep, or already past due before the next sweep."""
    return Q(status__in=DEADLINE_STATUSES) & (Q(is_overdue=True) | Q(deadline__lt=now))


def queue_q(name: str, user: Any, now: datetime) -> Q:
    """The filter of one to-do queue for this user (within their scope)."""
    roles = roles_of(user)
    if name == "to_verify":
        tiers = [TIER_OF_ROLE[r] for r in roles if r in TIER_OF_ROLE]
        if user.is_superuser or not tiers:
            return Q(status=Status.REPORTED)
        # a report waits for this user while their review tier is not yet done
        return Q(status=Status.REPORTED, review_tier__lt=max(tiers))
    if name == "to_dispatch":
        return Q(status__in=[Status.VERIFIED, Status.RETURNED])
    if name == "to_rectify":
        q = Q(status__in=[Status.DISPATCHED, Status.RECTIFYING])
        if roles and roles <= set(RECTIFIERS) and not user.is_superuser:
            orgs = [m.organisation_id for m in user.active_memberships() if m.organisation_id]
            q &= Q(responsible_organisation__in=orgs)
        return q
    if name == "to_recheck":
        return Q(status=Status.AWAITING_RECHECK)
    if name == "overdue":
        return overdue_q(now)
    if name == "listed":
        return Q(is_listed=True, status__in=OPEN_STATUSES)
    raise KeyError(name)


def queues_for(user: Any) -> list[Queue]:
    """The queues shown on this user's home page."""
    roles = roles_of(user)
    staff = user.is_superuser or bool(roles - {Role.RESIDENT})
    if not staff:
        return []
    return [q for q in QUEUES if user.is_superuser or not q.roles or roles & q.roles]


def queue_counts(hazards: QuerySet[Hazard], user: Any) -> list[tuple[Queue, int]]:
    """The user's to-do queues with their counts among ``hazards`` (the rows the
    user may see), in one aggregate query."""
    queues = queues_for(user)
    if not queues:
        return []
    now = timezone.now()
    counts = hazards.aggregate(
        **{q.name: Count("id", filter=queue_q(q.name, user, now)) for q in queues}
    )
    return [(q, counts[q.name] or 0) for q in queues]


def due_for_sweep(now: datetime) -> QuerySet[Hazard]:
    """Hazards whose rectification clock needs the overdue sweep now: an index
    probe on ``next_escalation_at``, whatever the number of open hazards."""
    return Hazard.objects.filter(status__in=DEADLINE_STATUSES, next_escalation_at__lte=now)


def visible_duplicates(hazard: Hazard, user: Any) -> QuerySet[Hazard]:
    """The duplicate candidates of ``hazard`` (``duplicate_candidates``) that
    ``user`` may see."""
    ids = [h.pk for h in duplicate_candidates(hazard)]
    return Hazard.objects.restrict(user, "view").filter(pk__in=ids)


def timeline(hazard: Hazard, include_internal: bool = True) -> QuerySet[HazardEvent]:
    events = hazard.events.select_related("actor").prefetch_related("attachments")
    return events if include_internal else events.filter(is_internal=False)


def in_change_scope(hazard: Hazard, user: Any) -> bool:
    """Whether the hazard lies in the user's change scope (where they may act)."""
    return bool(Hazard.objects.restrict(user, "change").filter(pk=hazard.pk).exists())


def allowed_transitions(hazard: Hazard, user: Any) -> list[str]:
    """Names of the transitions this user may fire on this hazard now."""
    from anxin.hazards.workflow import transitions_from

    if user is None or not user.is_authenticated:
        return []
    candidates = transitions_from(hazard.status)
    if not candidates:
        return []
    if not in_change_scope(hazard, user):
        return []
    if user.is_superuser:
        return [t.name for t in candidates]
    roles = user.roles
    names = []
    for t in candidates:
        if not roles & t.roles:
            continue
        if t.blue_only and hazard.risk_colour != "blue":
            continue
        names.append(t.name)
    return names
