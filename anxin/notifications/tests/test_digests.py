"""The daily digest and the reminders before deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from anxin.hazards import actions as hazards
from anxin.hazards.models import Hazard
from anxin.notifications import actions, digests
from anxin.notifications.models import Notification
from anxin.notifications.tasks import send_daily_digests, send_reminders

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def dispatched(personas, colour="yellow", lng=120.007):
    hazard = hazards.report_hazard(
        reporter=personas.grid_worker, category="0101", lat=30.015, lng=lng, risk_colour=colour
    ).hazard
    hazards.transition(hazard.pk, personas.grid_worker, "verify")
    hazard.refresh_from_db()
    assert hazard.status == "dispatched" and hazard.deadline is not None
    return hazard


def digests_of(user):
    return list(Notification.objects.filter(recipient=user, kind="digest"))


def test_daily_digest_for_grid_worker_and_community_admin(
    personas, tree, django_capture_on_commit_callbacks
):
    # given a hazard due today and one that went overdue yesterday
    morning = datetime(2026, 5, 12, 7, 30, tzinfo=SHANGHAI)
    with time_machine.travel(morning - timedelta(days=3), tick=False):
        overdue = dispatched(personas, colour="blue")  # 3 days to rectify
    with time_machine.travel(morning - timedelta(days=5), tick=False):
        due = dispatched(personas, colour="yellow", lng=120.008)
    Hazard.objects.filter(pk=due.pk).update(deadline=morning + timedelta(hours=3))  # 10:30
    Hazard.objects.filter(pk=overdue.pk).update(
        deadline=morning - timedelta(hours=20),
        is_overdue=True,
        overdue_since=morning - timedelta(hours=20),
    )
    personas.community_admin.email = "admin@example.cn"
    personas.community_admin.save()
    with time_machine.travel(morning, tick=False), django_capture_on_commit_callbacks(execute=True):
        sent = send_daily_digests()
        # a second run the same day sends nothing new
        assert send_daily_digests() == 0
    assert sent == 2
    for user in (personas.grid_worker, personas.community_admin):
        [digest] = digests_of(user)
        assert due.code in digest.body and overdue.code in digest.body
        assert "2026-05-12" in digest.title
        assert digest.key == f"digest:2026-05-12:{user.pk}"
    # the other grid's worker and other roles get none
    assert digests_of(personas.grid_worker_b) == []
    assert digests_of(personas.safety_officer) == []
    # e-mail too, when the user has it
    assert [m.to for m in mail.outbox] == [["admin@example.cn"]]


def test_no_digest_when_nothing_is_due_or_switched_off(personas, tree):
    morning = datetime(2026, 5, 12, 7, 30, tzinfo=SHANGHAI)
    with time_machine.travel(morning - timedelta(days=5), tick=False):
        hazard = dispatched(personas)
    Hazard.objects.filter(pk=hazard.pk).update(deadline=morning + timedelta(hours=3))
    actions.save_preference(personas.grid_worker, digest_enabled=False)
    with time_machine.travel(morning, tick=False):
        assert send_daily_digests() == 1  # only the community admin
    assert digests_of(personas.grid_worker) == []
    with time_machine.travel(morning + timedelta(days=30), tick=False):
        assert digests.send_daily_digests() == 0  # nothing due that day


def test_reminder_24h_before_rectification_deadline(personas, tree):
    start = datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        hazard = dispatched(personas, colour="blue")
    assert hazard.deadline is not None
    with time_machine.travel(hazard.deadline - timedelta(hours=25), tick=False):
        assert send_reminders() == 0
    with time_machine.travel(hazard.deadline - timedelta(hours=23), tick=False):
        assert send_reminders() == 1
    with time_machine.travel(hazard.deadline - timedelta(hours=22), tick=False):
        assert send_reminders() == 0  # once per deadline
    [reminder] = Notification.objects.filter(kind="remind_rectify")
    assert reminder.recipient == personas.property_manager
    assert reminder.key == f"remind:rectify:{hazard.pk}:{hazard.deadline.isoformat()}"
    # an extension moves the deadline: a new reminder for the new one
    Hazard.objects.filter(pk=hazard.pk).update(deadline=hazard.deadline + timedelta(days=2))
    with time_machine.travel(hazard.deadline + timedelta(days=2) - timedelta(hours=1), tick=False):
        assert send_reminders() == 1


def test_reminder_2h_before_recheck_deadline(personas, tree, settings, tmp_path):
    from anxin.testing.media import photo

    settings.MEDIA_ROOT = tmp_path
    hazard = dispatched(personas)
    hazards.transition(hazard.pk, personas.property_manager, "accept")
    hazards.transition(
        hazard.pk, personas.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
    )
    hazard.refresh_from_db()
    assert hazard.recheck_deadline is not None
    with time_machine.travel(hazard.recheck_deadline - timedelta(hours=3), tick=False):
        assert send_reminders() == 0
    with time_machine.travel(hazard.recheck_deadline - timedelta(minutes=90), tick=False):
        assert send_reminders() == 1
    [reminder] = Notification.objects.filter(kind="remind_recheck")
    assert reminder.recipient == personas.safety_officer
