"""Reads behind the map page and the organisation pages.

Every read starts from ``restrict(user, "view")``: the polygons, the markers, the
heat cells and the counts per node show exactly what the user may see.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import h3
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from anxin.areas.models import Area, AreaTreeVersion
from anxin.hazards.choices import OPEN_STATUSES, Status
from anxin.hazards.models import Hazard
from anxin.taxonomy.models import Category

# Levels drawn on the map (units share their building's outline).
MAP_LEVELS = ("district", "street", "community", "grid", "building")
# Levels of the organisation tree pages, and each one's foreign key on Hazard.
TREE_LEVELS = ("district", "street", "community", "grid")
HAZARD_FK_BY_LEVEL = {
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "building": "building_id",
}
CHILD_LEVEL = {
    "district": "street",
    "street": "community",
    "community": "grid",
    "grid": "building",
}
# The map answers at most this many markers; the rest is reported as truncated.
MAX_MARKERS = 50_000
HEAT_RESOLUTIONS = (7, 9)


# --- filters -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapFilters:
    """Validated filters of the map endpoints (see ``anxin.maps.forms``)."""

    statuses: tuple[str, ...] = tuple(sorted(OPEN_STATUSES))
    colours: tuple[str, ...] = ()
    category: str = ""  # a main class code, e.g. "01"
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def filtered_hazards(hazards: QuerySet[Hazard], filters: MapFilters) -> QuerySet[Hazard]:
    """``hazards`` (the rows the user may see) narrowed by the map's filters."""
    queryset = hazards
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.colours:
        queryset = queryset.filter(risk_colour__in=filters.colours)
    if filters.category:
        subclass_ids = list(
            Category.objects.filter(
                Q(parent__code=filters.category) | Q(code=filters.category)
            ).values_list("pk", flat=True)
        )
        queryset = queryset.filter(category_id__in=subclass_ids)
    if filters.date_from:
        queryset = queryset.filter(reported_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(reported_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return queryset


def marker_rows(hazards: QuerySet[Hazard], filters: MapFilters) -> tuple[list[list[Any]], bool]:
    """Compact marker rows ``[id, lat, lng, colour, status, code, title]`` (no
    personal data) and whether the answer was cut at ``MAX_MARKERS``."""
    rows = list(
        filtered_hazards(hazards, filters)
        .order_by("-id")
        .values_list("id", "lat", "lng", "risk_colour", "status", "code", "title")[
            : MAX_MARKERS + 1
        ]
    )
    truncated = len(rows) > MAX_MARKERS
    return [list(row) for row in rows[:MAX_MARKERS]], truncated


def heat_resolution(zoom: int | None) -> int:
    """H3 resolution for a map zoom: res 7 cells (~5 km²) when looking at a
    district, res 9 (~0.1 km²) from street level in."""
    return 9 if zoom is not None and zoom >= 14 else 7


def heat_cells(
    hazards: QuerySet[Hazard], filters: MapFilters, resolution: int
) -> list[dict[str, Any]]:
    """Visible hazards counted per H3 cell, each with its hexagon (``[lat, lng]``
    pairs, WGS-84)."""
    if resolution not in HEAT_RESOLUTIONS:
        raise ValueError(f"resolution must be one of {HEAT_RESOLUTIONS}")
    column = f"h3_r{resolution}"
    counted = (
        filtered_hazards(hazards, filters)
        .order_by()
        .values(column)
        .annotate(count=Count("id"))
        .values_list(column, "count")
    )
    cells = []
    for cell, count in counted:
        if not cell:
            continue
        boundary = [[round(lat, 6), round(lng, 6)] for lat, lng in h3.cell_to_boundary(cell)]
        cells.append({"cell": cell, "count": count, "boundary": boundary})
    cells.sort(key=lambda c: (-c["count"], c["cell"]))
    return cells


# --- the base layer ------------------------------------------------------------------------
def _tree_version() -> str:
    """Moves whenever an area changes: the tree's version counter, and (for
    databases rebuilt from scratch, e.g. between tests) the areas' count and
    latest change."""
    version = AreaTreeVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    state = Area.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    last = state["last"].timestamp() if state["last"] else 0
    return f"{version or 0}.{state['n']}.{last}"


def _scope_signature(user: Any) -> str:
    if user.is_superuser:
        return "superuser"
    parts = sorted(
        f"{m.role}:{m.scope}:{m.area_id}:{m.organisation_id}" for m in user.active_memberships()
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def area_feature_collection(areas: QuerySet[Area], user: Any) -> dict[str, Any]:
    """The org tree polygons of ``areas`` (those ``user`` may see) as GeoJSON
    (WGS-84), cached per user, scope and tree version."""
    key = f"maps:areas:{user.pk}:{_scope_signature(user)}:{_tree_version()}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    rows = (
        areas.filter(level__in=MAP_LEVELS)
        .order_by("depth", "code")
        .values_list("code", "name", "level", "geometry")
    )
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"code": code, "name": name, "level": level},
            }
            for code, name, level, geometry in rows
        ],
    }
    cache.set(key, collection, 600)
    return collection


# --- organisation pages --------------------------------------------------------------------
@dataclass
class NodeCounts:
    open: int = 0
    overdue: int = 0
    closed_this_month: int = 0

    def add(self, other: NodeCounts) -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.closed_this_month += other.closed_this_month


def month_start(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _counted_rows(now: datetime | None = None) -> Q:
    """The only rows the counts depend on: open, or closed this month (only a
    closed hazard has ``closed_at``; the aggregates check the status again).
    Filtering first keeps the grouping small, most hazards of a year being closed;
    leaving ``status`` out of the second half keeps SQLite from fetching every
    closed row through the status index (one sequential scan is cheaper)."""
    return Q(status__in=OPEN_STATUSES) | Q(closed_at__gte=month_start(now))


def _count_aggregates(now: datetime | None = None) -> dict[str, Count]:
    open_q = Q(status__in=OPEN_STATUSES)
    return {
        "open": Count("id", filter=open_q),
        "overdue": Count("id", filter=open_q & Q(is_overdue=True)),
        "closed_this_month": Count(
            "id", filter=Q(status=Status.CLOSED, closed_at__gte=month_start(now))
        ),
    }


def _scan_key(column: str) -> ExpressionWrapper:
    """``column + 0`` as a grouping key: grouping by the bare foreign key makes
    SQLite walk that column's index and fetch every row at random, which is two to
    three times slower than one sequential scan and a sort of the keys."""
    return ExpressionWrapper(F(column) + 0, output_field=IntegerField())


def visible_tree(areas: QuerySet[Area]) -> list[Area]:
    """District → street → community → grid nodes of ``areas`` (those the user
    may see), by path."""
    return list(areas.filter(level__in=TREE_LEVELS).order_by("path"))


def tree_counts(user: Any, nodes: list[Area], now: datetime | None = None) -> dict[int, NodeCounts]:
    """Counts of visible hazards per node: one query grouped by the hazards'
    street, community and grid, rolled up to the district in Python."""
    rows = (
        Hazard.objects.restrict(user, "view")
        .filter(_counted_rows(now))
        .order_by()
        .annotate(
            street_key=_scan_key("street_id"),
            community_key=_scan_key("community_id"),
            grid_key=_scan_key("grid_id"),
        )
        .values("street_key", "community_key", "grid_key")
        .annotate(**_count_aggregates(now))
    )
    wanted = {node.pk for node in nodes}
    district_of: dict[int, int | None] = {}
    if any(node.level == "district" for node in nodes):
        district_of = dict(Area.objects.filter(level="street").values_list("pk", "parent_id"))
    counts: dict[int, NodeCounts] = defaultdict(NodeCounts)
    for row in rows:
        row_counts = NodeCounts(row["open"], row["overdue"], row["closed_this_month"])
        street_id = row["street_key"]
        district_id = district_of.get(street_id) if street_id else None
        for area_id in (district_id, street_id, row["community_key"], row["grid_key"]):
            if area_id in wanted:
                counts[area_id].add(row_counts)
    return counts


@dataclass
class NodeSummary:
    counts: NodeCounts
    rectified_12m: int
    on_time_12m: int
    overdue_rate: float | None = None
    on_time_rate: float | None = None
    children: list[tuple[Area, NodeCounts]] = field(default_factory=list)
    # hazards reported and closed per local month, the last 12 months
    months: list[str] = field(default_factory=list)
    reported: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


def node_hazards(user: Any, node: Area) -> QuerySet[Hazard]:
    return Hazard.objects.restrict(user, "view").filter(area_path__startswith=node.path)


def last_months(now: datetime | None = None, count: int = 12) -> list[datetime]:
    """The first instants (local time) of the last ``count`` months, oldest first."""
    start = month_start(now)
    months = [start]
    for _ in range(count - 1):
        previous = timezone.localtime(months[-1] - timedelta(days=1)).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )
        months.append(previous)
    return list(reversed(months))


def _month_index(column: str, months: list[datetime]) -> Case:
    """The index in ``months`` of the month ``column`` falls in, -1 before them
    (latest month first, so that each row stops at its first match)."""
    whens = [
        When(**{f"{column}__gte": start}, then=Value(i))
        for i, start in reversed(list(enumerate(months)))
    ]
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def node_summary(user: Any, node: Area, now: datetime | None = None) -> NodeSummary:
    """Everything the node page shows about the visible hazards at or below ``node``,
    in two queries:

    * open, overdue and closed this month, per child node (grouped by the child
      level's foreign key) and summed for the node; overdue rate = overdue open /
      open;
    * over the last 12 months: hazards rectified and rectified on time (on or
      before the deadline; one fixed on the spot has no deadline and counts as on
      time), on-time rate = on time / rectified, and hazards reported and closed
      per local month (grouped by the two months' indexes, no per-row date
      functions).
    """
    now = now or timezone.now()
    hazards = node_hazards(user, node).order_by()
    child_level = CHILD_LEVEL.get(node.level)
    fk = HAZARD_FK_BY_LEVEL[child_level] if child_level else None
    counted = hazards.filter(_counted_rows(now))
    count_rows: list[dict[str, Any]] = (
        [
            dict(row)
            for row in counted.annotate(child_key=_scan_key(fk))
            .values("child_key")
            .annotate(**_count_aggregates(now))
        ]
        if fk
        else [counted.aggregate(**_count_aggregates(now))]
    )
    counts = NodeCounts()
    per_child: dict[int | None, NodeCounts] = {}
    for row in count_rows:
        row_counts = NodeCounts(row["open"], row["overdue"], row["closed_this_month"])
        counts.add(row_counts)
        per_child[row.get("child_key")] = row_counts

    months = last_months(now)
    since = now - timedelta(days=365)
    rectified_q = Q(rectified_at__gte=since)
    trend = (
        hazards.filter(Q(reported_at__gte=months[0]) | Q(closed_at__gte=months[0]) | rectified_q)
        .annotate(
            reported_month=_month_index("reported_at", months),
            closed_month=_month_index("closed_at", months),
        )
        .values("reported_month", "closed_month")
        .annotate(
            rectified=Count("id", filter=rectified_q),
            on_time=Count(
                "id",
                filter=rectified_q
                & (Q(deadline__isnull=True) | Q(rectified_at__lte=F("deadline"))),
            ),
            n=Count("id"),
        )
    )
    summary = NodeSummary(
        counts=counts,
        rectified_12m=0,
        on_time_12m=0,
        months=[f"{m.year:04d}-{m.month:02d}" for m in months],
        reported=[0] * len(months),
        closed=[0] * len(months),
    )
    for bucket in trend:
        summary.rectified_12m += bucket["rectified"]
        summary.on_time_12m += bucket["on_time"]
        if 0 <= bucket["reported_month"] < len(months):
            summary.reported[bucket["reported_month"]] += bucket["n"]
        if 0 <= bucket["closed_month"] < len(months):
            summary.closed[bucket["closed_month"]] += bucket["n"]
    if counts.open:
        summary.overdue_rate = counts.overdue / counts.open
    if summary.rectified_12m:
        summary.on_time_rate = summary.on_time_12m / summary.rectified_12m
    if child_level:
        children = (
            Area.objects.restrict(user, "view")
            .filter(parent=node, level=child_level)
            .order_by("code")
        )
        summary.children = [(child, per_child.get(child.pk, NodeCounts())) for child in children]
    return summary


# --- GCJ-02 (reference for anxin/maps/static/maps/gcj02.js) ------------------------------
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def outside_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """The public WGS-84 → GCJ-02 approximation (Krasovsky ellipsoid); points
    outside China are returned unchanged. Display only: storage stays WGS-84."""
    if outside_china(lng, lat):
        return lng, lat
    d_lat = _transform_lat(lng - 105.0, lat - 35.0)
    d_lng = _transform_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = math.sin(rad_lat)
    magic = 1 - _GCJ_EE * magic * magic
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lng + d_lng, lat + d_lat
