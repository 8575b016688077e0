from __future__ import annotations

from celery import shared_task

from anxin.hazards import actions


@shared_task(name="anxin.hazards.tasks.sweep_overdue", ignore_result=True)
def sweep_overdue() -> dict[str, int]:
    result = actions.sweep_overdue()
    return {"marked": result.marked_overdue, "escalations": result.escalations}
