"""The warnings and rules API, and the workbench pages."""

from __future__ import annotations

import pytest

from anxin.warnings.actions import ensure_default_rules
from anxin.warnings.models import RiskWarning, SpecialGovernanceTask, WarningRule
from anxin.warnings.tests.test_raising import AROUND

pytestmark = pytest.mark.django_db


@pytest.fixture
def red_warning(tree, personas, report) -> RiskWarning:
    ensure_default_rules(tree.district)
    report("0101", grade="major")
    return RiskWarning.objects.get(kind="major_hazard")


def test_impossible_rule_parameters_are_refused_naming_the_fields(tree, personas, api_client):
    api_client.force_authenticate(personas.street_admin)
    before = WarningRule.objects.count()
    response = api_client.post(
        "/api/v1/warning-rules/",
        {
            "area": tree.street_a.code,
            "kind": "cluster",
            "min_count": 1,
            "radius_m": 3,
            "window_days": 400,
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"min_count", "radius_m", "window_days"}
    assert WarningRule.objects.count() == before
    response = api_client.post(
        "/api/v1/warning-rules/",
        {"area": tree.street_a.code, "kind": "threshold", "threshold": 0, "count_per": "grid"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"threshold"}
    response = api_client.post(
        "/api/v1/warning-rules/",
        {"area": tree.street_a.code, "kind": "cluster", "radius_m": "far"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"radius_m"}
    response = api_client.post(
        "/api/v1/warning-rules/", {"area": tree.street_a.code, "kind": "nonsense"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind"}
    assert WarningRule.objects.count() == before


def test_street_admin_sets_and_changes_a_rule_for_their_street(tree, personas, api_client):
    api_client.force_authenticate(personas.street_admin)
    response = api_client.post(
        "/api/v1/warning-rules/",
        {
            "area": tree.street_a.code,
            "kind": "cluster",
            "category": "0103",
            "min_count": 3,
            "radius_m": 100,
            "window_days": 14,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["level"], body["category"], body["min_count"]) == ("yellow", "0103", 3)
    rule = WarningRule.objects.get(pk=body["id"])
    assert rule.created_by == personas.street_admin
    response = api_client.patch(
        f"/api/v1/warning-rules/{rule.pk}/", {"radius_m": 6000}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"radius_m"}
    response = api_client.patch(
        f"/api/v1/warning-rules/{rule.pk}/", {"min_count": 4}, format="json"
    )
    assert response.status_code == 200
    rule.refresh_from_db()
    assert (rule.min_count, rule.radius_m) == (4, 100)


def test_rules_of_another_street_are_out_of_reach(tree, personas, api_client):
    ensure_default_rules(tree.district)
    theirs = WarningRule.objects.create(area=tree.street_a, kind="single")
    api_client.force_authenticate(personas.street_admin_b)
    response = api_client.post(
        "/api/v1/warning-rules/", {"area": tree.street_a.code, "kind": "single"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"area"}
    assert api_client.get(f"/api/v1/warning-rules/{theirs.pk}/").status_code == 404
    response = api_client.patch(
        f"/api/v1/warning-rules/{theirs.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 404
    # the district's defaults are in force for street B too: visible, not changeable
    listed = {row["id"] for row in api_client.get("/api/v1/warning-rules/").json()["results"]}
    district_rules = set(
        WarningRule.objects.filter(area=tree.district).values_list("pk", flat=True)
    )
    assert listed == district_rules
    one = next(iter(district_rules))
    response = api_client.patch(
        f"/api/v1/warning-rules/{one}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 403


def test_street_admin_of_street_b_cannot_see_or_acknowledge_street_a_warnings(
    personas, api_client, red_warning
):
    api_client.force_authenticate(personas.street_admin_b)
    assert api_client.get("/api/v1/warnings/").json()["results"] == []
    assert api_client.get(f"/api/v1/warnings/{red_warning.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/warnings/{red_warning.pk}/timeline/").status_code == 404
    response = api_client.post(f"/api/v1/warnings/{red_warning.pk}/acknowledge/", {})
    assert response.status_code == 404
    red_warning.refresh_from_db()
    assert red_warning.status == "raised"


def test_acknowledge_and_resolve_write_the_timeline(personas, api_client, red_warning):
    api_client.force_authenticate(personas.street_admin)
    listed = api_client.get("/api/v1/warnings/", {"level": "red"}).json()["results"]
    assert [row["id"] for row in listed] == [red_warning.pk]
    assert listed[0]["hazard_count"] == 1
    response = api_client.post(
        f"/api/v1/warnings/{red_warning.pk}/acknowledge/", {"note": "已启动应急预案"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_by"] == personas.street_admin.username
    again = api_client.post(f"/api/v1/warnings/{red_warning.pk}/acknowledge/", {}, format="json")
    assert again.status_code == 409
    response = api_client.post(f"/api/v1/warnings/{red_warning.pk}/resolve/", {}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    response = api_client.post(
        f"/api/v1/warnings/{red_warning.pk}/resolve/", {"note": "隐患已整改"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    events = api_client.get(f"/api/v1/warnings/{red_warning.pk}/timeline/").json()
    assert [e["kind"] for e in events] == ["raised", "notified", "acknowledged", "resolved"]
    assert events[-1]["note"] == "隐患已整改"
    assert events[-1]["actor"] == personas.street_admin.username


def test_roles_without_handling_rights_may_not_acknowledge(personas, api_client, red_warning):
    api_client.force_authenticate(personas.evaluator)  # sees street A, read-only
    assert api_client.get(f"/api/v1/warnings/{red_warning.pk}/").status_code == 200
    response = api_client.post(f"/api/v1/warnings/{red_warning.pk}/acknowledge/", {})
    assert response.status_code == 404  # not in their change scope
    api_client.force_authenticate(personas.grid_worker)  # red warning: not theirs to handle
    response = api_client.post(f"/api/v1/warnings/{red_warning.pk}/acknowledge/", {})
    assert response.status_code == 403


def test_resolving_a_yellow_warning_closes_its_governance_task(tree, personas, report, api_client):
    ensure_default_rules(tree.district)
    for lat, lng in AROUND:
        report("0103", lat, lng)
    warning = RiskWarning.objects.get(kind="cluster")
    api_client.force_authenticate(personas.safety_officer)
    detail = api_client.get(f"/api/v1/warnings/{warning.pk}/").json()
    assert detail["governance_task"]["status"] == "open"
    assert len(detail["hazards"]) == 5
    response = api_client.post(
        f"/api/v1/warnings/{warning.pk}/resolve/", {"note": "专项整治完成"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["governance_task"]["status"] == "done"
    assert SpecialGovernanceTask.objects.get().closed_by == personas.safety_officer


def test_flood_warning_through_the_api(
    tree, personas, api_client, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(personas.street_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/warnings/flood/",
            {"area": tree.street_a.code, "message": "今夜特大暴雨"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="storm-1",
        )
    assert response.status_code == 201
    assert response.json()["level"] == "red"
    again = api_client.post(
        "/api/v1/warnings/flood/",
        {"area": tree.street_a.code, "message": "今夜特大暴雨"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="storm-1",
    )
    assert again.status_code == 200
    assert RiskWarning.objects.filter(kind="flood_warning").count() == 1
    response = api_client.post(
        "/api/v1/warnings/flood/",
        {"area": tree.street_a.code, "message": "x", "radius_m": 1},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"radius_m"}


def test_warning_pages_list_detail_and_htmx_buttons(client, personas, red_warning):
    client.force_login(personas.street_admin)
    page = client.get("/warnings/")
    assert page.status_code == 200
    assert red_warning.title in page.content.decode()
    detail = client.get(f"/warnings/{red_warning.pk}/")
    assert detail.status_code == 200
    assert f"/warnings/{red_warning.pk}/acknowledge/" in detail.content.decode()
    response = client.post(f"/warnings/{red_warning.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="warning-state"' in response.content.decode()
    red_warning.refresh_from_db()
    assert red_warning.status == "acknowledged"
    response = client.post(
        f"/warnings/{red_warning.pk}/resolve/", {"note": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    response = client.post(f"/warnings/{red_warning.pk}/resolve/", {"note": "已处置"})
    assert response.status_code == 302
    red_warning.refresh_from_db()
    assert red_warning.status == "resolved"
    client.force_login(personas.street_admin_b)
    assert client.get(f"/warnings/{red_warning.pk}/").status_code == 404
    assert client.post(f"/warnings/{red_warning.pk}/acknowledge/").status_code == 404
    assert red_warning.title not in client.get("/warnings/?status=all").content.decode()
