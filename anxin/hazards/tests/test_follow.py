"""Following a hazard: a resident who was about to report the same hazard follows
the existing file instead, and the file becomes theirs to see."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from anxin.hazards import actions
from anxin.hazards.models import Hazard

pytestmark = pytest.mark.django_db

POINT = (30.015, 120.007)  # grid A1a of the test tree


def _reported(personas: Any, lat: float = POINT[0], lng: float = POINT[1]) -> Hazard:
    return actions.report_hazard(
        reporter=personas.grid_worker, category="0101", lat=lat, lng=lng, description="通道堵塞"
    ).hazard


def test_a_resident_follows_a_hazard_near_the_point_and_then_sees_it(personas: Any) -> None:
    hazard = _reported(personas)
    resident = personas.resident
    assert not Hazard.objects.restrict(resident, "view").filter(pk=hazard.pk).exists()

    actions.follow(hazard.pk, resident, near=(POINT[0] + 0.0001, POINT[1]))

    assert list(Hazard.objects.restrict(resident, "view").values_list("pk", flat=True)) == [
        hazard.pk
    ]
    assert not Hazard.objects.restrict(personas.resident_b, "view").filter(pk=hazard.pk).exists()


def test_following_from_outside_the_duplicate_radius_is_refused(personas: Any) -> None:
    hazard = _reported(personas)
    far = (POINT[0] + 0.01, POINT[1])  # about 1.1 km north
    with pytest.raises(Http404):
        actions.follow(hazard.pk, personas.resident, near=far)
    assert not hazard.followers.exists()


def test_without_a_point_only_a_visible_hazard_can_be_followed(personas: Any) -> None:
    hazard = _reported(personas)
    with pytest.raises(Http404):
        actions.follow(hazard.pk, personas.resident)
    assert not hazard.followers.exists()


def test_a_closed_hazard_cannot_be_followed(personas: Any) -> None:
    hazard = _reported(personas)
    Hazard.objects.filter(pk=hazard.pk).update(status="closed")
    with pytest.raises(Http404):
        actions.follow(hazard.pk, personas.resident, near=POINT)
