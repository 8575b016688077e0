from __future__ import annotations

from celery import shared_task

from anxin.warnings import actions, rules
from anxin.warnings.models import RiskWarning
from anxin.warnings.signals import warning_raised as warning_raised_signal


@shared_task(name="anxin.warnings.tasks.evaluate_hazard", ignore_result=True)
def evaluate_hazard(hazard_id: int, kind: str) -> list[int]:
    """Evaluate the rules a hazard change may trigger (idempotent)."""
    return [w.pk for w in rules.evaluate_hazard(hazard_id, kind)]


@shared_task(name="anxin.warnings.tasks.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Periodic: overdue yellow hazards, cross-department grids, red thresholds."""
    result = rules.sweep()
    return {"evaluated": result.evaluated, "warnings": len(result.warnings)}


@shared_task(name="anxin.warnings.tasks.notify_warning", ignore_result=True)
def notify_warning(warning_id: int) -> int:
    return actions.notify_warning(warning_id)


@shared_task(name="anxin.warnings.tasks.warning_raised", ignore_result=True)
def warning_raised(warning_id: int) -> None:
    """Tell the apps that react to a new warning (emergency plans are proposed)."""
    warning_raised_signal.send(sender=RiskWarning, warning_id=warning_id)
