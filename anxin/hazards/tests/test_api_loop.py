"""The whole loop through the REST API as the real roles (issue 3 'done when')."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from anxin.accounts.models import AuditEntry
from anxin.hazards.models import Hazard, HazardEvent
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, user, url, data=None, fmt="multipart"):
    client.force_authenticate(user)
    return client.post(url, data or {}, format=fmt)


def step(client, user, hazard_id, name, expect=200, fmt="multipart", **data):
    response = post(client, user, f"/api/v1/hazards/{hazard_id}/{name}/", data, fmt=fmt)
    assert response.status_code == expect, (name, response.status_code, response.content[:300])
    return response.json()


def report(client, user, **extra):
    data = {
        "category": "0101",
        "lat": 30.015,
        "lng": 120.007,
        "description": "消防通道被私家车长期占用",
        "address": "保俶社区1幢东侧消防通道",
        "attachments": [photo()],
        **extra,
    }
    response = post(client, user, "/api/v1/hazards/", data)
    assert response.status_code == 201, response.content
    return response.json()


REVIEWS = {
    # colour, grade -> who reviews in turn before the report is verified
    ("blue", "ordinary"): ["grid_worker"],
    ("yellow", "ordinary"): ["grid_worker"],
    ("orange", "ordinary"): ["grid_worker", "safety_officer"],
    ("red", "major"): ["grid_worker", "safety_officer", "street_admin"],
}
LEVEL_WORD = {"blue": "低", "yellow": "中", "orange": "高", "red": "重大"}


@pytest.mark.parametrize(("colour", "grade"), list(REVIEWS))
def test_whole_loop_for_each_colour(api_client, personas, tree, colour, grade):
    created = report(api_client, personas.resident, risk_colour=colour, grade=grade)
    hid = created["id"]
    assert created["status"] == "reported"
    assert created["code"] == f"保俶社区-消防-{LEVEL_WORD[colour]}-001"
    assert created["machine_code"].startswith(tree.grid_a1a.code + "-0101-")
    assert created["grid_code"] == tree.grid_a1a.code
    assert created["missing"] == []
    reviewers = REVIEWS[(colour, grade)]
    expected_events = [("report", "resident", "", "reported")]

    # review tiers: each reviewer in turn; the last one verifies, then the
    # system dispatches to the property company of the building
    for name in reviewers[:-1]:
        body = step(api_client, getattr(personas, name), hid, "verify")
        assert body["status"] == "reported"
        expected_events.append(("verify", name, "reported", "reported"))
    last = reviewers[-1]
    extra = {"expert_opinion": "专家意见：需整体更换"} if grade == "major" else {}
    verified = step(api_client, getattr(personas, last), hid, "verify", **extra)
    assert verified["status"] == "dispatched"
    assert verified["responsible_organisation_name"] == tree.property_a.name
    assert verified["deadline"] is not None
    expected_events += [
        ("verify", last, "reported", "verified"),
        ("dispatch", "system", "verified", "dispatched"),
    ]

    # the other company cannot touch it; the right one accepts and rectifies
    step(api_client, personas.property_manager_b, hid, "accept", expect=404)
    step(api_client, personas.property_manager, hid, "accept")
    expected_events.append(("accept", "property_manager", "dispatched", "rectifying"))
    no_photo = step(api_client, personas.property_manager, hid, "rectify", expect=400)
    assert "attachments" in no_photo["errors"]
    if grade == "major":
        no_plan = step(
            api_client, personas.property_manager, hid, "rectify", expect=400, attachments=[photo()]
        )
        assert "six_item_plan" in no_plan["errors"]
        plan = {
            "targets": "消除疏散通道堵塞",
            "method": "清理杂物并加装常闭防火门",
            "funds_and_materials": "物业维修基金 2 万元",
            "people": "物业工程部 4 人",
            "time_limit": "2099-12-31",
            "safety_measures": "施工期间设置临时疏散指示和专人值守",
        }
        step(api_client, personas.property_manager, hid, "plan", fmt="json", **plan)
        expected_events.append(("plan", "property_manager", "rectifying", "rectifying"))
    step(api_client, personas.property_manager, hid, "rectify", attachments=[photo()])
    expected_events.append(("rectify", "property_manager", "rectifying", "awaiting_recheck"))

    # the recheck fails once (a reason is required), then passes
    checker = "street_admin" if grade == "major" else "safety_officer"
    missing_reason = step(api_client, getattr(personas, checker), hid, "fail_recheck", expect=400)
    assert "reason" in missing_reason["errors"]
    failed = step(
        api_client, getattr(personas, checker), hid, "fail_recheck", reason="仍未整改到位"
    )
    assert failed["status"] == "rectifying"
    step(api_client, personas.property_manager, hid, "rectify", attachments=[photo()])
    if grade == "major":  # a major hazard is accepted by the street office only
        step(api_client, personas.safety_officer, hid, "pass_recheck", expect=403)
    closed = step(api_client, getattr(personas, checker), hid, "pass_recheck")
    assert closed["status"] == "closed"
    assert step(api_client, personas.safety_officer, hid, "publicise")["publicised_at"]
    expected_events += [
        ("fail_recheck", checker, "awaiting_recheck", "rectifying"),
        ("rectify", "property_manager", "rectifying", "awaiting_recheck"),
        ("pass_recheck", checker, "awaiting_recheck", "closed"),
        ("publicise", "safety_officer", "closed", "closed"),
    ]

    events = list(
        HazardEvent.objects.filter(hazard_id=hid).values_list(
            "action", "actor_role", "from_status", "to_status"
        )
    )
    assert events == expected_events
    assert HazardEvent.objects.get(hazard_id=hid, action="fail_recheck").reason == "仍未整改到位"
    hazard = Hazard.objects.get(pk=hid)
    assert hazard.attachments.filter(phase="rectify_after").count() == 2
    assert hazard.closed_at and hazard.rechecked_at and hazard.publicised_at
    if grade == "major":
        assert hazard.expert_opinion == "专家意见：需整体更换"

    # the public view (another resident) masks the reporter and hides internals
    api_client.force_authenticate(personas.resident_b)
    public = api_client.get(f"/api/v1/hazards/{hid}/").json()
    assert public["reporter_name"] == "王**"
    assert personas.resident.mobile not in str(public)
    assert "six_item_plan" not in public and "expert_opinion" not in public
    timeline = api_client.get(f"/api/v1/hazards/{hid}/timeline/").json()
    assert [e["action"] for e in timeline] == [e[0] for e in expected_events]
    assert all(e["actor_name"] is None for e in timeline)
    # staff without the permission see it masked too; with it, unmasked and audited
    api_client.force_authenticate(personas.street_admin)
    assert api_client.get(f"/api/v1/hazards/{hid}/").json()["reporter_name"] == "王**"
    permission = Permission.objects.get(codename="view_personal_data")
    personas.district_admin.user_permissions.add(permission)
    api_client.force_authenticate(personas.district_admin)
    shown = api_client.get(f"/api/v1/hazards/{hid}/").json()
    assert shown["reporter_phone"] == personas.resident.mobile
    assert AuditEntry.objects.filter(
        actor=personas.district_admin, verb="view_personal_data", object_id=str(hid)
    ).exists()


def test_conflicting_transition_gets_409(api_client, personas):
    hid = report(api_client, personas.grid_worker)["id"]
    step(api_client, personas.grid_worker, hid, "verify")
    again = step(api_client, personas.safety_officer, hid, "reject", expect=409, reason="x")
    assert "dispatched" in again["current_status"]
    assert Hazard.objects.get(pk=hid).status == "dispatched"


def test_role_and_scope_guards(api_client, personas):
    hid = report(api_client, personas.resident)["id"]
    # a resident may not verify; the grid worker of another grid does not even see it
    step(api_client, personas.resident, hid, "verify", expect=403)
    step(api_client, personas.grid_worker_b, hid, "verify", expect=404)
    api_client.force_authenticate(personas.grid_worker_b)
    assert api_client.get(f"/api/v1/hazards/{hid}/").status_code == 404
    assert HazardEvent.objects.filter(hazard_id=hid).count() == 1


def test_bad_input_is_refused_and_nothing_saved(api_client, personas):
    api_client.force_authenticate(personas.grid_worker)
    cases = [
        ({"category": "9999", "lat": 30.015, "lng": 120.007}, "category"),
        ({"category": "0101", "lat": 31.5, "lng": 121.9}, "location"),
        ({"category": "0101", "lat": "abc", "lng": 120.007}, "lat"),
        ({"category": "0101", "lat": 30.015, "lng": 120.007, "risk_colour": "pink"}, "risk_colour"),
    ]
    for data, field in cases:
        response = api_client.post("/api/v1/hazards/", data, format="json")
        assert response.status_code == 400, data
        assert field in response.json()["errors"], response.json()
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = api_client.post(
        "/api/v1/hazards/",
        {"category": "0101", "lat": 30.015, "lng": 120.007, "attachments": [fake]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "attachments" in response.json()["errors"]
    assert Hazard.objects.count() == 0


def test_idempotent_report(api_client, personas):
    api_client.force_authenticate(personas.grid_worker)
    data = {"category": "0101", "lat": 30.015, "lng": 120.007}
    first = api_client.post("/api/v1/hazards/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api_client.post("/api/v1/hazards/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Hazard.objects.count() == 1


def test_public_photo_has_no_exif(api_client, personas):
    created = report(api_client, personas.grid_worker)
    attachment = created["attachments"][0]
    body = b"".join(api_client.get(attachment["url"]).streaming_content)
    assert body[:2] == b"\xff\xd8"
    assert b"Exif" not in body and b"Anxin test camera" not in body
    original = api_client.get(f"/api/v1/attachments/{attachment['id']}/original/")
    assert b"Anxin test camera" in b"".join(original.streaming_content)
    api_client.force_authenticate(personas.grid_worker_b)
    assert api_client.get(attachment["url"]).status_code == 404


def test_public_copies_of_publicised_hazards_are_open_to_anyone(api_client, personas):
    hid = report(api_client, personas.grid_worker, risk_colour="blue")["id"]
    attachment_url = Hazard.objects.get(pk=hid).attachments.get()
    url = f"/api/v1/attachments/{attachment_url.pk}/public/"
    api_client.force_authenticate(None)
    assert api_client.get(url).status_code == 404  # not publicised yet
    step(api_client, personas.grid_worker, hid, "fix_on_spot", attachments=[photo()])
    step(api_client, personas.safety_officer, hid, "pass_recheck")
    step(api_client, personas.safety_officer, hid, "publicise")
    api_client.force_authenticate(None)
    response = api_client.get(url)
    assert response.status_code == 200
    assert b"Anxin test camera" not in b"".join(response.streaming_content)
    original = api_client.get(f"/api/v1/attachments/{attachment_url.pk}/original/")
    assert original.status_code in (401, 403)


def test_whistle_call_brings_the_department_in(api_client, personas, tree):
    hid = report(api_client, personas.grid_worker, risk_colour="orange")["id"]
    api_client.force_authenticate(personas.department)
    assert api_client.get(f"/api/v1/hazards/{hid}/").status_code == 404  # not theirs yet
    step(api_client, personas.street_admin, hid, "whistle", fmt="json", departments=[tree.fire.pk])
    api_client.force_authenticate(personas.department)
    assert api_client.get(f"/api/v1/hazards/{hid}/").status_code == 200
    answered = step(
        api_client, personas.department, hid, "whistle_report", fmt="json", answer="已到场处置"
    )
    call = answered["whistle_calls"][0]
    assert call["department_name"] == tree.fire.name
    assert call["arrived_at"] and call["answered_at"] and call["answer"] == "已到场处置"
    assert [e.action for e in HazardEvent.objects.filter(hazard_id=hid, kind="whistle")] == [
        "whistle",
        "whistle",
    ]
    # a department that was not called still sees nothing
    api_client.force_authenticate(personas.property_manager_b)
    assert api_client.get(f"/api/v1/hazards/{hid}/").status_code == 404
