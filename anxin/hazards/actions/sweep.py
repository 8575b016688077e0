"""Time limits: the periodic sweep marks overdue hazards and escalates them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from anxin.hazards import deadlines
from anxin.hazards.actions.common import (
    _after_commit,
    _event,
)
from anxin.hazards.choices import (
    DEADLINE_STATUSES,
    EventKind,
    TimeLimitStep,
)
from anxin.hazards.models import (
    Hazard,
    HazardEvent,
)


@dataclass
class SweepResult:
    marked_overdue: int = 0
    escalations: int = 0
    checked: int = 0


def sweep_overdue(now: datetime | None = None, batch: int = 500) -> SweepResult:
    """Mark hazards whose rectification deadline passed as overdue and escalate
    them one level up the tree each time a limit passes. Idempotent, and safe to
    run from two workers at once: each hazard is re-read under its row lock and
    changed only if its level is still behind."""
    now = now or timezone.now()
    result = SweepResult()
    from anxin.hazards.selectors import due_for_sweep

    candidate_ids = list(due_for_sweep(now).values_list("pk", flat=True).order_by("pk"))
    for start in range(0, len(candidate_ids), batch):
        for hazard_id in candidate_ids[start : start + batch]:
            result.checked += 1
            marked, escalated = _sweep_one(hazard_id, now)
            result.marked_overdue += marked
            result.escalations += escalated
    return result


def _sweep_one(hazard_id: int, now: datetime) -> tuple[int, int]:

    with transaction.atomic():
        queryset = Hazard.objects.select_related("community", "category")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        hazard = queryset.filter(pk=hazard_id).first()
        if hazard is None or hazard.status not in DEADLINE_STATUSES or hazard.deadline is None:
            return 0, 0
        if hazard.deadline >= now:
            return 0, 0
        limit = deadlines.limit_for(TimeLimitStep.RECTIFY, hazard.risk_colour, hazard.community)
        limit = limit or deadlines.Limit(days=1)
        wanted = deadlines.escalation_level_due(hazard.risk_colour, hazard.deadline, limit, now)
        events: list[HazardEvent] = []
        marked = 0
        if not hazard.is_overdue:
            hazard.is_overdue = True
            hazard.overdue_since = hazard.deadline
            marked = 1
            events.append(
                _event(
                    hazard,
                    EventKind.OVERDUE,
                    None,
                    action="overdue",
                    from_status=hazard.status,
                    to_status=hazard.status,
                    role="system",
                    at=now,
                    data={"deadline": hazard.deadline.isoformat()},
                )
            )
        escalated = 0
        first = deadlines.FIRST_ESCALATION.get(hazard.risk_colour, 1)
        while hazard.escalation_level < wanted:
            # The first escalation goes straight to the colour's level (yellow to
            # the street); later ones climb one level each.
            hazard.escalation_level = max(hazard.escalation_level + 1, first)
            escalated += 1
            events.append(
                _event(
                    hazard,
                    EventKind.ESCALATION,
                    None,
                    action="escalate",
                    from_status=hazard.status,
                    to_status=hazard.status,
                    role="system",
                    at=now,
                    data={"level": hazard.escalation_level},
                )
            )
        # The next time this hazard needs the sweep (None once at the top level).
        hazard.next_escalation_at = deadlines.next_escalation_at(
            hazard.risk_colour, hazard.deadline, limit, hazard.escalation_level
        )
        hazard.save(
            update_fields=[
                "is_overdue",
                "overdue_since",
                "escalation_level",
                "next_escalation_at",
                "updated_at",
            ]
        )
        if events:
            _after_commit(hazard.pk, "escalation" if escalated else "overdue", events)
        return marked, escalated
