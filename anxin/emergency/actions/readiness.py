"""Writes of drills (演练), training records and the safety-month (安全月) calendar."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.areas.models import Area
from anxin.core.errors import Conflict
from anxin.emergency import policy
from anxin.emergency.actions.common import (
    area_by_code,
    choice,
    collect,
    locked,
    optional_text,
    positive_int,
    required_text,
    visible,
)
from anxin.emergency.choices import ActivityKind, DrillStatus
from anxin.emergency.models import Drill, EmergencyPlan, SafetyActivity, TrainingRecord


def _date(value: Any, field: str, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]})
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value).strip())
    if parsed is None:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]})
    return parsed


def _datetime(value: Any, field: str, required: bool = True) -> datetime | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: [_("Enter a date and time.")]})
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime(day.year, day.month, day.day, 9, 0) if day else None
        if parsed is None:
            raise ValidationError({field: [_("Enter a date and time.")]})
        moment = parsed
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _people(value: Any, user: Any, field: str, errors: dict[str, list[str]]) -> list[User]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors.setdefault(field, []).append(_("Give a list of ids."))
        return []
    ids = set()
    for v in value:
        try:
            ids.add(int(v))
        except (TypeError, ValueError):
            errors.setdefault(field, []).append(_("Give a list of ids."))
            return []
    people = list(User.objects.restrict(user, "view").filter(pk__in=ids).distinct())
    if len(people) != len(ids):
        errors.setdefault(field, []).append(_("Unknown person."))
    return people


def _area_for(user: Any, data: dict[str, Any], errors: dict[str, list[str]]) -> Area | None:
    area: Area | None = collect(errors, lambda: area_by_code(data.get("area"), user))
    return area


# --- drills ------------------------------------------------------------------------------------
def plan_drill(user: Any, data: dict[str, Any]) -> Drill:
    """Put a drill on the calendar (quarterly, by convention)."""
    errors: dict[str, list[str]] = {}
    area = _area_for(user, data, errors)
    title = collect(
        errors, lambda: required_text(data.get("title"), "title", _("Name the drill."), 200)
    )
    scheduled = collect(errors, lambda: _date(data.get("scheduled_on"), "scheduled_on"))
    plan = None
    if data.get("plan") not in (None, ""):
        plan = collect(
            errors,
            lambda: visible(EmergencyPlan, data["plan"], user, field="plan", label=_("plan")),
        )
    if errors:
        raise ValidationError(errors)
    assert area is not None
    policy.require(policy.may_manage_readiness(user, area), _("plan drills here"))
    with transaction.atomic():
        return Drill.objects.create(
            area=area,
            plan=plan,
            title=title,
            scheduled_on=scheduled,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )


def record_drill(user: Any, drill: Drill | int, data: dict[str, Any]) -> Drill:
    """Record that a drill was held: the day, who took part and what was found."""
    errors: dict[str, list[str]] = {}
    held = collect(errors, lambda: _date(data.get("held_on"), "held_on"))
    findings = collect(
        errors,
        lambda: required_text(
            data.get("findings"), "findings", _("Write down what the drill found."), 10_000
        ),
    )
    participants = _people(data.get("participants"), user, "participants", errors)
    count = collect(
        errors,
        lambda: positive_int(
            data.get("participant_count") or len(participants) or 0,
            "participant_count",
            minimum=0,
            maximum=100_000,
        ),
    )
    if held is not None and held > timezone.localdate():
        errors.setdefault("held_on", []).append(_("A drill cannot be held in the future."))
    with transaction.atomic():
        row = locked(Drill, drill, user)
        policy.require(
            policy.may_manage_readiness(user, Area.objects.get(pk=row.area_id)),
            _("record drills here"),
        )
        if row.status != DrillStatus.PLANNED:
            raise Conflict(
                _("This drill is %(status)s already.") % {"status": row.get_status_display()}
            )
        if errors:
            raise ValidationError(errors)
        row.held_on = held
        row.findings = findings
        row.participant_count = max(count or 0, len(participants))
        row.status = DrillStatus.HELD
        row.save(update_fields=["held_on", "findings", "participant_count", "status"])
        row.participants.set(participants)
    return row


def cancel_drill(user: Any, drill: Drill | int) -> Drill:
    with transaction.atomic():
        row = locked(Drill, drill, user)
        policy.require(
            policy.may_manage_readiness(user, Area.objects.get(pk=row.area_id)),
            _("change drills here"),
        )
        if row.status != DrillStatus.PLANNED:
            raise Conflict(
                _("This drill is %(status)s already.") % {"status": row.get_status_display()}
            )
        row.status = DrillStatus.CANCELLED
        row.save(update_fields=["status"])
    return row


# --- training ----------------------------------------------------------------------------------
def record_training(user: Any, data: dict[str, Any]) -> TrainingRecord:
    errors: dict[str, list[str]] = {}
    area = _area_for(user, data, errors)
    title = collect(
        errors, lambda: required_text(data.get("title"), "title", _("Name the training."), 200)
    )
    held = collect(errors, lambda: _date(data.get("held_on"), "held_on"))
    trainer = collect(errors, lambda: optional_text(data.get("trainer"), "trainer", 120)) or ""
    notes = collect(errors, lambda: optional_text(data.get("notes"), "notes", 10_000)) or ""
    hours = Decimal("1")
    if data.get("hours") not in (None, ""):
        try:
            hours = Decimal(str(data["hours"]))
            if not Decimal("0.5") <= hours <= Decimal("99"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.setdefault("hours", []).append(_("Enter hours from 0.5 to 99."))
    volunteers = collect(
        errors,
        lambda: positive_int(data.get("volunteers") or 0, "volunteers", minimum=0, maximum=100_000),
    )
    attendees = _people(data.get("attendees"), user, "attendees", errors)
    if not errors and not attendees and not volunteers:
        errors.setdefault("attendees", []).append(_("Record who attended: staff or volunteers."))
    if errors:
        raise ValidationError(errors)
    assert area is not None
    policy.require(policy.may_manage_readiness(user, area), _("record training here"))
    with transaction.atomic():
        row = TrainingRecord.objects.create(
            area=area,
            title=title,
            held_on=held,
            trainer=trainer,
            hours=hours.quantize(Decimal("0.1")),
            volunteers=volunteers or 0,
            notes=notes,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        row.attendees.set(attendees)
    return row


# --- the safety month --------------------------------------------------------------------------
def add_activity(user: Any, data: dict[str, Any]) -> SafetyActivity:
    errors: dict[str, list[str]] = {}
    area = _area_for(user, data, errors)
    title = collect(
        errors, lambda: required_text(data.get("title"), "title", _("Name the activity."), 200)
    )
    kind = collect(
        errors,
        lambda: choice(data.get("kind"), "kind", ActivityKind, _("Choose the kind of activity.")),
    )
    starts = collect(errors, lambda: _datetime(data.get("starts_at"), "starts_at"))
    ends = collect(errors, lambda: _datetime(data.get("ends_at"), "ends_at", required=False))
    if starts and ends and ends < starts:
        errors.setdefault("ends_at", []).append(_("The end is before the start."))
    venue = collect(errors, lambda: optional_text(data.get("venue"), "venue", 200)) or ""
    organiser = (
        collect(errors, lambda: optional_text(data.get("organiser"), "organiser", 120)) or ""
    )
    description = (
        collect(errors, lambda: optional_text(data.get("description"), "description", 10_000)) or ""
    )
    if errors:
        raise ValidationError(errors)
    assert area is not None
    policy.require(policy.may_manage_readiness(user, area), _("plan activities here"))
    with transaction.atomic():
        return SafetyActivity.objects.create(
            area=area,
            title=title,
            kind=kind,
            starts_at=starts,
            ends_at=ends,
            venue=venue,
            organiser=organiser,
            description=description,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
