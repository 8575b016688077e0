"""The map page and its endpoints: scoped markers, heat cells and polygons."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from anxin.hazards import actions
from anxin.hazards.models import Hazard
from anxin.maps.selectors import wgs84_to_gcj02
from anxin.testing.clients import client_for

pytestmark = pytest.mark.django_db

GRID_A1A = (30.015, 120.007)
GRID_A1B = (30.015, 120.03)
GRID_B1A = (30.015, 120.07)


@pytest.fixture
def hazards(personas: Any) -> dict[str, Hazard]:
    a1a = actions.report_hazard(
        reporter=personas.grid_worker,
        category="0101",
        title="消防通道堵塞",
        lat=GRID_A1A[0],
        lng=GRID_A1A[1],
    ).hazard
    a1b = actions.report_hazard(
        reporter=personas.grid_worker_b,
        category="0101",
        title="楼道堆物",
        lat=GRID_A1B[0],
        lng=GRID_A1B[1],
    ).hazard
    b1a = actions.report_hazard(
        reporter=personas.street_admin_b,
        category="0201",
        title="监控损坏",
        lat=GRID_B1A[0],
        lng=GRID_B1A[1],
    ).hazard
    return {"a1a": a1a, "a1b": a1b, "b1a": b1a}


def ids_of(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row[0] for row in response.json()["rows"]}


def test_grid_worker_sees_only_the_markers_of_his_grid_without_personal_data(
    personas: Any, hazards: dict[str, Hazard]
) -> None:
    # given two grid workers and a hazard in each grid
    # when each asks for the map data
    mine = client_for(personas.grid_worker).get("/map/data/")
    theirs = client_for(personas.grid_worker_b).get("/map/data/")

    # then each sees his own grid's hazard only, as compact rows
    assert ids_of(mine) == {hazards["a1a"].pk}
    assert ids_of(theirs) == {hazards["a1b"].pk}
    row = mine.json()["rows"][0]
    h = hazards["a1a"]
    assert row == [h.pk, h.lat, h.lng, h.risk_colour, "reported", h.code, "消防通道堵塞"]
    body = mine.content.decode()
    for secret in (personas.grid_worker.full_name, personas.grid_worker.mobile, "reporter"):
        assert secret not in body


def test_street_admin_sees_his_street_and_not_the_other(
    personas: Any, hazards: dict[str, Hazard]
) -> None:
    response = client_for(personas.street_admin).get("/map/data/")
    assert ids_of(response) == {hazards["a1a"].pk, hazards["a1b"].pk}
    assert response["Cache-Control"] == "private, no-store"


def test_filters_by_colour_category_status_and_dates(
    personas: Any, hazards: dict[str, Hazard]
) -> None:
    admin = client_for(personas.district_admin)
    a1a = hazards["a1a"]
    colour = a1a.risk_colour
    same_colour = {h.pk for h in hazards.values() if h.risk_colour == colour}

    assert ids_of(admin.get("/map/data/", {"colour": colour})) == same_colour
    assert ids_of(admin.get("/map/data/", {"category": "01"})) == {
        hazards["a1a"].pk,
        hazards["a1b"].pk,
    }
    assert ids_of(admin.get("/map/data/", {"category": "02"})) == {hazards["b1a"].pk}
    assert ids_of(admin.get("/map/data/", {"status": "closed"})) == set()
    assert len(ids_of(admin.get("/map/data/", {"status": "all"}))) == 3
    today = timezone.localdate(a1a.reported_at).isoformat()  # the user's day, not UTC's
    assert len(ids_of(admin.get("/map/data/", {"date_from": today, "date_to": today}))) == 3
    assert (
        ids_of(admin.get("/map/data/", {"date_from": "2000-01-01", "date_to": "2000-01-02"}))
        == set()
    )


def test_closed_hazards_leave_the_default_open_map(
    personas: Any, hazards: dict[str, Hazard], settings: Any, tmp_path: Any
) -> None:
    from anxin.testing.media import photo

    settings.MEDIA_ROOT = tmp_path
    h = hazards["a1a"]
    actions.transition(h.pk, personas.grid_worker, "verify")
    actions.transition(h.pk, personas.property_manager, "accept")
    actions.transition(
        h.pk, personas.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
    )
    actions.transition(h.pk, personas.safety_officer, "pass_recheck")

    worker = client_for(personas.grid_worker)
    assert ids_of(worker.get("/map/data/")) == set()
    assert ids_of(worker.get("/map/data/", {"status": "closed"})) == {h.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "purple"}, "colour"),
        ({"status": "lost"}, "status"),
        ({"category": "99"}, "category"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ({"res": "8"}, "res"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(
    personas: Any, hazards: dict[str, Hazard], params: dict[str, str], field: str
) -> None:
    client = client_for(personas.street_admin)
    for url in ("/map/data/", "/map/heat/"):
        response = client.get(url, params)
        assert response.status_code == 400
        assert field in response.json()["errors"]


def test_heat_cells_sum_to_the_visible_count(personas: Any, hazards: dict[str, Hazard]) -> None:
    client = client_for(personas.street_admin)
    visible = len(ids_of(client.get("/map/data/")))
    assert visible == 2
    for params, resolution in (({"zoom": "12"}, 7), ({"zoom": "16"}, 9), ({"res": "9"}, 9)):
        payload = client.get("/map/heat/", params).json()
        assert payload["resolution"] == resolution
        assert payload["total"] == visible
        assert sum(cell["count"] for cell in payload["cells"]) == visible
        for cell in payload["cells"]:
            assert len(cell["boundary"]) == 6
            lat, lng = cell["boundary"][0]
            assert 29.9 < lat < 30.1 and 119.9 < lng < 120.1
    # filtered by colour and category like the markers
    empty = client.get("/map/heat/", {"category": "02"}).json()
    assert empty["cells"] == [] and empty["total"] == 0
    worker = client_for(personas.grid_worker).get("/map/heat/", {"res": "9"}).json()
    assert worker["total"] == 1
    assert worker["cells"][0]["cell"] == hazards["a1a"].h3_r9


def test_base_layer_polygons_are_scoped(personas: Any, tree: Any) -> None:
    def codes(user: Any) -> set[str]:
        response = client_for(user).get("/map/areas/")
        assert response.status_code == 200
        collection = json.loads(response.content)
        assert collection["type"] == "FeatureCollection"
        return {f["properties"]["code"] for f in collection["features"]}

    assert codes(personas.grid_worker) == {tree.grid_a1a.code, tree.building_a1a.code}
    street_a = codes(personas.street_admin)
    assert tree.street_a.code in street_a and tree.grid_a1b.code in street_a
    assert tree.street_b.code not in street_a and tree.grid_b1a.code not in street_a
    assert tree.district.code not in street_a
    assert tree.district.code in codes(personas.district_admin)
    assert codes(personas.resident) == set()


def test_base_layer_follows_a_changed_tree(personas: Any, tree: Any) -> None:
    client = client_for(personas.grid_worker)
    before = json.loads(client.get("/map/areas/").content)
    tree.grid_a1a.name = "改名网格"
    tree.grid_a1a.save()
    after = json.loads(client.get("/map/areas/").content)
    names = {f["properties"]["name"] for f in after["features"]}
    assert "改名网格" in names and len(after["features"]) == len(before["features"])


def test_map_endpoints_need_a_login(tree: Any) -> None:
    for url in ("/map/", "/map/data/", "/map/heat/", "/map/areas/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_map_page_renders_with_local_libraries_only(personas: Any, settings: Any) -> None:
    response = client_for(personas.street_admin).get("/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/leaflet/leaflet.js" in html
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert "maps/gcj02.js" in html
    assert "//unpkg" not in html and "cdn" not in html.lower()
    config = response.context["map_config"]
    assert config["tileUrl"] == ""
    assert config["dataUrl"] == "/map/data/"

    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_CRS = "gcj02"
    config = client_for(personas.street_admin).get("/map/").context["map_config"]
    assert config["tileUrl"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert config["tileCrs"] == "gcj02"


def test_map_is_in_the_navigation_for_staff_not_residents(personas: Any) -> None:
    staff = client_for(personas.grid_worker).get("/map/")
    assert any(item["url"] == "/map/" for item in staff.context["nav_items"])
    assert any(item["url"] == "/org/" for item in staff.context["nav_items"])
    resident = client_for(personas.resident).get("/map/")
    assert all(item["url"] != "/map/" for item in resident.context["nav_items"])


def test_gcj02_reference_values() -> None:
    # Tiananmen: a widely published WGS-84 / GCJ-02 pair
    lng, lat = wgs84_to_gcj02(116.397128, 39.916527)
    assert abs(lng - 116.403370) < 5e-6 and abs(lat - 39.917930) < 5e-6
    # the shift in Hangzhou is a few hundred metres
    lng, lat = wgs84_to_gcj02(120.13, 30.27)
    assert 0.003 < lng - 120.13 < 0.006 and -0.004 < lat - 30.27 < 0
    # outside China nothing moves
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert wgs84_to_gcj02(139.6917, 35.6895) == (139.6917, 35.6895)


def test_marker_answer_is_capped_and_says_so(
    personas: Any, hazards: dict[str, Hazard], monkeypatch: Any
) -> None:
    from anxin.maps import selectors

    monkeypatch.setattr(selectors, "MAX_MARKERS", 2)
    payload = client_for(personas.district_admin).get("/map/data/").json()
    assert payload["count"] == 2 and payload["truncated"] is True
    # the latest first
    assert [row[0] for row in payload["rows"]] == [hazards["b1a"].pk, hazards["a1b"].pk]
