"""``manage.py seed_demo`` on an empty database: the district, its people, logins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from shapely.geometry import Point, shape

from anxin.accounts.choices import Role, required_level
from anxin.accounts.models import Membership, User
from anxin.areas.geometry import centroid_of
from anxin.areas.models import Area, AreaTreeVersion, Place
from anxin.areas.spatial import resolve_point
from anxin.demo.generator import (
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    DemoConfig,
    build_plan,
    demo_logins,
)
from anxin.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    """seed_demo without hazards unless asked (they have their own tests)."""
    if "--hazards" not in args:
        args = (*args, "--hazards", "0")
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_the_district_on_an_empty_database():
    output = seed()

    assert Area.objects.filter(level="district").count() == 1
    assert Area.objects.filter(level="street").count() == 2
    assert Area.objects.filter(level="community").count() == 6
    assert Area.objects.filter(level="grid").count() >= 24
    assert Area.objects.filter(level="building").count() >= 120
    assert (
        Area.objects.filter(level="unit").count()
        == 2 * Area.objects.filter(level="building").count()
    )
    assert AreaTreeVersion.objects.get(pk=1).version >= 1
    # the logins are printed with the shared password
    assert DEMO_PASSWORD in output
    for username in DEMO_USERNAMES:
        assert username in output


def test_areas_are_valid_and_carry_what_save_computes():
    seed()

    for area in Area.objects.select_related("parent"):
        area.full_clean()
        expected_path = (area.parent.path if area.parent else "/") + f"{area.code}/"
        assert area.path == expected_path
        assert area.depth == expected_path.count("/") - 1
        assert (area.centroid_lat, area.centroid_lng) == centroid_of(area.geometry)
    assert Area.objects.get(code="330106001001001003").address == "西湖区北山街道保俶社区3幢"


def test_every_child_polygon_lies_within_its_parent():
    seed()

    areas = list(Area.objects.select_related("parent"))
    for area in areas:
        if area.parent is not None:
            parent = shape(area.parent.geometry).buffer(1e-9)
            assert parent.covers(shape(area.geometry)), area.code
    for place in Place.objects.select_related("area"):
        assert place.area.level == "grid"
        assert shape(place.area.geometry).contains(Point(place.lng, place.lat)), place.name


def test_a_point_in_a_building_resolves_to_its_building_grid_community_and_street():
    seed()
    unit = Area.objects.filter(level="unit").order_by("code")[7]
    building = unit.parent
    grid = building.parent
    community = grid.parent

    resolution = resolve_point(unit.centroid_lat, unit.centroid_lng)

    assert resolution.ids == {
        "district": community.parent.parent.pk,
        "street": community.parent.pk,
        "community": community.pk,
        "grid": grid.pk,
        "building": building.pk,
        "unit": unit.pk,
    }


def test_one_user_per_role_with_the_right_membership():
    seed()

    for role in Role.values:
        memberships = Membership.objects.filter(role=role, is_active=True)
        assert memberships.exists(), role
        for membership in memberships:
            level = required_level(role)
            if level is not None:
                assert membership.area is not None and membership.area.level == level
    assert Membership.objects.filter(role="grid_worker").count() == 2
    grid_workers = Membership.objects.filter(role="grid_worker").select_related("area")
    first, second = (m.area for m in grid_workers)
    assert first is not None and second is not None
    assert first != second and first.parent_id == second.parent_id
    property_company = Membership.objects.get(user__username="property_manager").organisation
    assert property_company is not None and property_company.kind == "property"
    fire = Membership.objects.get(user__username="department").organisation
    assert fire is not None and fire.name == "西湖区消防救援大队"
    assert Membership.objects.get(user__username="evaluator").area is not None

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for username in ("district_admin", "street_admin"):
        user = User.objects.get(username=username)
        assert user.is_staff
        assert user.has_perm("accounts.view_personal_data")
    assert not User.objects.get(username="grid_worker").has_perm("accounts.view_personal_data")
    resident = User.objects.get(username="resident")
    assert resident.home_building is not None and resident.home_building.level == "building"
    names = list(User.objects.values_list("full_name", flat=True))
    assert all(names) and len(set(names)) == len(names)


def test_organisations_serve_the_right_areas():
    seed()

    for community in Area.objects.filter(level="community"):
        company = (
            Organisation.objects.filter(kind="property", served_areas__parent__parent=community)
            .distinct()
            .get()
        )
        served = set(company.served_areas.values_list("pk", flat=True))
        buildings = set(
            Area.objects.filter(level="building", parent__parent=community).values_list(
                "pk", flat=True
            )
        )
        assert served == buildings
    district = Area.objects.get(level="district")
    for kind in ("fire", "housing", "gas", "market_supervision", "emergency", "water"):
        assert Organisation.objects.filter(kind=kind, served_areas=district).exists(), kind
    for street in Area.objects.filter(level="street"):
        assert Organisation.objects.filter(kind="police", served_areas=street).count() == 1
        assert Organisation.objects.filter(kind="urban_management", served_areas=street).exists()
    kinds = set(Place.objects.values_list("kind", flat=True))
    assert {
        "elderly_centre",
        "school",
        "kindergarten",
        "charging_shed",
        "low_lying_yard",
        "market",
        "restaurant_street",
    } <= kinds
    assert Place.objects.count() >= 12


def test_the_database_holds_exactly_the_plan_of_the_seed():
    seed("--seed", "7")

    plan = build_plan(DemoConfig(seed=7))
    stored = list(
        Area.objects.order_by("code").values_list("level", "code", "name", "geometry", "address")
    )
    planned = [
        (a.level, a.code, a.name, a.geometry, a.address)
        for a in sorted(plan.areas, key=lambda a: a.code)
    ]
    assert stored == planned
    # the stores of emergency supplies are places too, written by anxin.demo.emergency
    places = Place.objects.exclude(kind="emergency_store")
    assert sorted(places.values_list("name", "lat", "lng")) == sorted(
        (p.name, p.lat, p.lng) for p in plan.places
    )
    assert sorted(User.objects.values_list("username", "mobile")) == sorted(
        (u.username, u.mobile) for u in plan.users
    )


def test_running_seed_demo_twice_changes_nothing():
    seed()
    before = (
        Area.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Organisation.objects.count(),
        Place.objects.count(),
    )

    with translation.override("en"):
        output = seed()

    after = (
        Area.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Organisation.objects.count(),
        Place.objects.count(),
    )
    assert after == before
    assert "already exists" in output
    assert "district_admin" in output


def test_negative_hazards_name_the_option_and_nothing_is_saved():
    with translation.override("en"), pytest.raises(CommandError) as raised:
        seed("--hazards", "-1")

    assert "--hazards" in str(raised.value)
    assert not Area.objects.exists()
    assert not User.objects.exists()


def test_a_bad_now_names_the_option():
    with translation.override("en"), pytest.raises(CommandError, match="--now"):
        seed("--now", "yesterday-ish")
    assert not Area.objects.exists()


def test_bad_size_names_the_option():
    with pytest.raises(CommandError, match="--grids"):
        seed("--grids", "0")
    assert not Area.objects.exists()


def test_login_rows_and_logging_in_with_username_or_mobile():
    seed()
    rows = demo_logins()

    assert [r.username for r in rows] == DEMO_USERNAMES
    grid_worker = next(r for r in rows if r.username == "grid_worker")
    assert grid_worker.where == "保俶社区第一网格"
    assert authenticate(username="grid_worker", password=DEMO_PASSWORD) is not None
    assert authenticate(username=grid_worker.mobile, password=DEMO_PASSWORD) is not None
    assert authenticate(username="grid_worker", password="wrong-password") is None
    client = Client()
    assert client.login(username=rows[0].mobile, password=DEMO_PASSWORD)


def test_a_custom_size_builds_that_size():
    seed("--streets", "1", "--communities", "2", "--grids", "3", "--buildings", "2", "--units", "1")

    assert Area.objects.filter(level="grid").count() == 6
    assert Area.objects.filter(level="building").count() == 12
    assert Area.objects.filter(level="unit").count() == 12
    assert User.objects.count() == len(DEMO_USERNAMES)
