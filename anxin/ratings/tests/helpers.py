"""Closed hazards for rating and points tests, driven through the real actions."""

from __future__ import annotations

from typing import Any

from anxin.hazards import actions
from anxin.hazards.models import Hazard
from anxin.testing.media import photo

POINT_A1A = (30.015, 120.007)  # inside building A1a's grid (and building) of the test Tree


def reported(reporter: Any, lat: float = POINT_A1A[0], lng: float = POINT_A1A[1]) -> Hazard:
    """A blue report (fire equipment) in grid A1a, building A1a."""
    return actions.report_hazard(
        reporter=reporter,
        category="0104",
        lat=lat,
        lng=lng,
        risk_colour="blue",
        description="灭火器过期",
        uploads=[(photo(), "found")],
    ).hazard


def closed(personas: Any, reporter: Any = None, **kwargs: Any) -> Hazard:
    """Reported, fixed on the spot by the grid worker, rechecked and closed."""
    hazard = reported(reporter or personas.resident, **kwargs)
    actions.transition(
        hazard.pk, personas.grid_worker, "fix_on_spot", uploads=[(photo(), "rectify_after")]
    )
    actions.transition(hazard.pk, personas.safety_officer, "pass_recheck")
    return Hazard.objects.get(pk=hazard.pk)
