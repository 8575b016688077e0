"""Walk every registered API endpoint as users of one district and check that
nothing of another district leaks: not in lists, counts, details or exports.

The truth here does not come from ``restrict()``: the rows of the other district
are known because the test created them, so a viewset that forgot scoping, or a
scope rule that is too wide, fails this test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import models

from anxin.api_v1 import router
from anxin.emergency.testing import populate as populate_emergency
from anxin.hazards import actions
from anxin.notifications.actions import notify
from anxin.testing.factories import Personas, Tree
from anxin.testing.media import photo
from anxin.warnings.actions import ensure_default_rules, raise_flood_warning

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
        "supplies",
        "supply-movements",
        "emergency-teams",
        "emergency-plans",
        "emergency-responses",
        "response-tasks",
        "response-reviews",
        "drills",
        "trainings",
        "safety-activities",
        "weather-alerts",
    }


def rows_of(model: type[models.Model]) -> set[int]:
    return set(model._default_manager.values_list("pk", flat=True))


def identifier(viewset: Any, obj: models.Model) -> str:
    return str(getattr(obj, getattr(viewset, "lookup_field", "pk") or "pk"))


def walk_to_dispatched(theirs_personas, lng):
    """A hazard of the other district, reported with a photo and dispatched."""
    result = actions.report_hazard(
        reporter=theirs_personas.resident,
        category="0101",
        lat=30.015,
        lng=lng,
        uploads=[(photo(), "found")],
    )
    actions.transition(result.hazard.pk, theirs_personas.grid_worker, "verify")
    return result.hazard


def populate(tree, people, lng):
    """Rows of every scoped kind in one district: hazards with evidence and the
    notifications their changes cause, warning rules and a warning, inboxes."""
    walk_to_dispatched(people, lng)
    actions.report_hazard(reporter=people.resident, category="0101", lat=30.015, lng=lng - 0.002)
    ensure_default_rules(tree.district)
    raise_flood_warning(tree.district, None, "暴雨橙色预警")
    notify(
        [people.grid_worker, people.resident],
        kind="test",
        title="通知",
        body="测试",
        key=f"leak-test:{tree.district.code}",
    )
    rate_and_join(tree, people, lng)
    populate_emergency(tree, people)


def rate_and_join(tree, people, lng):
    """Residents' rows: a closed hazard rated by its reporter (a rating and
    points), and a campaign of the community the resident joined (points)."""
    from django.utils import timezone

    from anxin.points.actions import join_campaign
    from anxin.points.models import Campaign
    from anxin.ratings.actions import rate_hazard

    hazard = actions.report_hazard(
        reporter=people.resident,
        category="0104",
        lat=30.015,
        lng=lng + 0.001,
        risk_colour="blue",
        uploads=[(photo(), "found")],
    ).hazard
    actions.transition(
        hazard.pk, people.grid_worker, "fix_on_spot", uploads=[(photo(), "rectify_after")]
    )
    actions.transition(hazard.pk, people.safety_officer, "pass_recheck")
    rate_hazard(hazard.pk, people.resident, 4, "满意")
    people.resident.home_building = tree.building_a1a
    people.resident.save(update_fields=["home_building"])
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="楼道清理", area=tree.community_a1, starts_on=today, ends_on=today
    )
    join_campaign(campaign.pk, people.resident)


@pytest.fixture
def two_districts(settings, tmp_path, django_capture_on_commit_callbacks):
    """District A (ours) with one persona per role; district B created after it
    with the same kinds of rows. Background work runs (eagerly) as it would."""
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        ours = Tree()
        personas = Personas(ours)
        populate(ours, personas, 120.007)  # our own rows, so lists are not empty
    before = {prefix: rows_of(vs.scoped_queryset.model) for prefix, vs in scoped_routes()}
    with django_capture_on_commit_callbacks(execute=True):
        theirs = Tree(district_code="330108", shift=1.0, tag="拱墅")
        their_personas = Personas(theirs, prefix="b_")
        populate(theirs, their_personas, 121.007)
    foreign = {
        prefix: rows_of(vs.scoped_queryset.model) - before[prefix] for prefix, vs in scoped_routes()
    }
    return personas, foreign


def test_nothing_of_another_district_leaks(two_districts, api_client):
    personas, foreign = two_districts
    checked = 0
    for name, user in personas.all().items():
        api_client.force_authenticate(user)
        for prefix, viewset in scoped_routes():
            model = viewset.scoped_queryset.model
            others = model._default_manager.filter(pk__in=foreign[prefix])
            assert others.exists(), f"the other district has {prefix} to leak"
            # list and count
            response = api_client.get(f"/api/v1/{prefix}/", {"page_size": 500})
            assert response.status_code == 200, (name, prefix, response.content[:200])
            body = response.json()
            listed = body["results"] if isinstance(body, dict) else body
            ids = {str(row.get("id")) for row in listed}
            assert not ids & {str(pk) for pk in foreign[prefix]}, (name, prefix)
            if isinstance(body, dict) and "count" in body:
                assert body["count"] == len(listed), (name, prefix)
            # details
            for obj in others:
                detail = api_client.get(f"/api/v1/{prefix}/{identifier(viewset, obj)}/")
                assert detail.status_code == 404, (name, prefix, obj)
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
