from __future__ import annotations

from celery import shared_task

from anxin.hazards import actions
from anxin.hazards.models import Hazard
from anxin.hazards.signals import hazard_changed as hazard_changed_signal


@shared_task(name="anxin.hazards.tasks.sweep_overdue", ignore_result=True)
def sweep_overdue() -> dict[str, int]:
    result = actions.sweep_overdue()
    return {"marked": result.marked_overdue, "escalations": result.escalations}


@shared_task(name="anxin.hazards.tasks.hazard_changed", ignore_result=True)
def hazard_changed(hazard_id: int, kind: str, event_ids: list[int]) -> None:
    """Tell the apps that react to hazard changes (warnings, notifications).

    Receivers are idempotent (keyed by the event ids): a task that runs twice
    after a worker was killed does nothing new the second time."""
    hazard_changed_signal.send(sender=Hazard, hazard_id=hazard_id, kind=kind, event_ids=event_ids)
