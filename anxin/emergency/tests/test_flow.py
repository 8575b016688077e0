"""From a CAP rainstorm warning to the review: the flood warning reaches the
residents near the low-lying yard, the flood plan is proposed, started at level
II, sandbags are issued, the response ends and its review is due in 24 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from anxin.emergency.actions import responses, supplies, weather
from anxin.emergency.choices import AlertStatus, Stage
from anxin.emergency.models import EmergencyResponse, ResponseReview, StockMovement
from anxin.emergency.samples import weather_cap
from anxin.notifications.models import Delivery, Notification
from anxin.warnings.models import RiskWarning

pytestmark = pytest.mark.django_db


def test_a_rainstorm_warning_runs_the_flood_plan_to_its_review(readiness, committed):
    people, tree = readiness.people, readiness.tree
    cap = weather_cap(
        identifier="hz-20260620-001", area_code=tree.district.code, area_name="西湖区"
    )

    result = committed(weather.import_cap, cap, user=people.district_admin)

    alert = result.alerts[0]
    assert alert.outcome == AlertStatus.FLOOD_WARNING
    warning = RiskWarning.objects.get(kind="flood_warning")
    assert warning.area == tree.district
    assert tree.building_a1a.pk in warning.details["building_ids"]
    notice = Notification.objects.get(recipient=people.resident, kind="safety_notice")
    assert "暴雨" in notice.title or "暴雨" in notice.body
    assert Delivery.objects.filter(notification=notice, channel="sms").exists()
    proposal = EmergencyResponse.objects.get(warning=warning)
    assert proposal.area == tree.street_a and proposal.stage == Stage.PROPOSED
    assert proposal.plan == readiness.flood_plan

    started = committed(responses.start_response, people.street_admin, proposal.pk, "II")
    assert started.stage == Stage.STARTED and started.level == "II"
    assert started.tasks.count() == 4

    committed(supplies.issue, people.street_admin, readiness.sandbags.pk, 20, proposal.pk)
    readiness.sandbags.refresh_from_db()
    assert readiness.sandbags.quantity == 80
    assert StockMovement.objects.filter(response=proposal, kind="issued", quantity=20).exists()

    for name in ("handle", "recover"):
        committed(responses.change_stage, people.street_admin, proposal.pk, name)
    before = timezone.now()
    ended = committed(responses.change_stage, people.street_admin, proposal.pk, "end", "积水退去")
    assert ended.stage == Stage.ENDED
    review = ResponseReview.objects.get(response=proposal)
    assert before + timedelta(hours=24) <= review.due_at <= timezone.now() + timedelta(hours=24)
    kinds = list(proposal.events.values_list("kind", flat=True))
    assert kinds[:2] == ["proposed", "started"]
    assert {"supply_issued", "ended", "review_opened", "notified"} <= set(kinds)
