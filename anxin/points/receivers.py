"""React to hazard changes: points for a resident whose report was verified."""

from __future__ import annotations

from typing import Any

from anxin.points.actions import award_for_verified_report


def on_hazard_changed(
    sender: Any, hazard_id: int, kind: str, event_ids: list[int] | None = None, **kwargs: Any
) -> None:
    """Runs in the worker after the change committed. Idempotent: the ledger's
    unique constraint keeps a re-delivered signal from awarding twice."""
    if not event_ids:
        return
    award_for_verified_report(hazard_id, event_ids)
