"""Overdue marking and escalation (DESIGN §5, "when overdue"), travelling in time.

Blue escalates to the community (1), yellow to the street (2), orange and red to
the district (3); each further rectification limit that passes adds a level.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from anxin.hazards import actions, deadlines, tasks
from anxin.hazards.choices import EventKind, Status
from anxin.hazards.models import Hazard, HazardEvent
from anxin.taxonomy.actions import load_categories
from anxin.taxonomy.models import Category
from anxin.testing.media import photo

TZ = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 3, 3, 10, 0, tzinfo=TZ)
MINUTE = timedelta(minutes=1)
RECTIFY_DAYS = {"blue": 3, "yellow": 7, "orange": 15, "red": 30}


def property_category(colour: str) -> Category:
    subclasses = Category.objects.filter(
        parent__isnull=False,
        is_active=True,
        responsible_kind="property",
        deadline_days__isnull=True,
    ).order_by("code")
    category = subclasses.filter(risk_colour=colour).first() or subclasses.first()
    assert category is not None, "the default taxonomy has property subclasses"
    return category


def dispatched(personas, colour: str, when: datetime = TUESDAY) -> Hazard:  # type: ignore[no-untyped-def]
    """Reported, verified and automatically dispatched to the property company."""
    with time_machine.travel(when, tick=False):
        hazard = actions.report_hazard(
            reporter=personas.grid_worker,
            category=property_category(colour).code,
            lat=30.015,
            lng=120.007,
            risk_colour=colour,
        ).hazard
        actions.transition(hazard.pk, personas.grid_worker, "verify")
        if colour in ("orange", "red"):
            actions.transition(hazard.pk, personas.safety_officer, "verify")
    hazard.refresh_from_db()
    assert hazard.status == Status.DISPATCHED
    assert hazard.deadline == when + timedelta(days=RECTIFY_DAYS[colour])
    return hazard


def events(hazard: Hazard, kind: str) -> list[HazardEvent]:
    return list(HazardEvent.objects.filter(hazard=hazard, kind=kind))


def sweep_at(moment: datetime) -> actions.SweepResult:
    with time_machine.travel(moment, tick=False):
        return actions.sweep_overdue()


# --- marking and escalating ------------------------------------------------------------
@pytest.mark.django_db
def test_blue_hazard_is_marked_overdue_then_escalated_one_level_per_period(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas, "blue")
    deadline = hazard.deadline
    assert deadline is not None

    # at the deadline itself it is not overdue yet
    result = sweep_at(deadline)
    hazard.refresh_from_db()
    assert (result.marked_overdue, result.escalations) == (0, 0)
    assert hazard.is_overdue is False
    assert events(hazard, EventKind.OVERDUE) == []

    # a minute later: overdue, and escalated to the community
    first = deadline + MINUTE
    result = sweep_at(first)
    hazard.refresh_from_db()
    assert (result.marked_overdue, result.escalations) == (1, 1)
    assert hazard.is_overdue is True
    assert hazard.overdue_since == deadline
    assert hazard.escalation_level == 1
    assert hazard.status == Status.DISPATCHED  # a flag, not a state
    [overdue] = events(hazard, EventKind.OVERDUE)
    assert overdue.created_at == first
    assert overdue.actor is None and overdue.actor_role == "system"
    assert [e.data["level"] for e in events(hazard, EventKind.ESCALATION)] == [1]

    # the same sweep again at the same time changes nothing and writes nothing
    count = HazardEvent.objects.filter(hazard=hazard).count()
    updated_at = hazard.updated_at
    result = sweep_at(first)
    hazard.refresh_from_db()
    assert (result.marked_overdue, result.escalations) == (0, 0)
    assert HazardEvent.objects.filter(hazard=hazard).count() == count
    assert hazard.updated_at == updated_at

    # one more limit period (3 days): the street
    second = deadline + timedelta(days=3) + MINUTE
    result = sweep_at(second)
    hazard.refresh_from_db()
    assert (result.marked_overdue, result.escalations) == (0, 1)
    assert hazard.escalation_level == 2
    assert len(events(hazard, EventKind.OVERDUE)) == 1
    assert [e.data["level"] for e in events(hazard, EventKind.ESCALATION)] == [1, 2]

    # and another: the district, which is the top
    result = sweep_at(deadline + timedelta(days=6) + MINUTE)
    hazard.refresh_from_db()
    assert hazard.escalation_level == 3
    assert [e.data["level"] for e in events(hazard, EventKind.ESCALATION)] == [1, 2, 3]

    # nothing goes above the district
    result = sweep_at(deadline + timedelta(days=60))
    hazard.refresh_from_db()
    assert (result.marked_overdue, result.escalations) == (0, 0)
    assert hazard.escalation_level == 3
    assert len(events(hazard, EventKind.ESCALATION)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(("colour", "first_level"), [("blue", 1), ("yellow", 2), ("orange", 3)])
def test_first_escalation_goes_to_the_colour_level_in_one_step(personas, colour, first_level):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas, colour)
    assert hazard.deadline is not None

    result = sweep_at(hazard.deadline + MINUTE)

    hazard.refresh_from_db()
    assert hazard.is_overdue is True
    assert hazard.escalation_level == first_level
    assert len(events(hazard, EventKind.OVERDUE)) == 1
    # one escalation, straight to the colour's level (a yellow hazard is not
    # reported as "escalated to the community" on its way to the street)
    assert [e.data["level"] for e in events(hazard, EventKind.ESCALATION)] == [first_level]
    assert (result.marked_overdue, result.escalations) == (1, 1)


@pytest.mark.django_db
def test_yellow_next_period_goes_to_the_district(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas, "yellow")
    assert hazard.deadline is not None
    sweep_at(hazard.deadline + MINUTE)
    sweep_at(hazard.deadline + timedelta(days=7) + MINUTE)
    hazard.refresh_from_db()
    assert hazard.escalation_level == 3
    assert events(hazard, EventKind.ESCALATION)[-1].data["level"] == 3


@pytest.mark.django_db
def test_a_missed_sweep_catches_up_one_event_per_level(personas):  # type: ignore[no-untyped-def]
    # the beat was down for a week: a blue hazard two periods late gets both levels
    hazard = dispatched(personas, "blue")
    assert hazard.deadline is not None
    result = sweep_at(hazard.deadline + timedelta(days=3) + MINUTE)
    hazard.refresh_from_db()
    assert hazard.escalation_level == 2
    assert [e.data["level"] for e in events(hazard, EventKind.ESCALATION)] == [1, 2]
    assert (result.marked_overdue, result.escalations) == (1, 2)


@pytest.mark.django_db
def test_hazards_not_yet_due_are_untouched(personas):  # type: ignore[no-untyped-def]
    late = dispatched(personas, "blue")
    on_time = dispatched(personas, "yellow")
    assert late.deadline is not None

    result = sweep_at(late.deadline + MINUTE)

    on_time.refresh_from_db()
    assert result.checked == 1
    assert on_time.is_overdue is False
    assert on_time.escalation_level == 0
    assert events(on_time, EventKind.OVERDUE) == []
    assert events(on_time, EventKind.ESCALATION) == []


@pytest.mark.django_db
def test_closed_and_not_yet_dispatched_hazards_are_never_swept(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    closed = dispatched(personas, "blue")
    awaiting = dispatched(personas, "blue")
    with time_machine.travel(TUESDAY + timedelta(hours=1), tick=False):
        for hazard in (closed, awaiting):
            actions.transition(hazard.pk, personas.property_manager, "accept")
            actions.transition(
                hazard.pk,
                personas.property_manager,
                "rectify",
                uploads=[(photo(), "rectify_after")],
            )
        actions.transition(closed.pk, personas.safety_officer, "pass_recheck")
        reported = actions.report_hazard(
            reporter=personas.grid_worker,
            category=property_category("blue").code,
            lat=30.015,
            lng=120.007,
            risk_colour="blue",
        ).hazard
    before = HazardEvent.objects.count()

    result = sweep_at(TUESDAY + timedelta(days=40))

    assert (result.checked, result.marked_overdue, result.escalations) == (0, 0, 0)
    assert HazardEvent.objects.count() == before
    for hazard in (closed, awaiting, reported):
        hazard.refresh_from_db()
        assert hazard.is_overdue is False
        assert hazard.escalation_level == 0
    assert closed.status == Status.CLOSED


@pytest.mark.django_db
def test_rectifying_hazard_is_swept_and_redispatch_starts_afresh(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas, "blue")
    assert hazard.deadline is not None
    with time_machine.travel(TUESDAY + timedelta(hours=1), tick=False):
        actions.transition(hazard.pk, personas.property_manager, "accept")
    sweep_at(hazard.deadline + MINUTE)
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFYING
    assert (hazard.is_overdue, hazard.escalation_level) == (True, 1)


# --- the Celery task and the management command --------------------------------------
@pytest.mark.django_db
def test_celery_task_returns_counts(personas):  # type: ignore[no-untyped-def]
    blue = dispatched(personas, "blue")
    dispatched(personas, "yellow")
    assert blue.deadline is not None
    with time_machine.travel(blue.deadline + MINUTE, tick=False):
        assert tasks.sweep_overdue() == {"marked": 1, "escalations": 1}
        assert tasks.sweep_overdue.apply().get() == {"marked": 0, "escalations": 0}
    with time_machine.travel(TUESDAY + timedelta(days=7) + MINUTE, tick=False):
        # blue passes its second period (level 2), yellow its first (straight to 2)
        assert tasks.sweep_overdue.apply().get() == {"marked": 1, "escalations": 2}


@pytest.mark.django_db
def test_management_command_prints_counts(personas):  # type: ignore[no-untyped-def]
    blue = dispatched(personas, "blue")
    assert blue.deadline is not None
    out = StringIO()
    with time_machine.travel(blue.deadline + MINUTE, tick=False), translation.override("en"):
        call_command("sweep_overdue", stdout=out)
    assert "Checked 1 hazards: 1 newly overdue, 1 escalations." in out.getvalue()
    blue.refresh_from_db()
    assert blue.is_overdue is True


# --- two sweeps at once ----------------------------------------------------------------
@pytest.mark.skipif(
    django_settings.DATABASE_IS_SQLITE,
    reason=(
        "needs row locks (SELECT … FOR UPDATE SKIP LOCKED) and concurrent connections: "
        "SQLite has neither, and its in-memory shared-cache test database raises "
        "'database table is locked' when two threads write; run with DATABASE_URL=postgres://…"
    ),
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_once(personas, monkeypatch):  # type: ignore[no-untyped-def]
    # a transactional test starts from tables an earlier one may have flushed
    load_categories()
    # given hazards two rectification periods late (blue: overdue, level 1, level 2)
    hazards = [dispatched(personas, "blue") for _ in range(6)]
    now = TUESDAY + timedelta(days=6) + MINUTE

    # and a sweep slow enough that both workers are inside the same hazard at once
    original = deadlines.escalation_level_due

    def slow_level_due(*args, **kwargs):  # type: ignore[no-untyped-def]
        threading.Event().wait(0.05)
        return original(*args, **kwargs)

    monkeypatch.setattr(deadlines, "escalation_level_due", slow_level_due)
    start = threading.Barrier(2, timeout=10)
    results: list[actions.SweepResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(actions.sweep_overdue(now=now))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when two workers sweep at the same moment
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then each hazard was marked once and escalated once per level
    assert errors == []
    assert len(results) == 2
    ids = [h.pk for h in hazards]
    assert HazardEvent.objects.filter(hazard_id__in=ids, kind=EventKind.OVERDUE).count() == 6
    assert HazardEvent.objects.filter(hazard_id__in=ids, kind=EventKind.ESCALATION).count() == 12
    assert sum(r.marked_overdue for r in results) == 6
    assert sum(r.escalations for r in results) == 12
    for hazard in Hazard.objects.filter(pk__in=ids):
        assert (hazard.is_overdue, hazard.escalation_level) == (True, 2)
        assert hazard.events.filter(kind=EventKind.OVERDUE).count() == 1


def test_idle_sweeps_pass_over_hazards_until_their_next_step_is_due(personas):  # type: ignore[no-untyped-def]
    # given a blue hazard swept once just after its deadline (level 1, community)
    blue = dispatched(personas, "blue")
    assert blue.deadline is not None and blue.next_escalation_at == blue.deadline
    with time_machine.travel(blue.deadline + MINUTE, tick=False):
        assert actions.sweep_overdue().escalations == 1
    blue.refresh_from_db()
    # then the next step is one rectification limit (3 days) later
    assert blue.next_escalation_at == blue.deadline + timedelta(days=3)
    # and sweeps before then do not even look at it
    with time_machine.travel(blue.deadline + timedelta(days=2), tick=False):
        assert actions.sweep_overdue().checked == 0
    with time_machine.travel(blue.deadline + timedelta(days=3, minutes=1), tick=False):
        result = actions.sweep_overdue()
    assert (result.checked, result.escalations) == (1, 1)
    blue.refresh_from_db()
    assert blue.escalation_level == 2
