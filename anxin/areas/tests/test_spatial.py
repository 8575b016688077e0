"""Point-in-polygon resolution of a WGS-84 point to the org tree."""

from __future__ import annotations

import pytest

from anxin.areas.actions import create_area
from anxin.areas.spatial import resolve_point
from anxin.testing.factories import rect

pytestmark = pytest.mark.django_db

# inside building_a1a (lng 120.005–120.01, lat 30.01–30.02)
IN_BUILDING_A1A = (30.015, 120.007)


def test_point_in_building_resolves_every_level(tree):
    resolution = resolve_point(*IN_BUILDING_A1A)
    assert resolution.found
    assert resolution.ids == {
        "district": tree.district.pk,
        "street": tree.street_a.pk,
        "community": tree.community_a1.pk,
        "grid": tree.grid_a1a.pk,
        "building": tree.building_a1a.pk,
    }
    assert resolution.codes["building"] == tree.building_a1a.code
    assert resolution.deepest_id == tree.building_a1a.pk


def test_point_in_grid_outside_buildings_stops_at_grid(tree):
    resolution = resolve_point(30.03, 120.015)
    assert resolution.deepest_id == tree.grid_a1a.pk
    assert "building" not in resolution.ids


def test_point_outside_the_district_resolves_nothing(tree):
    resolution = resolve_point(31.5, 121.5)
    assert not resolution.found
    assert resolution.ids == {}
    assert resolution.deepest_id is None


def test_new_area_is_seen_right_after_its_transaction_commits(
    tree, django_capture_on_commit_callbacks
):
    # given a resolver that has already indexed the tree
    lat, lng = 30.035, 120.005  # in grid A1a, outside every building
    assert "building" not in resolve_point(lat, lng).ids
    # when a building is created there and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        building = create_area(
            level="building",
            code=tree.grid_a1a.code + "002",
            name="2幢",
            parent=tree.grid_a1a,
            geometry=rect(120.0, 30.03, 120.01, 30.04),
        )
    # then the very next resolution finds it
    assert resolve_point(lat, lng).id_of("building") == building.pk
