"""React to hazard changes: evaluate the warning rules in a task of their own."""

from __future__ import annotations

from typing import Any

from anxin.outbox.actions import enqueue
from anxin.warnings.rules import EVALUATED_KINDS


def on_hazard_changed(
    sender: Any, hazard_id: int, kind: str, event_ids: list[int] | None = None, **kwargs: Any
) -> None:
    """Runs in the worker after the change committed. The evaluation is recorded
    in the outbox (never lost) and keyed by the change, so a signal sent twice
    evaluates once."""
    if kind not in EVALUATED_KINDS:
        return
    marker = event_ids[0] if event_ids else f"h{hazard_id}"
    enqueue(
        "anxin.warnings.tasks.evaluate_hazard",
        key=f"warnings-evaluate:{marker}:{kind}",
        hazard_id=hazard_id,
        kind=kind,
    )
