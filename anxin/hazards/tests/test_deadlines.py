"""Time limits of DESIGN §5: defaults per colour, locality overrides, working days.

Every test travels to a fixed moment in Asia/Shanghai so that the weekday and
the holidays are known.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anxin.hazards import actions, deadlines
from anxin.hazards.choices import Grade, Status, TimeLimitStep
from anxin.hazards.models import Hazard, Holiday, TimeLimit
from anxin.taxonomy.models import Category
from anxin.testing import reports
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 3, 3, 10, 0, tzinfo=TZ)
FRIDAY = datetime(2026, 3, 6, 16, 0, tzinfo=TZ)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def property_category(colour: str) -> Category:
    """A subclass rectified by the property company whose deadline follows the colour."""
    subclasses = Category.objects.filter(
        parent__isnull=False,
        is_active=True,
        responsible_kind="property",
        deadline_days__isnull=True,
    ).order_by("code")
    category = subclasses.filter(risk_colour=colour).first() or subclasses.first()
    assert category is not None, "the default taxonomy has property subclasses"
    return category


def report(personas, colour: str, when: datetime, **kwargs) -> Hazard:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        return reports.report(
            personas.grid_worker,
            category=property_category(colour).code,
            risk_colour=colour,
            **kwargs,
        )


def verify(personas, hazard: Hazard, when: datetime) -> Hazard:  # type: ignore[no-untyped-def]
    """First review by the grid worker; orange/red also the safety officer's;
    major hazards also the street office's final review."""
    reviewers = [personas.grid_worker]
    if hazard.risk_colour in ("orange", "red") or hazard.is_major:
        reviewers.append(personas.safety_officer)
    if hazard.is_major:
        reviewers.append(personas.street_admin)
    with time_machine.travel(when, tick=False):
        for reviewer in reviewers:
            actions.transition(hazard.pk, reviewer, "verify")
    return Hazard.objects.get(pk=hazard.pk)


def dispatched(personas, colour: str, when: datetime = TUESDAY, **kwargs) -> Hazard:  # type: ignore[no-untyped-def]
    return verify(personas, report(personas, colour, when, **kwargs), when)


def rectified(personas, hazard: Hazard, when: datetime) -> Hazard:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        actions.transition(hazard.pk, personas.property_manager, "accept")
        actions.transition(
            hazard.pk,
            personas.property_manager,
            "rectify",
            uploads=[(photo(), "rectify_after")],
        )
    return Hazard.objects.get(pk=hazard.pk)


# --- defaults per colour ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("colour", "rectify_days", "verify_hours", "interim_hours"),
    [
        ("blue", 3, 24, None),
        ("yellow", 7, 24, None),
        ("orange", 15, 24, 24),
        ("red", 30, 2, 2),
    ],
)
def test_default_time_limits_per_colour(
    personas, tree, colour, rectify_days, verify_hours, interim_hours
):  # type: ignore[no-untyped-def]
    # given a report at a known moment
    hazard = report(personas, colour, TUESDAY)
    assert hazard.reported_at == TUESDAY
    assert hazard.verify_deadline == TUESDAY + timedelta(hours=verify_hours)

    # when it is verified two hours later (and dispatched automatically)
    verified_at = TUESDAY + timedelta(hours=2)
    hazard = verify(personas, hazard, verified_at)

    # then it went to the property company with the colour's limits
    assert hazard.status == Status.DISPATCHED
    assert hazard.responsible_organisation == tree.property_a
    assert hazard.verified_at == verified_at
    assert hazard.dispatched_at == verified_at
    assert hazard.deadline == verified_at + timedelta(days=rectify_days)
    if interim_hours is None:
        assert hazard.interim_deadline is None
    else:
        assert hazard.interim_deadline == verified_at + timedelta(hours=interim_hours)
    assert hazard.is_overdue is False
    assert hazard.escalation_level == 0


def test_subclass_deadline_days_replace_the_colour_limit(personas):  # type: ignore[no-untyped-def]
    # 0101 fire lane blocked: the taxonomy says one day, whatever the colour
    fire_lane = Category.objects.get(code="0101")
    assert fire_lane.deadline_days == 1
    with time_machine.travel(TUESDAY, tick=False):
        hazard = actions.report_hazard(
            reporter=personas.grid_worker, category="0101", lat=30.015, lng=120.007
        ).hazard
        hazard = actions.transition(hazard.pk, personas.grid_worker, "verify")
    assert hazard.deadline == TUESDAY + timedelta(days=1)


def test_major_red_hazard_takes_the_six_item_plan_time_limit(personas):  # type: ignore[no-untyped-def]
    # given a major red hazard dispatched with the default limit
    hazard = dispatched(personas, "red", grade=Grade.MAJOR)
    assert hazard.status == Status.DISPATCHED
    assert hazard.deadline == TUESDAY + timedelta(days=30)

    # when the property company sets the six-item plan with its own time limit
    plan = {
        "targets": "拆除违规隔断",
        "method": "分两期施工",
        "funds_and_materials": "物业专项维修资金",
        "people": "物业工程部 5 人",
        "time_limit": "2026-04-20",
        "safety_measures": "施工期间设置警戒区，预案见附件",
    }
    with time_machine.travel(TUESDAY + timedelta(days=1), tick=False):
        actions.set_six_item_plan(hazard.pk, personas.property_manager, plan)

    # then the plan's time limit (18:00 local on that day) is the deadline
    hazard.refresh_from_db()
    assert hazard.deadline == at(2026, 4, 20, 18)
    assert hazard.six_item_plan["time_limit"] == "2026-04-20"


def test_six_item_plan_time_limit_in_the_past_is_refused(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas, "red", grade=Grade.MAJOR)
    plan = dict.fromkeys(
        ("targets", "method", "funds_and_materials", "people", "safety_measures"), "x"
    )
    plan["time_limit"] = "2026-03-01"
    with (
        time_machine.travel(TUESDAY, tick=False),
        pytest.raises(actions.HazardValidationError) as error,
    ):
        actions.set_six_item_plan(hazard.pk, personas.property_manager, plan)
    assert "six_item_plan.time_limit" in error.value.message_dict
    hazard.refresh_from_db()
    assert hazard.six_item_plan == {}
    assert hazard.deadline == TUESDAY + timedelta(days=30)


# --- recheck: one working day ----------------------------------------------------------------
def test_rectified_on_friday_is_rechecked_by_monday(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    hazard = dispatched(personas, "yellow")
    hazard = rectified(personas, hazard, FRIDAY)
    assert hazard.status == Status.AWAITING_RECHECK
    assert hazard.rectified_at == FRIDAY
    assert hazard.recheck_deadline == at(2026, 3, 9, 16)  # Monday, same time


def test_recheck_skips_a_holiday_monday(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    Holiday.objects.create(date=date(2026, 3, 9), name="调休假")
    hazard = rectified(personas, dispatched(personas, "blue"), FRIDAY)
    assert hazard.recheck_deadline == at(2026, 3, 10, 16)  # Tuesday


def test_recheck_counts_a_make_up_saturday(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    Holiday.objects.create(date=date(2026, 3, 7), name="补班", is_workday=True)
    hazard = rectified(personas, dispatched(personas, "orange"), FRIDAY)
    assert hazard.recheck_deadline == at(2026, 3, 7, 16)  # the make-up Saturday


def test_red_recheck_is_on_site_acceptance_within_ten_days(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    hazard = rectified(personas, dispatched(personas, "red"), FRIDAY)
    assert hazard.recheck_deadline == FRIDAY + timedelta(days=10)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2026, 3, 3, 10), 1, at(2026, 3, 4, 10)),  # Tuesday → Wednesday
        (at(2026, 3, 6, 16), 1, at(2026, 3, 9, 16)),  # Friday → Monday
        (at(2026, 3, 7, 9), 1, at(2026, 3, 9, 9)),  # Saturday → Monday
        (at(2026, 3, 6, 16), 3, at(2026, 3, 11, 16)),  # Friday + 3 → Wednesday
        (at(2026, 9, 30, 16), 1, at(2026, 10, 8, 16)),  # over the National Day week
        (at(2026, 10, 9, 16), 1, at(2026, 10, 10, 16)),  # make-up Saturday after it
        (at(2026, 9, 25, 16), 1, at(2026, 9, 27, 16)),  # make-up Sunday before it
    ],
)
def test_add_working_days(start, days, expected):  # type: ignore[no-untyped-def]
    for day in range(1, 8):
        Holiday.objects.create(date=date(2026, 10, day), name="国庆节")
    Holiday.objects.create(date=date(2026, 9, 27), name="国庆节调休", is_workday=True)
    Holiday.objects.create(date=date(2026, 10, 10), name="国庆节调休", is_workday=True)
    assert deadlines.add_working_days(start, days) == expected


def test_working_days_are_counted_in_local_time():  # type: ignore[no-untyped-def]
    # Friday 23:30 in Shanghai is still Friday 15:30 UTC; Saturday in UTC would be wrong
    late_friday = at(2026, 3, 6, 23, 30)
    result = deadlines.add_working_days(late_friday.astimezone(ZoneInfo("UTC")), 1)
    assert result == at(2026, 3, 9, 23, 30)


# --- per-locality overrides ----------------------------------------------------------------
def test_community_time_limit_overrides_the_default(personas, tree):  # type: ignore[no-untyped-def]
    TimeLimit.objects.create(
        area=tree.community_a1, step=TimeLimitStep.RECTIFY, colour="blue", days=5
    )
    hazard = dispatched(personas, "blue")
    assert hazard.deadline == TUESDAY + timedelta(days=5)
    # other colours keep their default
    assert dispatched(personas, "yellow").deadline == TUESDAY + timedelta(days=7)


def test_nearest_locality_wins(personas, tree):  # type: ignore[no-untyped-def]
    TimeLimit.objects.create(area=tree.district, step=TimeLimitStep.RECTIFY, colour="blue", days=20)
    TimeLimit.objects.create(area=tree.street_a, step=TimeLimitStep.RECTIFY, colour="blue", days=10)
    assert dispatched(personas, "blue").deadline == TUESDAY + timedelta(days=10)

    TimeLimit.objects.create(
        area=tree.community_a1, step=TimeLimitStep.RECTIFY, colour="blue", days=4
    )
    assert dispatched(personas, "blue").deadline == TUESDAY + timedelta(days=4)

    # a community of the other street only sees the district's limit
    assert deadlines.limit_for(TimeLimitStep.RECTIFY, "blue", tree.community_b1) == deadlines.Limit(
        days=20
    )


def test_street_time_limit_for_verification_and_working_days(personas, tree):  # type: ignore[no-untyped-def]
    TimeLimit.objects.create(
        area=tree.street_a, step=TimeLimitStep.VERIFY, colour="yellow", hours=12
    )
    TimeLimit.objects.create(
        area=tree.community_a1,
        step=TimeLimitStep.RECTIFY,
        colour="yellow",
        days=2,
        working_days=True,
    )
    hazard = report(personas, "yellow", FRIDAY)
    assert hazard.verify_deadline == FRIDAY + timedelta(hours=12)
    hazard = verify(personas, hazard, FRIDAY)
    assert hazard.deadline == at(2026, 3, 10, 16)  # Friday + 2 working days = Tuesday


def test_limit_without_an_area_is_the_default():  # type: ignore[no-untyped-def]
    assert deadlines.limit_for(TimeLimitStep.RECTIFY, "orange", None) == deadlines.Limit(days=15)
    assert deadlines.limit_for(TimeLimitStep.INTERIM, "blue", None) is None
    assert deadlines.due(TimeLimitStep.INTERIM, "yellow", None, TUESDAY) is None


# --- escalation levels -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("colour", "days_late", "level"),
    [
        ("blue", 0, 0),
        ("blue", 0.01, 1),
        ("blue", 3.01, 2),
        ("blue", 6.01, 3),
        ("blue", 60, 3),
        ("yellow", 0.01, 2),
        ("yellow", 7.01, 3),
        ("orange", 0.01, 3),
        ("red", 0.01, 3),
    ],
)
def test_escalation_level_due(colour, days_late, level):  # type: ignore[no-untyped-def]
    limit = deadlines.DEFAULT_LIMITS[(TimeLimitStep.RECTIFY, colour)]
    assert limit is not None
    now = TUESDAY + timedelta(days=days_late)
    assert deadlines.escalation_level_due(colour, TUESDAY, limit, now) == level
