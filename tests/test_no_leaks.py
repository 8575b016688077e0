"""Walk every registered API endpoint as users of one district and check that
nothing of another district leaks: not in lists, counts, details, the actions on
a detail (timeline, duplicates, originals) or exports.

The truth here does not come from ``restrict()``: the rows of the other district
are known because the fixture (``tests/conftest.py``) created them, so a viewset
that forgot scoping, or a scope rule that is too wide, fails this test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import models

from anxin.api_v1 import router
from anxin.emergency.testing import ENDPOINTS as EMERGENCY_ENDPOINTS

pytestmark = pytest.mark.django_db


def scoped_routes() -> list[tuple[str, Any]]:
    routes = []
    for prefix, viewset, _basename in router.registry:
        if getattr(viewset, "unscoped_reason", None):
            continue
        assert hasattr(viewset, "scoped_queryset"), (
            f"/api/v1/{prefix}/ neither starts from restrict() nor says why it is unscoped"
        )
        routes.append((prefix, viewset))
    return routes


def test_every_endpoint_is_scoped_or_says_why():
    assert {prefix for prefix, _ in scoped_routes()} >= {
        "hazards",
        "attachments",
        "notifications",
        "warnings",
        "warning-rules",
        "areas",
        "places",
        "organisations",
        "users",
        "memberships",
        "ratings",
        "points",
        "campaigns",
        *EMERGENCY_ENDPOINTS,
    }


def identifier(viewset: Any, obj: models.Model) -> str:
    return str(getattr(obj, getattr(viewset, "lookup_field", "pk") or "pk"))


def test_nothing_of_another_district_leaks(two_districts, api_client):
    checked = 0
    for name, user in two_districts.personas.all().items():
        api_client.force_authenticate(user)
        for prefix, viewset in scoped_routes():
            model = viewset.scoped_queryset.model
            others = two_districts.foreign_rows(model)
            foreign = {str(pk) for pk in others.values_list("pk", flat=True)}
            assert others.exists(), f"the other district has {prefix} to leak"
            # list and count
            response = api_client.get(f"/api/v1/{prefix}/", {"page_size": 500})
            assert response.status_code == 200, (name, prefix, response.content[:200])
            body = response.json()
            listed = body["results"] if isinstance(body, dict) else body
            ids = {str(row.get("id")) for row in listed}
            assert not ids & foreign, (name, prefix)
            if isinstance(body, dict) and "count" in body:
                assert body["count"] == len(listed), (name, prefix)
            # details, and every detail-level GET action (a hazard's timeline and
            # duplicates, an attachment's original and public copy…)
            detail_actions = [
                extra.url_path
                for extra in viewset.get_extra_actions()
                if extra.detail and "get" in extra.mapping
            ]
            for obj in others:
                url = f"/api/v1/{prefix}/{identifier(viewset, obj)}/"
                for path in ["", *(f"{action}/" for action in detail_actions)]:
                    detail = api_client.get(url + path)
                    assert detail.status_code == 404, (name, prefix, obj, path)
                    checked += 1
            # exports and every other list-level GET action
            for extra in viewset.get_extra_actions():
                if extra.detail or "get" not in extra.mapping:
                    continue
                if extra.url_path == "resolve":
                    continue  # takes a point, checked below
                response = api_client.get(f"/api/v1/{prefix}/{extra.url_path}/")
                assert response.status_code in (200, 403), (name, prefix, extra.url_path)
                text = json.dumps(response.json(), ensure_ascii=False)
                for obj in others:
                    code = getattr(obj, "code", None)
                    if code:
                        assert f'"{code}"' not in text, (name, prefix, extra.url_path, code)
                checked += 1
        # the point resolver does not reveal the other district's areas either
        response = api_client.get("/api/v1/areas/resolve/", {"lat": 30.015, "lng": 121.007})
        assert response.status_code == 200
        assert response.json()["areas"] == [], name
    assert checked > 100
