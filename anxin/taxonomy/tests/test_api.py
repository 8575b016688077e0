"""/api/v1/categories/ lists the taxonomy in the language of the request."""

from __future__ import annotations

import pytest

from anxin.taxonomy.models import Category

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories/"


def test_anonymous_user_is_refused(api_client):
    assert api_client.get(URL).status_code in (401, 403)


def test_logged_in_user_gets_the_whole_taxonomy(personas, api_client):
    api_client.force_authenticate(personas.grid_worker)
    response = api_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert len(body) == Category.objects.filter(is_active=True).count()
    fire_lane = next(c for c in body if c["code"] == "0101")
    assert fire_lane["parent_code"] == "01"
    assert fire_lane["risk_colour"] == "yellow"
    assert fire_lane["responsible_kind"] == "property"
    assert "xftd" in fire_lane["keywords"]


def test_names_in_english_when_asked(personas, api_client):
    api_client.force_authenticate(personas.grid_worker)
    body = api_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    fire_lane = next(c for c in body if c["code"] == "0101")
    assert fire_lane["name"] == "Fire lane blocked"


def test_names_in_chinese_by_default(personas, api_client):
    api_client.force_authenticate(personas.grid_worker)
    body = api_client.get(URL).json()
    assert next(c for c in body if c["code"] == "0101")["name"] == "消防通道堵塞"
    body = api_client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").json()
    assert next(c for c in body if c["code"] == "07")["name"] == "燃气"


def test_detail_by_code(personas, api_client):
    api_client.force_authenticate(personas.resident)
    response = api_client.get(f"{URL}0703/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.json()["name"] == "Gas leak or pipe built over"
    assert response.json()["deadline_policy"] == "immediate"
