"""React to new warnings: propose the plan in force (in a task of its own)."""

from __future__ import annotations

from typing import Any

from anxin.outbox.actions import enqueue


def on_warning_raised(sender: Any, warning_id: int, **kwargs: Any) -> None:
    """Runs in the worker after the warning committed. The proposal is recorded
    in the outbox (never lost) and keyed by the warning, so it runs once."""
    enqueue(
        "anxin.emergency.tasks.propose_for_warning",
        key=f"emergency-propose:{warning_id}",
        warning_id=warning_id,
    )
