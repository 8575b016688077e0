"""The areas API: GeoJSON export and point resolution, scoped to the user."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

IN_BUILDING_A1A = {"lat": "30.015", "lng": "120.007"}


def test_export_returns_only_areas_in_scope(personas, tree, api_client):
    api_client.force_authenticate(personas.grid_worker)
    response = api_client.get("/api/v1/areas/export/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in body["features"]]
    assert codes == [tree.grid_a1a.code, tree.building_a1a.code]
    assert body["features"][0]["geometry"]["type"] == "Polygon"


def test_export_for_street_admin_is_the_street_subtree(personas, tree, api_client):
    api_client.force_authenticate(personas.street_admin)
    body = api_client.get("/api/v1/areas/export/").json()
    codes = {f["properties"]["code"] for f in body["features"]}
    assert codes == set(tree.street_a.descendants().values_list("code", flat=True))


def test_export_needs_a_login(tree, api_client):
    assert api_client.get("/api/v1/areas/export/").status_code in (401, 403)


def test_resolve_lists_the_visible_areas_containing_the_point(personas, tree, api_client):
    api_client.force_authenticate(personas.district_admin)
    response = api_client.get("/api/v1/areas/resolve/", IN_BUILDING_A1A)
    assert response.status_code == 200
    levels = [a["level"] for a in response.json()["areas"]]
    assert levels == ["district", "street", "community", "grid", "building"]


def test_resolve_hides_areas_outside_scope(personas, tree, api_client):
    api_client.force_authenticate(personas.grid_worker)
    body = api_client.get("/api/v1/areas/resolve/", IN_BUILDING_A1A).json()
    assert [a["code"] for a in body["areas"]] == [tree.grid_a1a.code, tree.building_a1a.code]


def test_resolve_outside_the_tree_finds_nothing(personas, tree, api_client):
    api_client.force_authenticate(personas.district_admin)
    body = api_client.get("/api/v1/areas/resolve/", {"lat": "31.5", "lng": "121.5"}).json()
    assert body["areas"] == []


def test_resolve_with_a_bad_latitude_answers_400_on_the_field(personas, tree, api_client):
    api_client.force_authenticate(personas.district_admin)
    response = api_client.get("/api/v1/areas/resolve/", {"lat": "abc", "lng": "120.0"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["lat"]
    assert errors["lat"]


def test_resolve_with_an_out_of_range_longitude_answers_400(personas, tree, api_client):
    api_client.force_authenticate(personas.district_admin)
    response = api_client.get("/api/v1/areas/resolve/", {"lat": "30", "lng": "190"})
    assert response.status_code == 400
    assert "lng" in response.json()["errors"]
