"""Validation of areas: codes, parents, geometry (Area.full_clean)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from anxin.areas.models import Area, Place
from anxin.testing.factories import rect

pytestmark = pytest.mark.django_db

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]
    ],
}


def errors_of(area: Area | Place) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    return caught.value.message_dict


def new_area(**fields: Any) -> Area:
    fields.setdefault("name", "新区域")
    fields.setdefault("geometry", rect(120.0, 30.0, 120.01, 30.01))
    return Area(**fields)


def test_a_valid_street_passes(tree):
    # given a street nested correctly under the district
    street = new_area(level="street", code="330106003", parent=tree.district)
    # when it is validated, then nothing is raised
    street.full_clean()


def test_code_of_the_wrong_length_is_refused(tree):
    street = new_area(level="street", code="33010600", parent=tree.district)
    errors = errors_of(street)
    assert list(errors) == ["code"]
    assert "9" in errors["code"][0]


def test_code_must_be_digits(tree):
    errors = errors_of(new_area(level="street", code="33010600X", parent=tree.district))
    assert "code" in errors


def test_street_code_must_start_with_parent_code(tree):
    street = new_area(level="street", code="330107001", parent=tree.district)
    errors = errors_of(street)
    assert list(errors) == ["code"]
    assert tree.district.code in errors["code"][0]


def test_grid_under_a_street_is_refused_on_parent(tree):
    grid = new_area(level="grid", code=tree.street_a.code + "009001", parent=tree.street_a)
    errors = errors_of(grid)
    assert list(errors) == ["parent"]


def test_street_without_parent_is_refused(tree):
    errors = errors_of(new_area(level="street", code="330106009"))
    assert list(errors) == ["parent"]


def test_bow_tie_polygon_is_refused_on_geometry(tree):
    street = new_area(level="street", code="330106003", parent=tree.district, geometry=BOW_TIE)
    errors = errors_of(street)
    assert list(errors) == ["geometry"]
    assert "not valid" in errors["geometry"][0] or "无效" in errors["geometry"][0]


def test_coordinate_outside_wgs84_is_refused(tree):
    street = new_area(
        level="street",
        code="330106003",
        parent=tree.district,
        geometry=rect(200.0, 30.0, 200.01, 30.01),
    )
    errors = errors_of(street)
    assert list(errors) == ["geometry"]
    assert "200" in errors["geometry"][0]


def test_a_point_is_not_an_area_geometry(tree):
    point = {"type": "Point", "coordinates": [120.0, 30.0]}
    errors = errors_of(
        new_area(level="street", code="330106003", parent=tree.district, geometry=point)
    )
    assert list(errors) == ["geometry"]


def test_duplicate_code_is_refused_on_code(tree):
    duplicate = new_area(level="street", code=tree.street_a.code, parent=tree.district)
    errors = errors_of(duplicate)
    assert list(errors) == ["code"]


def test_code_and_parent_cannot_change(tree):
    grid = Area.objects.get(pk=tree.grid_a1a.pk)
    grid.parent = tree.community_b1
    grid.code = tree.community_b1.code + "009"
    errors = errors_of(grid)
    assert "code" in errors


def test_materialised_path_and_depth(tree):
    building = Area.objects.get(pk=tree.building_a1a.pk)
    expected_codes = [
        tree.district.code,
        tree.street_a.code,
        tree.community_a1.code,
        tree.grid_a1a.code,
        tree.building_a1a.code,
    ]
    assert building.path == "/" + "/".join(expected_codes) + "/"
    assert building.ancestor_codes() == expected_codes
    depths = [Area.objects.get(code=c).depth for c in expected_codes]
    assert depths == list(range(depths[0], depths[0] + 5))
    assert list(building.ancestors().values_list("code", flat=True)) == expected_codes[:-1]
    assert set(tree.street_a.descendants().values_list("code", flat=True)) == {
        tree.street_a.code,
        tree.community_a1.code,
        tree.grid_a1a.code,
        tree.grid_a1b.code,
        tree.building_a1a.code,
        tree.building_a1b.code,
    }


def test_place_with_a_bad_geometry_is_refused(tree):
    place = Place(name="学校", kind="school", area=tree.grid_a1a, geometry={"type": "Point"})
    errors = errors_of(place)
    assert list(errors) == ["geometry"]
