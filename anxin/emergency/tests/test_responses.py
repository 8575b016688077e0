"""Responses: proposed once per warning and street, started once at a level the
starter's role allows, moved through the stages in order, tasks checked off by
the people they belong to, notices to listed staff and affected residents."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from anxin.core.errors import Conflict
from anxin.emergency.actions import responses
from anxin.emergency.choices import Stage
from anxin.emergency.models import EmergencyResponse, ResponseTask
from anxin.notifications.models import Notification
from anxin.warnings.actions import raise_flood_warning

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(readiness, committed) -> EmergencyResponse:
    people = readiness.people
    warning, _created = committed(
        raise_flood_warning, readiness.tree.street_a.code, people.street_admin, "暴雨预警"
    )
    return EmergencyResponse.objects.get(warning=warning)


def test_a_warning_proposes_its_plan_once(readiness, proposal, committed):
    assert proposal.stage == Stage.PROPOSED
    assert proposal.suggested_level == "II"  # a red warning
    assert proposal.building_ids == [readiness.tree.building_a1a.pk]
    assert committed(responses.propose_for_warning, proposal.warning_id) == []
    assert EmergencyResponse.objects.count() == 1
    told = Notification.objects.filter(kind="response_proposed")
    assert set(told.values_list("recipient__username", flat=True)) == {
        "street_admin",
        "district_admin",
    }


def test_a_response_started_twice_is_refused_and_nothing_changes(readiness, proposal, api_client):
    people = readiness.people
    api_client.force_authenticate(people.street_admin)
    first = api_client.post(
        f"/api/v1/emergency-responses/{proposal.pk}/start/", {"level": "II"}, format="json"
    )
    assert first.status_code == 200 and first.json()["stage"] == "started"
    tasks = ResponseTask.objects.filter(response=proposal).count()
    events = proposal.events.count()
    api_client.force_authenticate(people.district_admin)
    second = api_client.post(
        f"/api/v1/emergency-responses/{proposal.pk}/start/", {"level": "I"}, format="json"
    )
    assert second.status_code == 409
    assert "street_admin" in second.json()["detail"]
    proposal.refresh_from_db()
    assert proposal.level == "II"
    assert ResponseTask.objects.filter(response=proposal).count() == tasks
    assert proposal.events.count() == events
    # starting the plan by hand while it runs is refused the same way
    with pytest.raises(Conflict):
        responses.start_plan(people.street_admin, readiness.flood_plan.pk, None, "III")


def test_the_level_decides_who_may_start(readiness, proposal):
    people = readiness.people
    with pytest.raises(PermissionDenied):
        responses.start_response(people.street_admin, proposal.pk, "I")  # level I: the district
    with pytest.raises(ValidationError):
        responses.start_response(people.street_admin, proposal.pk, "IV")
    proposal.refresh_from_db()
    assert proposal.stage == Stage.PROPOSED
    started = responses.start_response(people.district_admin, proposal.pk, "I")
    assert started.level == "I"
    with pytest.raises(PermissionDenied):  # a level I response is commanded by the district
        responses.change_stage(people.street_admin, proposal.pk, "handle")


def test_stages_follow_the_declared_order(readiness, proposal, committed):
    people = readiness.people
    with pytest.raises(Conflict):
        responses.change_stage(people.street_admin, proposal.pk, "recover")
    committed(responses.start_response, people.street_admin, proposal.pk, "II")
    with pytest.raises(Conflict):
        responses.change_stage(people.street_admin, proposal.pk, "recover")
    with pytest.raises(ValidationError):
        responses.change_stage(people.street_admin, proposal.pk, "end")  # a note is required
    committed(responses.change_stage, people.street_admin, proposal.pk, "handle")
    committed(responses.change_stage, people.street_admin, proposal.pk, "recover")
    committed(responses.change_stage, people.street_admin, proposal.pk, "end", "结束")
    stages = list(proposal.events.exclude(to_stage="").values_list("from_stage", "to_stage"))
    assert stages == [
        ("", "proposed"),
        ("proposed", "started"),
        ("started", "handling"),
        ("handling", "recovery"),
        ("recovery", "ended"),
    ]


def test_starting_tells_listed_staff_and_affected_residents(readiness, proposal, committed):
    people = readiness.people
    committed(responses.start_response, people.street_admin, proposal.pk, "II")
    started = Notification.objects.filter(kind="response_started")
    assert {"community_admin", "grid_worker"} <= set(
        started.values_list("recipient__username", flat=True)
    )
    assert Notification.objects.filter(
        recipient=people.resident, kind="safety_notice", key__startswith="response-started"
    ).exists()
    assert not Notification.objects.filter(
        recipient=people.resident_b, kind="safety_notice"
    ).exists()


def test_tasks_are_checked_off_by_the_people_they_belong_to(
    readiness, proposal, committed, api_client
):
    people = readiness.people
    committed(responses.start_response, people.street_admin, proposal.pk, "II")
    task = ResponseTask.objects.get(response=proposal, role="grid_worker")
    api_client.force_authenticate(people.grid_worker)
    mine = api_client.get("/api/v1/response-tasks/mine/").json()
    assert [t["id"] for t in mine] == [task.pk]
    api_client.force_authenticate(people.property_manager)
    assert api_client.post(f"/api/v1/response-tasks/{task.pk}/done/", {}).status_code == 404
    api_client.force_authenticate(people.grid_worker)
    done = api_client.post(
        f"/api/v1/response-tasks/{task.pk}/done/", {"note": "已通知"}, format="json"
    )
    assert done.status_code == 200 and done.json()["done_by"] == "grid_worker"
    again = api_client.post(f"/api/v1/response-tasks/{task.pk}/done/", {}, format="json")
    assert again.status_code == 409
    assert proposal.events.filter(kind="task_done").count() == 1
