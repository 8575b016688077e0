"""The after-action review (复盘): due 24 hours after the response ends; the sweep
reminds before it is due and escalates it to the district when it is late;
someone outside the area cannot submit it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from anxin.emergency import tasks
from anxin.emergency.actions import responses
from anxin.emergency.models import ResponseReview
from anxin.notifications.models import Notification

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime(2026, 6, 20, 9, 0))


@pytest.fixture
def ended(readiness, committed) -> ResponseReview:
    people = readiness.people
    with time_machine.travel(START, tick=False):
        row = committed(
            responses.start_plan, people.street_admin, readiness.flood_plan.pk, None, "II"
        )
        committed(responses.change_stage, people.street_admin, row.pk, "end", "积水已退")
    return ResponseReview.objects.get(response=row)


def _sweep_at(moment, committed):
    with time_machine.travel(moment, tick=False):
        return committed(tasks.sweep)


def test_the_sweep_reminds_before_the_review_is_due_and_escalates_when_late(
    readiness, ended, committed
):
    people = readiness.people
    assert ended.due_at == START + timedelta(hours=24)
    reminders = Notification.objects.filter(kind="review_due", severity="info").exclude(
        key__startswith="review-opened"
    )
    late = Notification.objects.filter(kind="review_due", severity="urgent")

    assert _sweep_at(START + timedelta(hours=19), committed)["reminded"] == 0
    assert _sweep_at(START + timedelta(hours=21), committed)["reminded"] == 1
    assert reminders.filter(recipient=people.street_admin).exists()
    assert not late.exists()
    assert _sweep_at(START + timedelta(hours=23), committed) == {
        "reminded": 0,
        "escalated": 0,
        "expiring": 0,
        "flood_warnings": 0,
    }

    result = _sweep_at(START + timedelta(hours=25), committed)
    assert result["escalated"] == 1
    assert late.filter(recipient=people.district_admin).exists()
    assert late.filter(recipient=people.street_admin).exists()
    assert _sweep_at(START + timedelta(hours=30), committed)["escalated"] == 0  # once
    ended.refresh_from_db()
    assert ended.reminded_at == START + timedelta(hours=21)
    assert ended.escalated_at == START + timedelta(hours=25)
    kinds = list(ended.response.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["review_reminded", "review_escalated"]


def test_a_review_submitted_in_time_is_neither_reminded_nor_escalated(
    readiness, ended, api_client, committed
):
    api_client.force_authenticate(readiness.people.street_admin)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        answer = api_client.post(
            f"/api/v1/response-reviews/{ended.pk}/submit/",
            {"summary": "积水两小时退去", "to_improve": "沙袋应提前一天就位"},
            format="json",
        )
    assert answer.status_code == 200 and answer.json()["status"] == "submitted"
    assert _sweep_at(START + timedelta(hours=30), committed) == {
        "reminded": 0,
        "escalated": 0,
        "expiring": 0,
        "flood_warnings": 0,
    }


def test_a_review_from_outside_the_area_changes_nothing(readiness, ended, api_client):
    people = readiness.people
    url = f"/api/v1/response-reviews/{ended.pk}/submit/"
    api_client.force_authenticate(people.street_admin_b)  # the other street
    assert api_client.post(url, {"summary": "x"}, format="json").status_code == 404
    api_client.force_authenticate(people.grid_worker)  # in the area, but may not review
    assert api_client.post(url, {"summary": "x"}, format="json").status_code == 403
    api_client.force_authenticate(people.street_admin)
    assert api_client.post(url, {"summary": ""}, format="json").status_code == 400
    ended.refresh_from_db()
    assert ended.status == "open" and ended.summary == ""
    assert not ended.response.events.filter(kind="review_submitted").exists()
    assert api_client.post(url, {"summary": "已复盘"}, format="json").status_code == 200
    assert api_client.post(url, {"summary": "再次"}, format="json").status_code == 409
