"""Reads of hazard files."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import h3
from django.db.models import QuerySet

from anxin.areas.spatial import distance_m
from anxin.hazards.choices import OPEN_STATUSES
from anxin.hazards.models import Hazard, HazardEvent


def cells_within(lat: float, lng: float, radius_m: float) -> tuple[int, list[str]]:
    """H3 cells (res 9 or 11) covering a disc: a cheap indexed pre-filter."""
    resolution = 11 if radius_m <= 100 else 9
    edge = h3.average_hexagon_edge_length(resolution, unit="m")
    rings = max(1, math.ceil(radius_m / (edge * 1.5)) + 1)
    return resolution, list(h3.grid_disk(h3.latlng_to_cell(lat, lng, resolution), rings))


def nearby_open(
    lat: float,
    lng: float,
    radius_m: float,
    queryset: QuerySet[Hazard] | None = None,
    limit: int | None = None,
) -> list[tuple[Hazard, float]]:
    """Open hazards within ``radius_m`` of a point, nearest first (at most
    ``limit``). H3 cells narrow the search on an index; distances are computed
    on three columns, and only the hazards returned are loaded whole."""
    resolution, cells = cells_within(lat, lng, radius_m)
    field = "h3_r11" if resolution == 11 else "h3_r9"
    queryset = Hazard.objects.all() if queryset is None else queryset
    rows = queryset.filter(status__in=OPEN_STATUSES, **{f"{field}__in": cells})
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


def duplicate_candidates(hazard: Hazard, visible_to: Any = "everyone") -> list[Hazard]:
    """Open hazards of the same subclass within its duplicate radius and window,
    nearest first; with ``visible_to`` a user, only those that user may see."""
    category = hazard.category
    since = hazard.reported_at - timedelta(days=category.duplicate_window_days)
    base = (
        Hazard.objects.all()
        if visible_to == "everyone"
        else Hazard.objects.restrict(visible_to, "view")
    )
    queryset = base.filter(category=category, reported_at__gte=since).exclude(pk=hazard.pk)
    return [
        h
        for h, _d in nearby_open(
            hazard.lat, hazard.lng, category.duplicate_radius_m, queryset, limit=DUPLICATES_SHOWN
        )
    ]


def due_for_sweep(now: datetime) -> QuerySet[Hazard]:
    """Hazards whose rectification clock needs the overdue sweep now: an index
    probe on ``next_escalation_at``, whatever the number of open hazards."""
    from anxin.hazards.choices import DEADLINE_STATUSES

    return Hazard.objects.filter(status__in=DEADLINE_STATUSES, next_escalation_at__lte=now)


def timeline(hazard: Hazard, include_internal: bool = True) -> QuerySet[HazardEvent]:
    events = hazard.events.select_related("actor").prefetch_related("attachments")
    return events if include_internal else events.filter(is_internal=False)


def allowed_transitions(hazard: Hazard, user: Any) -> list[str]:
    """Names of the transitions this user may fire on this hazard now."""
    from anxin.hazards.workflow import transitions_from

    if user is None or not user.is_authenticated:
        return []
    candidates = transitions_from(hazard.status)
    if not candidates:
        return []
    if not Hazard.objects.restrict(user, "change").filter(pk=hazard.pk).exists():
        return []
    if user.is_superuser:
        return [t.name for t in candidates]
    roles = {m.role for m in user.active_memberships()}
    names = []
    for t in candidates:
        if not roles & t.roles:
            continue
        if t.blue_only and hazard.risk_colour != "blue":
            continue
        names.append(t.name)
    return names
