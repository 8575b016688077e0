"""Extensions of the rectification deadline and how they meet the overdue sweep."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404
from django.utils import translation

from anxin.hazards import actions
from anxin.hazards.choices import EventKind, Status
from anxin.hazards.errors import HazardValidationError, TransitionConflict
from anxin.hazards.models import ExtensionRequest, Hazard, HazardEvent
from anxin.taxonomy.models import Category
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 3, 3, 10, 0, tzinfo=TZ)
MINUTE = timedelta(minutes=1)


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


def dispatched(personas, colour: str = "blue") -> Hazard:  # type: ignore[no-untyped-def]
    with time_machine.travel(TUESDAY, tick=False):
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
    return hazard


def overdue(personas, colour: str = "blue") -> tuple[Hazard, datetime]:  # type: ignore[no-untyped-def]
    """A dispatched hazard swept a minute after its deadline; returns (hazard, now)."""
    hazard = dispatched(personas, colour)
    assert hazard.deadline is not None
    now = hazard.deadline + MINUTE
    with time_machine.travel(now, tick=False):
        actions.sweep_overdue()
    hazard.refresh_from_db()
    assert hazard.is_overdue is True
    return hazard, now


def count(hazard: Hazard, kind: str) -> int:
    return HazardEvent.objects.filter(hazard=hazard, kind=kind).count()


def test_approved_extension_moves_the_deadline_and_clears_overdue(personas):  # type: ignore[no-untyped-def]
    hazard, now = overdue(personas)
    new_deadline = now + timedelta(days=5)

    with time_machine.travel(now + timedelta(hours=1), tick=False):
        request = actions.request_extension(
            hazard.pk, personas.property_manager, deadline=new_deadline, reason="等待配件到货"
        )
        decided = actions.decide_extension(request.pk, personas.safety_officer, approve=True)
        result = actions.sweep_overdue()

    assert decided.decision == ExtensionRequest.Decision.APPROVED
    assert decided.decided_by == personas.safety_officer
    hazard.refresh_from_db()
    assert hazard.deadline == new_deadline
    assert hazard.is_overdue is False
    assert hazard.overdue_since is None
    assert (result.marked_overdue, result.escalations) == (0, 0)
    assert count(hazard, EventKind.EXTENSION_REQUESTED) == 1
    decision = HazardEvent.objects.get(hazard=hazard, kind=EventKind.EXTENSION_DECIDED)
    assert decision.data["approved"] is True
    assert decision.data["deadline"] == new_deadline.isoformat()

    # when the extended deadline passes too, it is overdue again (once)
    with time_machine.travel(new_deadline + MINUTE, tick=False):
        actions.sweep_overdue()
        actions.sweep_overdue()
    hazard.refresh_from_db()
    assert hazard.is_overdue is True
    assert hazard.overdue_since == new_deadline
    assert count(hazard, EventKind.OVERDUE) == 2


def test_top_escalated_hazard_is_overdue_again_after_its_extension_passes(personas):  # type: ignore[no-untyped-def]
    # orange goes straight to the district (the top level) when first overdue
    hazard, now = overdue(personas, "orange")
    assert hazard.escalation_level == 3
    new_deadline = now + timedelta(days=10)
    with time_machine.travel(now, tick=False):
        request = actions.request_extension(
            hazard.pk, personas.property_manager, deadline=new_deadline, reason="需要街道协调"
        )
        actions.decide_extension(request.pk, personas.safety_officer, approve=True)
    hazard.refresh_from_db()
    assert hazard.is_overdue is False

    with time_machine.travel(new_deadline + MINUTE, tick=False):
        result = actions.sweep_overdue()

    hazard.refresh_from_db()
    assert hazard.is_overdue is True
    assert result.marked_overdue == 1
    assert count(hazard, EventKind.OVERDUE) == 2


def test_refused_extension_changes_nothing(personas):  # type: ignore[no-untyped-def]
    hazard, now = overdue(personas)
    deadline = hazard.deadline
    with time_machine.travel(now, tick=False):
        request = actions.request_extension(
            hazard.pk,
            personas.property_manager,
            deadline=now + timedelta(days=5),
            reason="人手不足",
        )
        decided = actions.decide_extension(
            request.pk, personas.safety_officer, approve=False, reason="不同意"
        )
    assert decided.decision == ExtensionRequest.Decision.REFUSED
    hazard.refresh_from_db()
    assert hazard.deadline == deadline
    assert hazard.is_overdue is True
    assert hazard.escalation_level == 1
    decision = HazardEvent.objects.get(hazard=hazard, kind=EventKind.EXTENSION_DECIDED)
    assert decision.data["approved"] is False
    assert decision.reason == "不同意"


def test_a_decided_request_cannot_be_decided_again(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas)
    with time_machine.travel(TUESDAY, tick=False):
        request = actions.request_extension(
            hazard.pk,
            personas.property_manager,
            deadline=TUESDAY + timedelta(days=10),
            reason="等待配件",
        )
        actions.decide_extension(request.pk, personas.safety_officer, approve=False)
        with pytest.raises(TransitionConflict):
            actions.decide_extension(request.pk, personas.safety_officer, approve=True)
    hazard.refresh_from_db()
    assert hazard.deadline == TUESDAY + timedelta(days=3)
    assert count(hazard, EventKind.EXTENSION_DECIDED) == 1


def test_second_pending_request_is_a_conflict(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas)
    with time_machine.travel(TUESDAY, tick=False):
        actions.request_extension(
            hazard.pk,
            personas.property_manager,
            deadline=TUESDAY + timedelta(days=10),
            reason="等待配件",
        )
        with pytest.raises(TransitionConflict) as conflict:
            actions.request_extension(
                hazard.pk,
                personas.property_manager,
                deadline=TUESDAY + timedelta(days=12),
                reason="再延长",
            )
    assert conflict.value.current_status == Status.DISPATCHED
    assert ExtensionRequest.objects.filter(hazard=hazard).count() == 1
    assert count(hazard, EventKind.EXTENSION_REQUESTED) == 1


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (TUESDAY - timedelta(days=1), "The deadline must be in the future."),
        (TUESDAY + timedelta(days=2), "An extension must be later than the current deadline."),
        ("", "Enter the deadline you ask for."),
        ("next week", "Enter a valid date and time."),
    ],
)
def test_bad_extension_deadline_is_refused_and_nothing_saved(personas, deadline, message):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas)
    before = HazardEvent.objects.filter(hazard=hazard).count()
    with (
        time_machine.travel(TUESDAY + timedelta(hours=1), tick=False),
        translation.override("en"),
        pytest.raises(HazardValidationError) as error,
    ):
        actions.request_extension(
            hazard.pk, personas.property_manager, deadline=deadline, reason="等待配件"
        )
    assert error.value.message_dict == {"deadline": [message]}
    assert ExtensionRequest.objects.count() == 0
    assert HazardEvent.objects.filter(hazard=hazard).count() == before


def test_extension_needs_a_reason(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas)
    with (
        time_machine.travel(TUESDAY, tick=False),
        pytest.raises(HazardValidationError) as error,
    ):
        actions.request_extension(
            hazard.pk,
            personas.property_manager,
            deadline=TUESDAY + timedelta(days=10),
            reason="  ",
        )
    assert "reason" in error.value.message_dict
    assert ExtensionRequest.objects.count() == 0


def test_a_date_without_time_means_the_end_of_that_working_day(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas)
    with time_machine.travel(TUESDAY, tick=False):
        request = actions.request_extension(
            hazard.pk, personas.property_manager, deadline="2026-03-10", reason="等待配件"
        )
    assert request.requested_deadline == datetime(2026, 3, 10, 18, 0, tzinfo=TZ)


def test_only_the_assigned_company_may_ask(personas):  # type: ignore[no-untyped-def]
    hazard = dispatched(personas)
    with time_machine.travel(TUESDAY, tick=False), pytest.raises(Http404):
        actions.request_extension(
            hazard.pk,
            personas.property_manager_b,
            deadline=TUESDAY + timedelta(days=10),
            reason="等待配件",
        )
    assert ExtensionRequest.objects.count() == 0


def test_no_extension_once_rectified(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    hazard = dispatched(personas)
    with time_machine.travel(TUESDAY, tick=False):
        actions.transition(hazard.pk, personas.property_manager, "accept")
        actions.transition(
            hazard.pk, personas.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
        )
        with pytest.raises(TransitionConflict):
            actions.request_extension(
                hazard.pk,
                personas.property_manager,
                deadline=TUESDAY + timedelta(days=10),
                reason="等待配件",
            )
    assert ExtensionRequest.objects.count() == 0
