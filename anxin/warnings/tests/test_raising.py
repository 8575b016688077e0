"""Warnings are raised once per cause, whatever re-runs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from anxin.areas.models import Place
from anxin.hazards import actions as hazard_actions
from anxin.hazards.models import Hazard
from anxin.hazards.signals import hazard_changed
from anxin.notifications.models import Notification
from anxin.warnings import actions, rules, tasks
from anxin.warnings.actions import ensure_default_rules
from anxin.warnings.models import (
    RiskWarning,
    SpecialGovernanceTask,
    WarningEvent,
    WarningHazard,
    WarningRule,
)

pytestmark = pytest.mark.django_db

# Five points around (30.015, 120.007), all within 100 m of each other.
AROUND = [
    (30.0150, 120.0070),
    (30.0152, 120.0071),
    (30.0149, 120.0073),
    (30.0153, 120.0068),
    (30.0147, 120.0069),
]


def snapshot() -> tuple[int, ...]:
    return (
        RiskWarning.objects.count(),
        WarningHazard.objects.count(),
        WarningEvent.objects.count(),
        SpecialGovernanceTask.objects.count(),
        Notification.objects.filter(kind__in=["warning", "safety_notice"]).count(),
    )


def test_five_same_class_hazards_raise_one_yellow_warning_and_one_task(tree, personas, report):
    # given the default rules of the district (5 of a class within 200 m in 30 days)
    ensure_default_rules(tree.district)
    # when five e-bike charging hazards are reported around one place, one by one
    hazards = [report("0103", lat, lng) for lat, lng in AROUND[:4]]
    assert not RiskWarning.objects.filter(kind="cluster").exists()
    hazards.append(report("0103", *AROUND[4]))

    # then one yellow warning links all five, and one special-governance task is open
    warning = RiskWarning.objects.get(kind="cluster")
    assert warning.level == "yellow"
    assert warning.area == tree.community_a1
    assert warning.category.code == "01"
    assert set(warning.hazards.values_list("pk", flat=True)) == {h.pk for h in hazards}
    task = SpecialGovernanceTask.objects.get()
    assert (task.warning, task.community, task.status) == (warning, tree.community_a1, "open")
    # the community admin and the safety officer are told once each
    told = Notification.objects.filter(kind="warning", key__startswith=f"warning:{warning.pk}:")
    assert set(told.values_list("recipient", flat=True)) == {
        personas.community_admin.pk,
        personas.safety_officer.pk,
    }
    assert list(warning.events.values_list("kind", flat=True)) == ["raised", "notified"]

    # when the sweep runs again and every signal is sent again, and the rules are re-run
    before = snapshot()
    rules.sweep()
    tasks.sweep.apply()
    for hazard in hazards:
        event_ids = list(hazard.events.values_list("pk", flat=True))
        hazard_changed.send(
            sender=Hazard, hazard_id=hazard.pk, kind="reported", event_ids=event_ids
        )
        rules.evaluate_hazard(hazard.pk, "reported")
        rules.evaluate_hazard(hazard.pk, "verify")
    actions.notify_warning(warning.pk)
    # then nothing changes
    assert snapshot() == before

    # when a sixth one is reported nearby, it joins the same warning
    sixth = report("0103", 30.0151, 120.0072)
    assert RiskWarning.objects.filter(kind="cluster").count() == 1
    assert warning.hazards.count() == 6
    assert warning.events.filter(kind="hazard_added", data__hazard_id=sixth.pk).count() == 1
    assert SpecialGovernanceTask.objects.count() == 1


def test_hazards_of_another_class_or_far_away_do_not_gather(tree, personas, report):
    ensure_default_rules(tree.district)
    for lat, lng in AROUND[:3]:
        report("0103", lat, lng)
    report("0701", *AROUND[3])  # gas, another class
    report("0103", 30.03, 120.018)  # 0103, but about 1.8 km away
    assert not RiskWarning.objects.filter(kind="cluster").exists()


def test_cluster_within_a_community(tree, personas, report):
    WarningRule.objects.create(
        area=tree.street_a, kind="cluster", min_count=2, window_days=7, cluster_within="community"
    )
    report("0401", 30.001, 120.001)
    report("0402", 30.039, 120.039)  # same main class 04, other end of the community
    warning = RiskWarning.objects.get(kind="cluster")
    assert warning.hazards.count() == 2
    assert warning.category.code == "04"


def test_a_major_hazard_raises_one_red_warning_for_street_and_district(tree, personas, report):
    ensure_default_rules(tree.district)
    hazard = report("0101", grade="major", address="1幢东侧")
    warning = RiskWarning.objects.get(kind="major_hazard")
    assert warning.level == "red"
    assert list(warning.hazards.all()) == [hazard]
    told = Notification.objects.filter(kind="warning", key__startswith=f"warning:{warning.pk}:")
    assert set(told.values_list("recipient", flat=True)) == {
        personas.street_admin.pk,
        personas.district_admin.pk,
    }
    assert set(told.values_list("severity", flat=True)) == {"urgent"}
    # verifying it (another change of the same hazard) raises nothing new
    before = snapshot()
    rules.evaluate_hazard(hazard.pk, "verify")
    assert snapshot() == before


def test_a_gas_leak_raises_a_gas_alarm_and_tells_residents_of_the_building(tree, personas, report):
    ensure_default_rules(tree.district)
    personas.resident.home_building = tree.building_a1a
    personas.resident.save(update_fields=["home_building"])
    personas.resident_b.home_building = tree.building_b1a
    personas.resident_b.save(update_fields=["home_building"])
    report("0703", 30.015, 120.0075)
    warning = RiskWarning.objects.get(level="red")
    assert warning.kind == "gas_alarm"  # not raised a second time as a major hazard
    notices = Notification.objects.filter(kind="safety_notice")
    assert list(notices.values_list("recipient", flat=True)) == [personas.resident.pk]
    assert notices.get().severity == "urgent"


def test_flood_warning_notifies_residents_near_low_lying_yards(tree, personas, committed):
    Place.objects.create(
        name="保俶低洼小区",
        kind="low_lying_yard",
        area=tree.grid_a1a,
        geometry={"type": "Point", "coordinates": [120.0075, 30.0152]},
    )
    personas.resident.home_building = tree.building_a1a  # about 20 m away
    personas.resident.save(update_fields=["home_building"])
    personas.resident_b.home_building = tree.building_b1a  # kilometres away
    personas.resident_b.save(update_fields=["home_building"])

    warning, created = committed(
        actions.raise_flood_warning, tree.district, personas.district_admin, "暴雨红色预警"
    )

    assert created and warning.level == "red" and warning.kind == "flood_warning"
    notices = Notification.objects.filter(kind="safety_notice")
    assert list(notices.values_list("recipient", flat=True)) == [personas.resident.pk]
    staff = Notification.objects.filter(kind="warning", key__startswith=f"warning:{warning.pk}:")
    assert set(staff.values_list("recipient", flat=True)) == {
        personas.street_admin.pk,  # the street of the low-lying yard
        personas.district_admin.pk,
    }
    assert warning.details["building_ids"] == [tree.building_a1a.pk]


def test_flood_warning_needs_a_message_and_the_right_role(tree, personas):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError) as exc:
        actions.raise_flood_warning(tree.district, personas.district_admin, "  ")
    assert "message" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.raise_flood_warning(tree.community_a1, personas.safety_officer, "暴雨")
    assert not RiskWarning.objects.exists()


def test_threshold_raises_on_the_third_red_pending_and_not_again(tree, personas, report):
    ensure_default_rules(tree.district)  # 3 red pending per street
    report("0107", 30.005, 120.002)
    report("0107", 30.035, 120.018)
    assert not RiskWarning.objects.filter(kind="threshold").exists()
    report("0304", 30.025, 120.035)
    warning = RiskWarning.objects.get(kind="threshold")
    assert (warning.level, warning.area) == ("red", tree.street_a)
    assert warning.hazards.count() == 3
    report("0803", 30.012, 120.03)
    assert RiskWarning.objects.filter(kind="threshold").count() == 1
    assert warning.hazards.count() == 4
    rules.sweep()
    assert RiskWarning.objects.filter(kind="threshold").count() == 1
    # a red hazard in street B does not count towards street A
    report("0107", 30.02, 120.06)
    assert warning.hazards.count() == 4


def test_a_street_rule_overrides_the_district_default(tree, personas, report):
    ensure_default_rules(tree.district)
    actions.create_rule(
        personas.street_admin,
        {"area": tree.street_a.code, "kind": "threshold", "threshold": 2, "count_per": "street"},
    )
    report("0107", 30.005, 120.002)
    report("0107", 30.035, 120.018)
    warning = RiskWarning.objects.get(kind="threshold")
    assert warning.rule.area == tree.street_a


def test_overdue_yellow_hazard_raises_orange_with_proposed_departments(
    tree, personas, report, committed
):
    ensure_default_rules(tree.district)
    hazard = report("0101")  # yellow, property
    committed(hazard_actions.transition, hazard.pk, personas.grid_worker, "verify")
    hazard.refresh_from_db()
    assert hazard.deadline is not None
    committed(hazard_actions.sweep_overdue, now=hazard.deadline + timedelta(days=3))
    warning = RiskWarning.objects.get(kind="overdue_yellow")
    assert warning.level == "orange"
    assert warning.proposed_departments == ["property"]
    told = Notification.objects.filter(kind="warning", key__startswith=f"warning:{warning.pk}:")
    assert list(told.values_list("recipient", flat=True)) == [personas.street_admin.pk]
    assert "whistle" in told.get().body.lower() or "吹哨" in told.get().body
    # the periodic sweep finds nothing new
    before = snapshot()
    rules.sweep()
    assert snapshot() == before


def test_cross_department_grid_raises_orange_once(tree, personas, report):
    WarningRule.objects.create(area=tree.street_a, kind="cross_department", min_count=2)
    report("0101", 30.005, 120.002)  # property
    report("0403", 30.035, 120.018)  # water
    result = rules.sweep()
    warning = RiskWarning.objects.get(kind="cross_department")
    assert result.warnings == [warning.pk]
    assert warning.area == tree.grid_a1a
    assert warning.proposed_departments == ["property", "water"]
    before = snapshot()
    rules.sweep()
    assert snapshot() == before


def test_blue_rule_makes_the_grid_worker_follow_the_hazard(tree, personas, report):
    WarningRule.objects.create(area=tree.community_a1, kind="single")
    hazard = report("0201", reporter=personas.resident)
    warning = RiskWarning.objects.get(kind="single")
    assert warning.level == "blue"
    assert personas.grid_worker in hazard.followers.all()
    told = Notification.objects.filter(kind="warning", key__startswith=f"warning:{warning.pk}:")
    assert list(told.values_list("recipient", flat=True)) == [personas.grid_worker.pk]


def test_two_workers_raising_the_same_cause_get_one_warning(tree, personas, report, monkeypatch):
    """The second worker did not see the first one's warning before inserting:
    the unique cause key makes it reuse that warning."""
    ensure_default_rules(tree.district)
    hazard = report("0101", grade="major")
    first = RiskWarning.objects.get(kind="major_hazard")
    real = actions._existing_for
    calls = {"n": 0}

    def blind_once(spec):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return None if calls["n"] == 1 else real(spec)

    monkeypatch.setattr(actions, "_existing_for", blind_once)
    again = rules.major_hazard(Hazard.objects.get(pk=hazard.pk))
    assert again == first
    assert RiskWarning.objects.filter(kind="major_hazard").count() == 1


def test_resolved_cluster_is_not_raised_again_by_the_same_hazards(tree, personas, report):
    ensure_default_rules(tree.district)
    hazards = [report("0103", lat, lng) for lat, lng in AROUND]
    warning = RiskWarning.objects.get(kind="cluster")
    actions.resolve(warning, personas.community_admin, "专项整治完成")
    assert SpecialGovernanceTask.objects.get().status == "done"
    for hazard in hazards:
        rules.evaluate_hazard(hazard.pk, "verify")
    report("0103", 30.0151, 120.0072)
    assert RiskWarning.objects.filter(kind="cluster").count() == 1
    assert timezone.now() >= warning.raised_at


def test_five_reports_committed_before_any_evaluation_raise_one_warning(
    tree, personas, django_capture_on_commit_callbacks
):
    """As when a worker falls behind: all five hazards exist when each one's
    evaluation runs."""
    ensure_default_rules(tree.district)
    with django_capture_on_commit_callbacks(execute=True):
        for lat, lng in AROUND:
            hazard_actions.report_hazard(
                reporter=personas.grid_worker, category="0103", lat=lat, lng=lng
            )
    warning = RiskWarning.objects.get(kind="cluster")
    assert warning.hazards.count() == 5
    assert warning.events.filter(kind="hazard_added").count() == 0
    assert SpecialGovernanceTask.objects.count() == 1
