"""Time limits (DESIGN §5): defaults, per-locality overrides, working days.

A limit is looked up for (step, colour) at the hazard's nearest locality that
has one (community, then street, then district); otherwise the default below.
Working-day limits skip weekends and public holidays and count make-up working
days (调休), as kept in ``Holiday``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings

from anxin.core.process_cache import ProcessCache
from anxin.hazards.choices import RiskColour, TimeLimitStep
from anxin.hazards.models import Holiday, TimeLimit


@dataclass(frozen=True)
class Limit:
    hours: int = 0
    days: int = 0
    working_days: bool = False

    @property
    def is_immediate(self) -> bool:
        return self.hours == 0 and self.days == 0


S, C = TimeLimitStep, RiskColour
DEFAULT_LIMITS: dict[tuple[str, str], Limit | None] = {
    (S.VERIFY, C.BLUE): Limit(hours=24),
    (S.VERIFY, C.YELLOW): Limit(hours=24),
    (S.VERIFY, C.ORANGE): Limit(hours=24),
    (S.VERIFY, C.RED): Limit(hours=2),  # "immediately": two hours at the latest
    (S.INTERIM, C.BLUE): None,
    (S.INTERIM, C.YELLOW): None,
    (S.INTERIM, C.ORANGE): Limit(hours=24),
    (S.INTERIM, C.RED): Limit(hours=2),
    (S.RECTIFY, C.BLUE): Limit(days=3),
    (S.RECTIFY, C.YELLOW): Limit(days=7),
    (S.RECTIFY, C.ORANGE): Limit(days=15),
    (S.RECTIFY, C.RED): Limit(days=30),  # replaced by the six-item plan's time limit
    (S.RECHECK, C.BLUE): Limit(days=1, working_days=True),
    (S.RECHECK, C.YELLOW): Limit(days=1, working_days=True),
    (S.RECHECK, C.ORANGE): Limit(days=1, working_days=True),
    (S.RECHECK, C.RED): Limit(days=10),
}

# When a rectification limit passes, the first escalation goes this high
# (1 community, 2 street, 3 district); each further limit passing adds a level.
FIRST_ESCALATION: dict[str, int] = {C.BLUE: 1, C.YELLOW: 2, C.ORANGE: 3, C.RED: 3}
MAX_ESCALATION = 3


class Locality(Protocol):
    """An area (or the spatial index's facts of one) that knows its ancestors."""

    def ancestor_codes(self) -> list[str]: ...


def _load_limits() -> dict[tuple[str, str, str], Limit]:
    return {
        (row.step, row.colour, row.area.code): Limit(
            hours=row.hours or 0, days=row.days or 0, working_days=row.working_days
        )
        for row in TimeLimit.objects.select_related("area")
    }


# Every locality's time limits, by (step, colour, area code); a small table read
# on every report and transition (see anxin.core.process_cache).
locality_limits: ProcessCache[dict[tuple[str, str, str], Limit]] = ProcessCache(_load_limits)


def limit_for(step: str, colour: str, area: Locality | None) -> Limit | None:
    """The limit at the nearest locality above ``area`` that sets one, else the default."""
    if area is not None:
        limits = locality_limits.get()
        if limits:
            for code in reversed(area.ancestor_codes()):
                found = limits.get((step, colour, code))
                if found is not None:
                    return found
    return DEFAULT_LIMITS.get((step, colour))


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def is_working_day(day: date, holidays: dict[date, bool]) -> bool:
    if day in holidays:
        return holidays[day]  # True for a make-up working day, False for a holiday
    return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    local = _local(start)
    span_end = local.date() + timedelta(days=days * 3 + 30)
    holidays = dict(
        Holiday.objects.filter(date__gte=local.date(), date__lte=span_end).values_list(
            "date", "is_workday"
        )
    )
    current = local
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current.date(), holidays):
            remaining -= 1
    return current


def deadline_after(start: datetime, limit: Limit) -> datetime:
    if limit.working_days:
        moment = add_working_days(start, limit.days)
        return moment + timedelta(hours=limit.hours)
    return start + timedelta(days=limit.days, hours=limit.hours)


def due(step: str, colour: str, area: Locality | None, start: datetime) -> datetime | None:
    limit = limit_for(step, colour, area)
    if limit is None:
        return None
    return deadline_after(start, limit)


def _escalation_span(deadline: datetime, limit: Limit) -> timedelta:
    """How long each further escalation step takes: the limit again."""
    if limit.is_immediate:
        return timedelta(days=1)
    span = deadline_after(deadline, limit) - deadline
    return span if span.total_seconds() > 0 else timedelta(days=1)


def escalation_level_due(colour: str, deadline: datetime, limit: Limit, now: datetime) -> int:
    """The escalation level a hazard should have at ``now`` given its deadline."""
    if now <= deadline:
        return 0
    periods = int((now - deadline) / _escalation_span(deadline, limit))
    return min(MAX_ESCALATION, FIRST_ESCALATION.get(colour, 1) + periods)


def next_escalation_at(
    colour: str, deadline: datetime, limit: Limit, level: int
) -> datetime | None:
    """When a hazard at ``level`` reaches the next level (None: at the top).

    Level 0 changes just after the deadline; level L (≥ the colour's first
    level) reaches L + 1 at deadline + (L + 1 − first) × span, matching
    ``escalation_level_due``."""
    if level >= MAX_ESCALATION:
        return None
    if level == 0:
        return deadline
    first = FIRST_ESCALATION.get(colour, 1)
    return deadline + _escalation_span(deadline, limit) * (max(level, first) + 1 - first)
