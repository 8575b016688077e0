"""The pure plan of the demo district: deterministic, nested, well named."""

from __future__ import annotations

import time

import pytest
from shapely.geometry import shape

from anxin.areas.choices import LEVEL_RULES, Level
from anxin.demo.generator import DemoConfig, DemoError, build_plan, chinese_number

BIG = DemoConfig(
    streets=5,
    communities_per_street=10,
    grids_per_community=20,
    buildings_per_grid=2,
    units_per_building=1,
)


def test_the_same_seed_gives_the_same_plan_and_another_seed_another():
    first = build_plan(DemoConfig(seed=42))
    second = build_plan(DemoConfig(seed=42))
    other = build_plan(DemoConfig(seed=7))

    assert first.digest() == second.digest()
    assert first.digest() != other.digest()
    # codes and names follow the size, coordinates the seed
    assert [a.code for a in first.areas] == [a.code for a in other.areas]
    assert [a.geometry for a in first.areas] != [a.geometry for a in other.areas]


def test_default_plan_has_the_expected_size_and_names():
    plan = build_plan(DemoConfig())

    counts = {level: len(plan.areas_of(level)) for level in Level.values}
    assert counts == {
        "district": 1,
        "street": 2,
        "community": 6,
        "grid": 24,
        "building": 120,
        "unit": 240,
    }
    assert [s.name for s in plan.areas_of(Level.STREET)] == ["北山街道", "西溪街道"]
    assert [s.code for s in plan.areas_of(Level.STREET)] == ["330106001", "330106002"]
    assert plan.areas_of(Level.COMMUNITY)[0].name == "保俶社区"
    assert plan.areas_of(Level.GRID)[0].name == "第一网格"
    building = plan.areas_of(Level.BUILDING)[2]
    assert building.name == "3幢"
    assert building.address == "西湖区北山街道保俶社区3幢"
    assert all(24 <= (b.households or 0) <= 120 for b in plan.areas_of(Level.BUILDING))
    assert len(plan.places) >= 12
    mobiles = [u.mobile for u in plan.users]
    assert len(set(mobiles)) == len(mobiles)
    assert all(m.startswith("138") and len(m) == 11 for m in mobiles)


@pytest.mark.parametrize("config", [DemoConfig(), BIG], ids=["demo", "1000-grids"])
def test_codes_follow_the_level_rules(config):
    plan = build_plan(config)
    codes = [a.code for a in plan.areas]

    assert len(set(codes)) == len(codes)
    for area in plan.areas:
        parent_level, length = LEVEL_RULES[area.level]
        assert len(area.code) == length and area.code.isdigit()
        if parent_level is not None:
            assert area.parent_code is not None
            assert area.code.startswith(area.parent_code)


def test_children_lie_inside_their_parent_and_siblings_do_not_overlap():
    plan = build_plan(DemoConfig(seed=3))
    shapes = {a.code: shape(a.geometry) for a in plan.areas}
    children: dict[str, list[str]] = {}
    for area in plan.areas:
        assert shapes[area.code].is_valid
        if area.parent_code:
            assert shapes[area.parent_code].buffer(1e-9).covers(shapes[area.code]), area.code
            children.setdefault(area.parent_code, []).append(area.code)
    for siblings in children.values():
        for i, a in enumerate(siblings):
            for b in siblings[i + 1 :]:
                assert shapes[a].intersection(shapes[b]).area < 1e-14, (a, b)
    for place in plan.places:
        assert shapes[place.area_code].contains(
            shape({"type": "Point", "coordinates": [place.lng, place.lat]})
        )


def test_buildings_are_small_footprints():
    plan = build_plan(DemoConfig())
    for building in plan.areas_of(Level.BUILDING):
        west, south, east, north = shape(building.geometry).bounds
        width_m = (east - west) * 111_320 * 0.8637
        height_m = (north - south) * 111_320
        assert 20 < width_m < 40 and 10 < height_m < 20


def test_a_thousand_grid_plan_is_quick():
    started = time.perf_counter()
    plan = build_plan(BIG)
    assert len(plan.areas_of(Level.GRID)) == 1000
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (DemoConfig(hazards=-5), "hazards"),
        (DemoConfig(streets=0), "streets"),
        (DemoConfig(units_per_building=100), "units_per_building"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(config, field):
    with pytest.raises(DemoError) as raised:
        build_plan(config)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (110, "一百一十")],
)
def test_chinese_numbers(n, text):
    assert chinese_number(n) == text
