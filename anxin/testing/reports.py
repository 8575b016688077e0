"""Reports to start a test from, on the small tree of ``factories.Tree``."""

from __future__ import annotations

from typing import Any

from anxin.hazards import actions
from anxin.hazards.models import Hazard
from anxin.testing.media import photo as photo_file

# Points inside the grids of ``Tree`` (latitude, longitude; WGS-84).
GRID_A1A = (30.015, 120.007)  # street A, community A1, grid A1a, building A1a
GRID_A1B = (30.025, 120.03)  # street A, community A1, grid A1b
GRID_B1A = (30.025, 120.07)  # street B, community B1, grid B1a


def report(
    reporter: Any,
    where: tuple[float, float] = GRID_A1A,
    category: str = "0101",
    *,
    photo: bool | tuple[int, int, int] = False,
    **fields: Any,
) -> Hazard:
    """A hazard reported through ``actions.report_hazard`` by ``reporter`` at
    ``where``, of the subclass ``category``; ``fields`` are any other arguments
    of the action. ``photo`` adds a photo of the found phase (a colour: a photo
    of that colour) unless ``uploads`` are given."""
    if photo and "uploads" not in fields:
        image = photo_file() if photo is True else photo_file(colour=photo)
        fields["uploads"] = [(image, "found")]
    lat, lng = where
    return actions.report_hazard(
        reporter=reporter, category=category, lat=lat, lng=lng, **fields
    ).hazard
