"""Fan-out from hazard changes: the right people are told, once, and nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from anxin.hazards import actions as hazards
from anxin.hazards.tasks import hazard_changed
from anxin.notifications.choices import DeliveryStatus, Severity
from anxin.notifications.models import Delivery, GroupRobot, Notification
from anxin.outbox.models import OutboxMessage
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db


def told(kind=None, hazard=None):
    """{username: [kinds]} of the notifications so far."""
    qs = Notification.objects.order_by("id")
    if kind:
        qs = qs.filter(kind=kind)
    if hazard is not None:
        qs = qs.filter(hazard=hazard)
    result: dict[str, list[str]] = {}
    for n in qs.select_related("recipient"):
        result.setdefault(n.recipient.username, []).append(n.kind)
    return result


def new_since(before: int) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for n in Notification.objects.filter(pk__gt=before).order_by("id").select_related("recipient"):
        result.setdefault(n.recipient.username, []).append(n.kind)
    return result


def last_id() -> int:
    return Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_full_loop_notifies_the_right_people(
    personas, tree, media, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    p = personas
    # reported by a resident in grid A1a: its grid worker is told
    with run(execute=True):
        hazard = hazards.report_hazard(
            reporter=p.resident,
            category="0101",
            lat=30.015,
            lng=120.007,
            uploads=[(photo(), "found")],
        ).hazard
    assert told() == {"grid_worker": ["reported"]}
    n = Notification.objects.get()
    assert n.hazard_id == hazard.pk and n.severity == Severity.INFO
    # verified (yellow: one review) and dispatched to property A: its staff are told
    mark = last_id()
    with run(execute=True):
        hazards.transition(hazard.pk, p.grid_worker, "verify")
    hazard.refresh_from_db()
    assert hazard.responsible_organisation == tree.property_a
    # (the reporter hears of each move a resident can see: anxin.residents.receivers)
    assert new_since(mark) == {"property_manager": ["verify"], "resident": ["resident_progress"]}
    # accepted: nobody needs telling
    mark = last_id()
    with run(execute=True):
        hazards.transition(hazard.pk, p.property_manager, "accept")
    assert new_since(mark) == {}
    # rectified: the community's safety officer is asked to recheck
    with run(execute=True):
        hazards.transition(
            hazard.pk, p.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
        )
    assert new_since(mark) == {"safety_officer": ["rectify"], "resident": ["resident_progress"]}
    # recheck failed: back to the property company
    mark = last_id()
    with run(execute=True):
        hazards.transition(hazard.pk, p.safety_officer, "fail_recheck", reason="还有车辆")
    assert new_since(mark) == {
        "property_manager": ["fail_recheck"],
        "resident": ["resident_progress"],
    }
    body = Notification.objects.get(kind="fail_recheck").body
    assert "还有车辆" in body
    # rectified again: a second recheck request (a new event)
    mark = last_id()
    with run(execute=True):
        hazards.transition(hazard.pk, p.property_manager, "rectify")
    assert new_since(mark) == {"safety_officer": ["rectify"], "resident": ["resident_progress"]}
    # passed and publicised: the reporter hears about it
    mark = last_id()
    with run(execute=True):
        hazards.transition(hazard.pk, p.safety_officer, "pass_recheck")
        hazards.publicise(hazard.pk, p.safety_officer)
    assert new_since(mark) == {"resident": ["pass_recheck", "publicise"]}
    # nobody out of scope was ever told anything
    everyone = set(told())
    assert everyone == {"grid_worker", "property_manager", "safety_officer", "resident"}
    # running the hazard_changed tasks again creates nothing new
    count = Notification.objects.count()
    with run(execute=True):
        for message in OutboxMessage.objects.filter(task="anxin.hazards.tasks.hazard_changed"):
            hazard_changed(**message.kwargs)
    assert Notification.objects.count() == count


def test_red_hazard_alerts_street_district_and_robots(
    personas, tree, media, webhook_server, django_capture_on_commit_callbacks
):
    street_bot = GroupRobot.objects.create(
        name="北山街道群", area=tree.street_a, kind="wecom", webhook_url=webhook_server.url("/a")
    )
    GroupRobot.objects.create(
        name="西溪街道群", area=tree.street_b, kind="wecom", webhook_url=webhook_server.url("/b")
    )
    with django_capture_on_commit_callbacks(execute=True):
        hazard = hazards.report_hazard(
            reporter=personas.resident,
            category="0701",
            lat=30.015,
            lng=120.007,
            risk_colour="red",
            title="燃气泄漏",
        ).hazard
    assert told() == {
        "grid_worker": ["reported"],
        "street_admin": ["reported"],
        "district_admin": ["reported"],
    }
    assert set(Notification.objects.values_list("severity", flat=True)) == {Severity.URGENT}
    # the street's group robot got it, the other street's did not
    assert [r.path for r in webhook_server.received] == ["/a"]
    assert "燃气泄漏" in webhook_server.received[0].json()["markdown"]["content"]
    delivery = Delivery.objects.get(robot=street_bot)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.severity == Severity.URGENT
    assert set(Notification.objects.values_list("hazard_id", flat=True)) == {hazard.pk}


def test_resident_of_another_report_is_not_told(
    personas, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = hazards.report_hazard(
            reporter=personas.resident, category="0101", lat=30.015, lng=120.007
        ).hazard
        hazards.transition(hazard.pk, personas.grid_worker, "reject", reason="不属实")
    assert told(kind="reject") == {"resident": ["reject"]}
    assert "resident_b" not in told()


def test_orange_review_asks_the_safety_officer_then_dispatches(
    personas, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = hazards.report_hazard(
            reporter=personas.grid_worker,
            category="0101",
            lat=30.015,
            lng=120.007,
            risk_colour="orange",
        ).hazard
        hazards.transition(hazard.pk, personas.grid_worker, "verify")
    assert told(kind="verify") == {"safety_officer": ["verify"]}
    with django_capture_on_commit_callbacks(execute=True):
        hazards.transition(hazard.pk, personas.safety_officer, "verify")
    assert told(kind="verify") == {"safety_officer": ["verify"], "property_manager": ["verify"]}
    assert Notification.objects.get(recipient=personas.property_manager).severity == "warning"


def test_return_tells_the_safety_officer(personas, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = hazards.report_hazard(
            reporter=personas.grid_worker, category="0101", lat=30.015, lng=120.007
        ).hazard
        hazards.transition(hazard.pk, personas.grid_worker, "verify")
        hazards.transition(hazard.pk, personas.property_manager, "return", reason="不归我们管")
    assert told(kind="return") == {"safety_officer": ["return"]}


def test_overdue_and_escalation(personas, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = hazards.report_hazard(
            reporter=personas.grid_worker,
            category="0101",
            lat=30.015,
            lng=120.007,
            risk_colour="blue",
        ).hazard
        hazards.transition(hazard.pk, personas.grid_worker, "verify")
    hazard.refresh_from_db()
    assert hazard.deadline is not None
    mark = last_id()
    with (
        time_machine.travel(hazard.deadline + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        hazards.sweep_overdue()
        hazards.sweep_overdue()  # a second sweep changes nothing
    hazard.refresh_from_db()
    assert hazard.is_overdue and hazard.escalation_level >= 1
    got = new_since(mark)
    # overdue: the responsible organisation and the grid worker
    assert got["property_manager"] == ["overdue"]
    assert got["grid_worker"] == ["overdue"]
    # blue escalates to the community first
    assert got["community_admin"] == ["escalation"]
    assert set(got) <= {"property_manager", "grid_worker", "community_admin", "street_admin"}
    assert "street_admin_b" not in got and "property_manager_b" not in got


def test_deliveries_of_the_fan_out_go_out(personas, media, django_capture_on_commit_callbacks):
    personas.grid_worker.email = "grid@example.cn"
    personas.grid_worker.save()
    with django_capture_on_commit_callbacks(execute=True):
        hazards.report_hazard(reporter=personas.resident, category="0101", lat=30.015, lng=120.007)
    from django.core import mail

    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["grid@example.cn"]
