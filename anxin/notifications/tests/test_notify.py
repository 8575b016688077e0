"""notify(): exactly-once, channels by preference, quiet hours, robots, buildings."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anxin.notifications import actions
from anxin.notifications.channels import sms
from anxin.notifications.choices import Channel, DeliveryStatus
from anxin.notifications.models import Delivery, GroupRobot, Notification
from anxin.notifications.tasks import retry_due
from anxin.outbox.models import OutboxMessage
from anxin.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_same_key_twice_creates_one_notification_and_one_delivery(
    django_capture_on_commit_callbacks,
):
    user = UserFactory.create(email="a@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.notify([user], kind="k", title="T", body="B", key="once")
        second = actions.notify([user, user], kind="k", title="T", body="B", key="once")
    assert len(first) == 1 and second == []
    assert Notification.objects.filter(recipient=user).count() == 1
    assert Delivery.objects.count() == 1
    assert OutboxMessage.objects.filter(task="anxin.notifications.tasks.deliver").count() == 1


def test_channels_follow_preferences(django_capture_on_commit_callbacks):
    # given one user with e-mail and SMS on, one with e-mail off, one without address
    both = UserFactory.create(email="both@example.cn", mobile="13900000001")
    actions.save_preference(both, email_enabled=True, sms_enabled=True)
    inbox_only = UserFactory.create(email="x@example.cn")
    actions.save_preference(inbox_only, email_enabled=False)
    no_address = UserFactory.create(email="")
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify([both, inbox_only, no_address], kind="k", title="T", body="B", key="c")
    # then everyone has it in the inbox and external channels follow preferences
    assert Notification.objects.count() == 3
    assert sorted(Delivery.objects.values_list("channel", "target")) == [
        (Channel.EMAIL, "both@example.cn"),
        (Channel.SMS, "13900000001"),
    ]


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError):
        actions.notify([], kind="k", title="T", body="B", key="x", severity="loud")


@pytest.mark.parametrize(
    ("now", "start", "end", "expected"),
    [
        ("23:00", "22:00", "07:00", "next 07:00"),
        ("06:00", "22:00", "07:00", "same 07:00"),
        ("12:00", "22:00", "07:00", None),
        ("13:00", "12:00", "14:00", "same 14:00"),
        ("15:00", "12:00", "14:00", None),
        ("12:00", "12:00", "12:00", None),
    ],
)
def test_quiet_hours_end(now, start, end, expected):
    day = datetime(2026, 3, 10, tzinfo=SHANGHAI)
    at = day.replace(hour=int(now[:2]))
    result = actions.quiet_hours_end(at, time.fromisoformat(start), time.fromisoformat(end))
    if expected is None:
        assert result is None
    else:
        which, hhmm = expected.split()
        base = day + timedelta(days=1 if which == "next" else 0)
        assert result == base.replace(hour=int(hhmm[:2]))


def test_quiet_hours_hold_non_urgent_deliveries(django_capture_on_commit_callbacks):
    user = UserFactory.create(mobile="13900000002")
    actions.save_preference(
        user, sms_enabled=True, quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 0)
    )
    night = datetime(2026, 3, 10, 23, 30, tzinfo=SHANGHAI)
    morning = datetime(2026, 3, 11, 7, 0, tzinfo=SHANGHAI)
    with (
        time_machine.travel(night, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        actions.notify([user], kind="k", title="普通", body="B", key="quiet-info")
        actions.notify(
            [user], kind="k", title="红色预警", body="B", key="quiet-red", severity="urgent"
        )
    # the urgent one went out at once, the other is held until 07:00
    assert [m["text"] for m in sms.outbox] == ["红色预警: B"]
    held = Delivery.objects.get(notification__key="quiet-info")
    assert held.status == DeliveryStatus.PENDING and held.attempts == 0
    assert held.not_before == morning and held.next_attempt_at == morning
    # both are in the inbox right away
    assert Notification.objects.filter(recipient=user).count() == 2
    with (
        time_machine.travel(morning - timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert retry_due() == 0
    with (
        time_machine.travel(morning + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert retry_due() == 1
    held.refresh_from_db()
    assert held.status == DeliveryStatus.SENT
    assert [m["text"] for m in sms.outbox] == ["红色预警: B", "普通: B"]


def test_group_robots_of_the_area_and_its_ancestors(tree, django_capture_on_commit_callbacks):
    district_bot = GroupRobot.objects.create(
        name="区", area=tree.district, kind="wecom", webhook_url="http://127.0.0.1:9/a"
    )
    street_bot = GroupRobot.objects.create(
        name="街道", area=tree.street_a, kind="dingtalk", webhook_url="http://127.0.0.1:9/b"
    )
    GroupRobot.objects.create(  # another street: not told
        name="西溪", area=tree.street_b, kind="wecom", webhook_url="http://127.0.0.1:9/c"
    )
    GroupRobot.objects.create(  # inactive: not told
        name="停用",
        area=tree.street_a,
        kind="wecom",
        webhook_url="http://127.0.0.1:9/d",
        is_active=False,
    )
    deliveries = actions.notify_area_robots(tree.grid_a1a, title="T", body="B", key="r1")
    assert {d.robot_id for d in deliveries} == {district_bot.pk, street_bot.pk}
    # the same key again posts nothing new
    assert actions.notify_area_robots(tree.grid_a1a, title="T", body="B", key="r1") == []


def test_broadcast_to_buildings(tree):
    inside = UserFactory.create(home_building=tree.building_a1a)
    also_inside = UserFactory.create(home_building=tree.building_a1b)
    UserFactory.create(home_building=tree.building_b1a)
    UserFactory.create()
    created = actions.broadcast_to_buildings(
        [tree.building_a1a.pk, tree.building_a1b.pk],
        kind="safety_notice",
        title="燃气泄漏，请勿使用明火",
        body="B",
        severity="urgent",
        key="broadcast-1",
    )
    assert {n.recipient_id for n in created} == {inside.pk, also_inside.pk}
