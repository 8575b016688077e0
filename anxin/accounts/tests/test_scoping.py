"""What each role can and cannot see (DESIGN §1), through the real API."""

from __future__ import annotations

import pytest

from anxin.accounts.models import Membership
from anxin.areas.models import Area

pytestmark = pytest.mark.django_db


def subtree(area: Area) -> set[str]:
    return set(Area.objects.filter(path__startswith=area.path).values_list("code", flat=True))


def visible_codes(client, user) -> set[str]:
    client.force_authenticate(user)
    response = client.get("/api/v1/areas/", {"page_size": 500})
    assert response.status_code == 200
    return {row["code"] for row in response.json()["results"]}


def test_each_role_sees_exactly_its_part_of_the_tree(personas, tree, api_client):
    expected = {
        "district_admin": subtree(tree.district),
        "street_admin": subtree(tree.street_a),
        "street_admin_b": subtree(tree.street_b),
        "community_admin": subtree(tree.community_a1),
        "safety_officer": subtree(tree.community_a1),
        "grid_worker": {tree.grid_a1a.code, tree.building_a1a.code},
        "grid_worker_b": {tree.grid_a1b.code, tree.building_a1b.code},
        "building_leader": {tree.building_a1a.code},
        "evaluator": subtree(tree.street_a),
        "property_manager": set(),
        "property_manager_b": set(),
        "department": set(),
        "expert": set(),
        "resident": set(),
        "resident_b": set(),
        "outsider": set(),
    }
    assert set(expected) == set(personas.all()), "every persona has an expectation"
    for name, user in personas.all().items():
        assert visible_codes(api_client, user) == expected[name], name


def test_grid_worker_of_grid_a_gets_404_for_grid_b(personas, tree, api_client):
    api_client.force_authenticate(personas.grid_worker)
    assert api_client.get(f"/api/v1/areas/{tree.building_a1a.code}/").status_code == 200
    response = api_client.get(f"/api/v1/areas/{tree.building_a1b.code}/")
    assert response.status_code == 404
    # Out of scope looks exactly like missing.
    missing = api_client.get("/api/v1/areas/999999999999999999/")
    assert missing.status_code == 404
    assert response.json() == missing.json()


def test_street_admin_sees_whole_street_and_nothing_of_the_other(personas, tree, api_client):
    codes = visible_codes(api_client, personas.street_admin)
    assert tree.building_a1b.code in codes and tree.grid_a1a.code in codes
    assert not codes & subtree(tree.street_b)
    api_client.force_authenticate(personas.street_admin)
    assert api_client.get(f"/api/v1/areas/{tree.grid_b1a.code}/").status_code == 404


def test_resident_sees_only_themselves_among_users(personas, api_client):
    api_client.force_authenticate(personas.resident)
    body = api_client.get("/api/v1/users/").json()
    assert [row["username"] for row in body["results"]] == ["resident"]
    assert body["count"] == 1
    other = personas.resident_b
    assert api_client.get(f"/api/v1/users/{other.pk}/").status_code == 404


def test_grid_worker_sees_people_of_his_grid(personas, api_client):
    api_client.force_authenticate(personas.grid_worker)
    names = {row["username"] for row in api_client.get("/api/v1/users/").json()["results"]}
    assert names == {"grid_worker", "building_leader"}


def test_property_manager_sees_own_company_not_the_other(personas, tree, api_client):
    api_client.force_authenticate(personas.property_manager)
    assert api_client.get(f"/api/v1/organisations/{tree.property_a.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/organisations/{tree.property_b.pk}/").status_code == 404


def test_places_follow_the_tree(personas, tree, api_client):
    api_client.force_authenticate(personas.grid_worker)
    names = {row["name"] for row in api_client.get("/api/v1/places/").json()["results"]}
    assert names == {tree.place_a.name}
    assert api_client.get(f"/api/v1/places/{tree.place_b.pk}/").status_code == 404


def test_scopes_combine_across_memberships(personas, tree, api_client):
    user = personas.grid_worker
    Membership.objects.create(user=user, role="grid_worker", area=tree.grid_b1a)
    assert visible_codes(api_client, user) == {
        tree.grid_a1a.code,
        tree.building_a1a.code,
        tree.grid_b1a.code,
        tree.building_b1a.code,
    }


def test_inactive_membership_grants_nothing(personas, api_client):
    Membership.objects.filter(user=personas.street_admin).update(is_active=False)
    assert visible_codes(api_client, personas.street_admin) == set()


def test_org_scope_is_exactly_the_node(personas, tree, api_client):
    Membership.objects.filter(user=personas.community_admin).update(scope="ORG")
    assert visible_codes(api_client, personas.community_admin) == {tree.community_a1.code}


def test_all_scope_sees_everything(personas, api_client):
    Membership.objects.filter(user=personas.expert).update(scope="ALL")
    assert visible_codes(api_client, personas.expert) == set(
        Area.objects.values_list("code", flat=True)
    )


def test_anonymous_gets_nothing(tree, api_client):
    for url in ("/api/v1/areas/", "/api/v1/users/", "/api/v1/me/", "/api/v1/categories/"):
        assert api_client.get(url).status_code in (401, 403), url


def test_me_lists_roles(personas, api_client):
    api_client.force_authenticate(personas.grid_worker)
    body = api_client.get("/api/v1/me/").json()
    assert body["username"] == "grid_worker"
    assert [(m["role"], m["scope"]) for m in body["memberships"]] == [
        ("grid_worker", "ORG_AND_BELOW")
    ]
    assert body["may_see_personal_data"] is False
