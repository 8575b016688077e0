"""Reads of hazard files."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import h3
from django.db.models import QuerySet

from anxin.hazards.choices import OPEN_STATUSES
from anxin.hazards.models import Hazard, HazardEvent


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def cells_within(lat: float, lng: float, radius_m: float) -> tuple[int, list[str]]:
    """H3 cells (res 9 or 11) covering a disc: a cheap indexed pre-filter."""
    resolution = 11 if radius_m <= 100 else 9
    edge = h3.average_hexagon_edge_length(resolution, unit="m")
    rings = max(1, math.ceil(radius_m / (edge * 1.5)) + 1)
    return resolution, list(h3.grid_disk(h3.latlng_to_cell(lat, lng, resolution), rings))


def nearby_open(
    lat: float, lng: float, radius_m: float, queryset: QuerySet[Hazard] | None = None
) -> list[tuple[Hazard, float]]:
    resolution, cells = cells_within(lat, lng, radius_m)
    field = "h3_r11" if resolution == 11 else "h3_r9"
    queryset = Hazard.objects.all() if queryset is None else queryset
    rows = queryset.filter(status__in=OPEN_STATUSES, **{f"{field}__in": cells})
    found = []
    for hazard in rows:
        distance = _distance_m(lat, lng, hazard.lat, hazard.lng)
        if distance <= radius_m:
            found.append((hazard, distance))
    return sorted(found, key=lambda pair: pair[1])


def duplicate_candidates(hazard: Hazard) -> list[Hazard]:
    """Open hazards of the same subclass within its duplicate radius and window."""
    category = hazard.category
    since = hazard.reported_at - timedelta(days=category.duplicate_window_days)
    queryset = Hazard.objects.filter(category=category, reported_at__gte=since).exclude(
        pk=hazard.pk
    )
    return [
        h for h, _d in nearby_open(hazard.lat, hazard.lng, category.duplicate_radius_m, queryset)
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
