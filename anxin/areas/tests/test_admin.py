"""The admin of the org tree and places: scoped like the API, validating by field."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from anxin.accounts.models import User
from anxin.areas.models import Area, Place
from anxin.testing.factories import UserFactory, rect

pytestmark = pytest.mark.django_db

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]
    ],
}


def make_staff(user: User, *codenames: str) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh object: no cached permissions


def area_form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "level": "community",
        "code": "",
        "name": "新社区",
        "name_en": "",
        "parent": "",
        "geometry": json.dumps(rect(120.0, 30.0, 120.01, 30.01)),
        "address": "",
        "households": "",
    }
    data.update(fields)
    return data


def test_street_admin_changelist_shows_only_the_street_subtree(personas, tree, client):
    # given a street admin who may view areas in the admin
    client.force_login(make_staff(personas.street_admin, "view_area"))
    # when they open the areas changelist
    response = client.get("/admin/areas/area/")
    # then only areas of street A are listed
    assert response.status_code == 200
    shown = {a.code for a in response.context["cl"].result_list}
    assert shown == set(tree.street_a.descendants().values_list("code", flat=True))
    assert tree.street_b.name not in response.content.decode()


def test_area_outside_scope_cannot_be_opened(personas, tree, client):
    client.force_login(make_staff(personas.street_admin, "view_area", "change_area"))
    inside = client.get(f"/admin/areas/area/{tree.grid_a1a.pk}/change/")
    outside = client.get(f"/admin/areas/area/{tree.grid_b1a.pk}/change/")
    assert inside.status_code == 200
    assert outside.status_code == 302  # the admin's "does not exist" redirect
    assert outside.url == "/admin/"


def test_mixin_queryset_for_a_request(personas, tree):
    request = RequestFactory().get("/admin/areas/area/")
    request.user = personas.grid_worker
    queryset = site._registry[Area].get_queryset(request)
    assert set(queryset.values_list("code", flat=True)) == {
        tree.grid_a1a.code,
        tree.building_a1a.code,
    }
    places = site._registry[Place].get_queryset(request)
    assert list(places) == [tree.place_a]


def test_superuser_sees_every_area(tree, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/areas/area/")
    assert response.context["cl"].result_count == Area.objects.count()


def test_admin_shows_clean_errors_on_the_right_field(tree, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    count = Area.objects.count()
    # a code that does not start with the parent's code
    response = client.post(
        "/admin/areas/area/add/",
        area_form(code="330106009001", parent=tree.street_a.pk),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["code"]
    # a bow-tie polygon
    response = client.post(
        "/admin/areas/area/add/",
        area_form(
            code=tree.street_a.code + "009", parent=tree.street_a.pk, geometry=json.dumps(BOW_TIE)
        ),
    )
    assert list(response.context["adminform"].form.errors) == ["geometry"]
    # a grid under a street
    response = client.post(
        "/admin/areas/area/add/",
        area_form(level="grid", code=tree.street_a.code + "009001", parent=tree.street_a.pk),
    )
    assert list(response.context["adminform"].form.errors) == ["parent"]
    # a duplicate code
    response = client.post(
        "/admin/areas/area/add/",
        area_form(code=tree.community_a1.code, parent=tree.street_a.pk),
    )
    assert list(response.context["adminform"].form.errors) == ["code"]
    assert Area.objects.count() == count


def test_street_admin_adds_a_community_only_under_own_street(personas, tree, client):
    client.force_login(make_staff(personas.street_admin, "view_area", "add_area"))
    # outside the street: the parent is not a valid choice
    response = client.post(
        "/admin/areas/area/add/",
        area_form(code=tree.street_b.code + "009", parent=tree.street_b.pk),
    )
    assert list(response.context["adminform"].form.errors) == ["parent"]
    # no parent at all: only a superuser may add a district
    response = client.post("/admin/areas/area/add/", area_form(level="district", code="330199"))
    assert list(response.context["adminform"].form.errors) == ["parent"]
    assert not Area.objects.filter(code__in=["330199", tree.street_b.code + "009"]).exists()
    # inside the street: created, with its path
    response = client.post(
        "/admin/areas/area/add/",
        area_form(code=tree.street_a.code + "009", parent=tree.street_a.pk),
    )
    assert response.status_code == 302
    created = Area.objects.get(code=tree.street_a.code + "009")
    assert created.path == f"{tree.street_a.path}{created.code}/"


def test_code_and_parent_are_read_only_when_editing(tree, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        f"/admin/areas/area/{tree.grid_a1a.pk}/change/",
        {
            "code": "999999999999999",
            "parent": tree.community_b1.pk,
            "name": "改名网格",
            "name_en": "Grid One",
            "geometry": json.dumps(tree.grid_a1a.geometry),
            "address": "",
            "households": "120",
        },
    )
    assert response.status_code == 302
    grid = Area.objects.get(pk=tree.grid_a1a.pk)
    assert (grid.code, grid.parent_id) == (tree.grid_a1a.code, tree.community_a1.pk)
    assert (grid.name, grid.households) == ("改名网格", 120)


def test_grid_worker_cannot_change_the_tree(personas, tree, client):
    # grid workers may change hazards in their grid, not the org tree itself
    client.force_login(make_staff(personas.grid_worker, "view_area", "change_area"))
    response = client.post(
        f"/admin/areas/area/{tree.grid_a1a.pk}/change/",
        {"name": "改名", "geometry": json.dumps(tree.grid_a1a.geometry)},
    )
    assert response.status_code == 403
    assert Area.objects.get(pk=tree.grid_a1a.pk).name == tree.grid_a1a.name


def test_place_changelist_is_scoped(personas, tree, client):
    client.force_login(make_staff(personas.street_admin, "view_place"))
    response = client.get("/admin/areas/place/")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [tree.place_a]
