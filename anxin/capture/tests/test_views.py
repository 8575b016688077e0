"""The phone report page, its JSON helpers, the service worker and the manifest."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from anxin.capture.models import AnonymousReport
from anxin.hazards.models import Attachment, Hazard
from anxin.residents.models import LocalityPolicy
from anxin.testing import clients
from anxin.testing.media import not_an_image, photo
from anxin.testing.reports import report

pytestmark = pytest.mark.django_db

POINT = (30.015, 120.007)  # grid A1a
METRE_LAT = 1 / 111_195  # degrees of latitude per metre
OUTSIDE = (31.5, 121.5)  # no area there
NEAR_0101 = {"category": "0101", "lat": "30.015", "lng": "120.007"}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


# The page in Chinese unless a test asks for another language.
client_for = partial(clients.client_for, language="zh-hans")


def json_script(html: str, element_id: str) -> Any:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def north(metres: float) -> tuple[float, float]:
    """The point ``metres`` north of ``POINT``."""
    return POINT[0] + metres * METRE_LAT, POINT[1]


# --- the page ----------------------------------------------------------------------------
def test_the_page_renders_for_a_resident_with_the_three_steps(personas: Any) -> None:
    response = client_for(personas.resident).get("/m/report/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'<input type="file" id="photo-input" name="attachments" accept="image/\*" '
        r'capture="environment" multiple>',
        html,
    )
    for element in ("location-status", "report-map", "category-search", "report-queue"):
        assert f'id="{element}"' in html
    assert 'id="id_description"' in html and 'id="report-submit"' in html
    assert len(re.findall(r'class="class-tile" data-code="\d\d"', html)) == 8
    sub_tiles = re.findall(r'class="category-tile" data-code="(\d{4})"', html)
    config = json_script(html, "capture-config")
    taxonomy = json_script(html, "capture-taxonomy")
    assert sorted(sub_tiles) == sorted(s["code"] for s in taxonomy["subclasses"])
    assert len(taxonomy["classes"]) == 8 and len(sub_tiles) >= 40
    fire_lane = next(s for s in taxonomy["subclasses"] if s["code"] == "0101")
    assert fire_lane["name"] == "消防通道堵塞" and "xftd" in fire_lane["words"]
    assert config["source"] == "resident"
    assert config["owner"] == f"u{personas.resident.pk}"
    assert config["apiUrl"] == "/api/v1/hazards/"
    assert config["maxImageBytes"] == 10_000_000 and config["maxFiles"] == 9
    assert "image/jpeg" in config["imageTypes"]
    assert config["reportDetailUrl"] == "/m/reports/{id}/"
    outline = json_script(html, "capture-outline")
    assert {f["properties"]["level"] for f in outline["features"]} == {
        "district",
        "street",
        "community",
    }
    assert "消防" in html and 'data-icon="fire"' in html
    assert 'id="login-prompt"' not in html and 'class="cap-patrol-badge"' not in html


def test_a_grid_worker_gets_the_same_page_as_a_patrol_report(personas: Any) -> None:
    response = client_for(personas.grid_worker).get("/m/report/")

    assert response.status_code == 200
    html = response.content.decode()
    assert json_script(html, "capture-config")["source"] == "patrol"
    assert 'class="cap-patrol-badge"' in html


def test_the_page_in_english(personas: Any) -> None:
    response = client_for(personas.resident, language="en").get("/m/report/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Report a hazard" in html and "Take or choose photos" in html
    names = {s["code"]: s["name"] for s in json_script(html, "capture-taxonomy")["subclasses"]}
    assert names["0101"] == "Fire lane blocked"
    text = json_script(html, "capture-text")
    assert text["duplicate_question"].startswith("Someone nearby has already reported")


def test_someone_without_an_account_is_asked_to_log_in_or_sign_up(tree: Any) -> None:
    response = Client().get("/m/report/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="login-prompt"' in html and 'id="login-link"' in html
    config = json_script(html, "capture-config")
    assert config["authenticated"] is False and config["owner"] == "anon"
    assert 'id="id_phone"' in html


# --- manifest and service worker ---------------------------------------------------------------
def test_the_manifest(tree: Any) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/m/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "安心" and data["short_name"]
    assert data["start_url"] == "/m/report/" and data["scope"] == "/m/"
    assert data["display"] == "standalone" and data["theme_color"].startswith("#")
    sizes = {icon["sizes"]: icon for icon in data["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, icon in sizes.items():
        assert icon["type"] == "image/png"
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        from PIL import Image

        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == size


def test_the_service_worker_headers_and_precache(tree: Any) -> None:
    response = Client().get("/m/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/m/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    found = re.search(r"var CONFIG = (\{.*?\});\n", body)
    assert found is not None
    config = json.loads(found.group(1))
    assert config["shellUrl"] == "/m/report/" and config["scope"] == "/m/"
    assert "/static/vendor/leaflet/leaflet.js" in config["precache"]
    assert "/static/capture/capture.js" in config["precache"]
    assert not any("/api/" in url for url in config["precache"])
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    assert 'request.method !== "GET"' in body  # POSTs are never cached


# --- duplicates near a point -------------------------------------------------------------------
def test_nearby_shows_only_public_safe_fields_within_the_subclass_radius(
    personas: Any,
) -> None:
    # given open hazards reported by staff, none of them visible to the resident
    near = report(personas.grid_worker, north(20), "0101", description="张三家门口")
    far = report(personas.grid_worker, north(80), "0101")  # radius of 0101 is 50 m
    other_kind = report(personas.grid_worker, north(5), "0301")
    closed = report(personas.grid_worker, north(10), "0101")
    Hazard.objects.filter(pk=closed.pk).update(status="closed")
    old = report(personas.grid_worker, north(15), "0101")
    Hazard.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=8))
    assert not Hazard.objects.restrict(personas.resident, "view").filter(pk=near.pk).exists()

    response = client_for(personas.resident).get("/m/report/nearby/", NEAR_0101)

    assert response.status_code == 200
    data = response.json()
    assert data["radius_m"] == 50 and data["window_days"] == 7
    ids = [row["id"] for row in data["results"]]
    assert ids == [near.pk]
    assert far.pk not in ids and other_kind.pk not in ids and closed.pk not in ids
    row = data["results"][0]
    assert set(row) == {
        "id",
        "title",
        "category_code",
        "category_name",
        "status",
        "status_label",
        "distance_m",
        "reported_on",
        "mine",
    }
    assert 18 <= row["distance_m"] <= 22 and row["mine"] is False
    assert row["status"] == "reported" and row["status_label"] not in ("", "reported")
    body = response.content.decode()
    for secret in (
        near.code,
        near.machine_code,
        near.reporter_name,
        personas.grid_worker.mobile,
        "张三家门口",
        str(near.lat),
    ):
        assert secret not in body


def test_nearby_marks_the_users_own_reports_and_refuses_strangers(personas: Any) -> None:
    own = report(personas.resident, north(10), "0101")

    mine = client_for(personas.resident).get("/m/report/nearby/", NEAR_0101)
    anonymous = Client().get("/m/report/nearby/", NEAR_0101)
    bad = client_for(personas.resident).get(
        "/m/report/nearby/", {"category": "01", "lat": "north", "lng": "120.007"}
    )

    assert mine.json()["results"][0] == {**mine.json()["results"][0], "id": own.pk, "mine": True}
    assert anonymous.status_code == 403
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"category", "lat"}


# --- following instead of reporting again ------------------------------------------------------
def test_following_a_hazard_within_its_radius(personas: Any) -> None:
    hazard = report(personas.grid_worker, north(30), "0101")
    client = client_for(personas.resident)

    response = client.post(
        "/m/report/follow/", {"hazard": hazard.pk, "lat": POINT[0], "lng": POINT[1]}
    )

    assert response.status_code == 200
    assert response.json()["url"] == f"/m/reports/{hazard.pk}/"
    assert hazard.followers.filter(pk=personas.resident.pk).exists()
    assert Hazard.objects.restrict(personas.resident, "view").filter(pk=hazard.pk).exists()


def test_following_is_bounded_by_radius_and_open_status(personas: Any) -> None:
    too_far = report(personas.grid_worker, north(120), "0101")
    closed = report(personas.grid_worker, north(5), "0101")
    Hazard.objects.filter(pk=closed.pk).update(status="closed")
    client = client_for(personas.resident)

    answers = [
        client.post("/m/report/follow/", {"hazard": h.pk, "lat": POINT[0], "lng": POINT[1]})
        for h in (too_far, closed)
    ]
    missing = client.post("/m/report/follow/", {"hazard": 999999, "lat": 30.0, "lng": 120.0})
    anonymous = Client().post(
        "/m/report/follow/", {"hazard": closed.pk, "lat": POINT[0], "lng": POINT[1]}
    )

    assert [a.status_code for a in answers] == [404, 404]
    assert missing.status_code == 404
    assert anonymous.status_code == 403
    assert not too_far.followers.exists() and not closed.followers.exists()


def test_follow_needs_the_csrf_token(personas: Any) -> None:
    hazard = report(personas.grid_worker, north(5), "0101")
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.resident)

    response = client.post(
        "/m/report/follow/", {"hazard": hazard.pk, "lat": POINT[0], "lng": POINT[1]}
    )

    assert response.status_code == 403
    assert not hazard.followers.exists()


# --- anonymous reports --------------------------------------------------------------------------
def anonymous_post(client: Client, key: str = "k-1", **fields: Any) -> Any:
    data = {"category": "0101", "lat": POINT[0], "lng": POINT[1], **fields}
    return client.post("/m/report/submit/", data, HTTP_IDEMPOTENCY_KEY=key)


def test_anonymous_reports_are_refused_where_the_locality_does_not_allow_them(
    tree: Any,
) -> None:
    response = anonymous_post(Client(), attachments=photo())

    assert response.status_code == 403
    assert response.json()["code"] == "account_required"
    assert Hazard.objects.count() == 0 and Attachment.objects.count() == 0


def test_anonymous_reports_where_the_locality_allows_them_and_replays(tree: Any) -> None:
    LocalityPolicy.objects.create(area=tree.community_a1, allow_anonymous_reports=True)
    client = Client()

    first = anonymous_post(
        client, key="anon-1", attachments=photo(), name="路人甲", phone="13912345678"
    )
    again = anonymous_post(client, key="anon-1", attachments=photo(), name="路人甲")

    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["code"]
    hazard = Hazard.objects.get()
    assert hazard.reporter is None and hazard.source == "resident"
    assert hazard.reporter_name == "路人甲" and hazard.reporter_phone == "13912345678"
    assert Attachment.objects.count() == 1
    where = client.get("/m/report/where/", {"lat": "30.015", "lng": "120.007"}).json()
    assert where["inside"] is True and where["allow_anonymous_reports"] is True
    assert "保俶社区" in where["place"]


def test_one_address_files_a_limited_number_of_anonymous_reports_an_hour(
    tree: Any, personas: Any, settings: Any
) -> None:
    settings.ANONYMOUS_REPORTS_PER_HOUR = 2
    LocalityPolicy.objects.create(area=tree.community_a1, allow_anonymous_reports=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous_post(client, key="q-1").status_code == 201
    assert anonymous_post(client, key="q-2").status_code == 201
    refused = anonymous_post(client, key="q-3")
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_anonymous_reports"
    assert "Your report is kept" in refused.json()["detail"]
    assert Hazard.objects.count() == 2
    # a replay of a report already filed is still answered with its file
    assert anonymous_post(client, key="q-1").status_code == 200
    assert list(AnonymousReport.objects.values_list("ip_address", flat=True)) == [
        "127.0.0.1",
        "127.0.0.1",
    ]
    # a logged-in resident is not limited by it
    resident = Client()
    resident.force_login(personas.resident)
    assert anonymous_post(resident, key="q-4").status_code == 201
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert anonymous_post(client, key="q-3").status_code == 201
    assert Hazard.objects.count() == 4


def test_anonymous_bad_input_changes_nothing(tree: Any) -> None:
    LocalityPolicy.objects.create(area=tree.district, allow_anonymous_reports=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    outside = anonymous_post(client, key="a", lat=OUTSIDE[0], lng=OUTSIDE[1])
    bad_photo = anonymous_post(client, key="b", attachments=not_an_image())
    bad_phone = anonymous_post(client, key="c", phone="12345")
    bad_kind = anonymous_post(client, key="d", category="01")

    assert outside.status_code == 400
    assert "outside every grid" in outside.json()["errors"]["location"][0]
    assert bad_photo.status_code == 400
    assert "is not a photo" in bad_photo.json()["errors"]["attachments"][0]
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["errors"]
    assert bad_kind.status_code == 400 and "category" in bad_kind.json()["errors"]
    assert Hazard.objects.count() == 0 and Attachment.objects.count() == 0
    where = client.get("/m/report/where/", {"lat": str(OUTSIDE[0]), "lng": str(OUTSIDE[1])}).json()
    assert where["inside"] is False and "outside every grid" in where["message"]


# --- the API the queue sends to -------------------------------------------------------------------
def test_a_replayed_idempotency_key_through_the_api_creates_nothing(
    personas: Any, api_client: Any
) -> None:
    api_client.force_authenticate(personas.resident)
    fields = {"category": "0101", "lat": POINT[0], "lng": POINT[1], "source": "resident"}

    first = api_client.post(
        "/api/v1/hazards/",
        {**fields, "attachments": [photo()]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="3f2a6c1e-0000-4000-8000-000000000001",
    )
    replay = api_client.post(
        "/api/v1/hazards/",
        {**fields, "attachments": [photo(), photo(name="other.jpg")]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="3f2a6c1e-0000-4000-8000-000000000001",
    )

    assert first.status_code == 201 and replay.status_code == 200
    assert first.json()["id"] == replay.json()["id"]
    assert first.json()["code"] == replay.json()["code"]
    assert Hazard.objects.count() == 1
    assert Attachment.objects.count() == 1


def test_the_session_helper_gives_a_token_and_the_owner(personas: Any) -> None:
    answer = client_for(personas.resident).get("/m/report/session/")
    stranger = Client().get("/m/report/session/").json()

    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert answer.json()["owner"] == f"u{personas.resident.pk}" and answer.json()["token"]
    assert stranger["owner"] == "anon"
