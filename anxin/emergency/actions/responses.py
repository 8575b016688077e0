"""Writes of responses (三级响应): proposed by orange and red warnings, started by
an authorised person at level III, II or I, moved through the stages declared in
``workflow.py``, with tasks, notices and one timeline. Ending opens the review.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import override

from anxin.accounts.choices import Role
from anxin.accounts.models import User
from anxin.areas.models import Area
from anxin.core.errors import Conflict
from anxin.emergency import policy, selectors, workflow
from anxin.emergency.actions.common import (
    collect,
    locked,
    optional_text,
    record,
    required_text,
    visible,
)
from anxin.emergency.choices import (
    ACTIVE_STAGES,
    SUGGESTED_LEVEL,
    ResponseEventKind,
    ResponseLevel,
    ReviewStatus,
    Stage,
)
from anxin.emergency.models import (
    EmergencyPlan,
    EmergencyResponse,
    EmergencyTeam,
    ResponseReview,
    ResponseTask,
)
from anxin.organisations.models import Organisation
from anxin.outbox.actions import enqueue
from anxin.warnings.models import RiskWarning

STARTED_TASK = "anxin.emergency.tasks.notify_response_started"
PROPOSED_TASK = "anxin.emergency.tasks.notify_proposal"
REVIEW_TASK = "anxin.emergency.tasks.notify_review_opened"


def _text() -> override:
    """Titles are stored in the site's language."""
    return override(settings.LANGUAGE_CODE)


# --- proposing ---------------------------------------------------------------------------------
def propose_for_warning(warning_id: int) -> list[EmergencyResponse]:
    """An orange or red warning proposes the plan in force for its class in each
    street it concerns. Idempotent: one proposal per warning and street; a street
    whose plan already runs gets a note on that response's timeline instead."""
    warning = RiskWarning.objects.select_related("area", "category").filter(pk=warning_id).first()
    if warning is None or warning.level not in ("orange", "red"):
        return []
    hazard_class = selectors.hazard_class_of_warning(warning)
    if hazard_class is None:
        return []
    proposed = []
    with _text():
        for area in selectors.response_areas(warning):
            plan = selectors.plan_in_force(hazard_class, warning.level, area)
            if plan is None or plan.current_version_id is None:
                continue
            response = _propose(warning, plan, area)
            if response is not None:
                proposed.append(response)
    return proposed


def _propose(warning: RiskWarning, plan: EmergencyPlan, area: Area) -> EmergencyResponse | None:
    key = f"w{warning.pk}:a{area.pk}"
    buildings = list(
        Area.objects.filter(
            pk__in=(warning.details or {}).get("building_ids") or [],
            path__startswith=area.path,
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        if EmergencyResponse.objects.filter(proposal_key=key).exists():
            return None
        running = (
            EmergencyResponse.objects.select_for_update()
            .filter(plan=plan, area=area, stage__in=sorted(ACTIVE_STAGES | {Stage.PROPOSED}))
            .first()
        )
        if running is not None:
            if not running.events.filter(
                kind=ResponseEventKind.NOTE, data__warning_id=warning.pk
            ).exists():
                record(
                    running,
                    ResponseEventKind.NOTE,
                    note=_("Warning raised as well: %(title)s") % {"title": warning.title},
                    data={"warning_id": warning.pk},
                )
            return None
        now = timezone.now()
        try:
            with transaction.atomic():
                response = EmergencyResponse.objects.create(
                    plan=plan,
                    plan_version_id=plan.current_version_id,
                    area=area,
                    warning=warning,
                    proposal_key=key,
                    title=_("%(plan)s · %(area)s") % {"plan": plan.title, "area": area.name},
                    suggested_level=SUGGESTED_LEVEL.get(warning.level, ResponseLevel.LEVEL_III),
                    building_ids=buildings,
                    proposed_at=now,
                )
        except IntegrityError:
            return None  # proposed by another worker just now
        record(
            response,
            ResponseEventKind.PROPOSED,
            note=warning.title,
            data={"warning_id": warning.pk, "level": warning.level},
            to_stage=Stage.PROPOSED,
            at=now,
        )
        enqueue(PROPOSED_TASK, key=f"response-proposed:{response.pk}", response_id=response.pk)
    return response


# --- starting ----------------------------------------------------------------------------------
def _level(value: Any) -> str:
    level = str(value or "").strip()
    if level not in ResponseLevel.values:
        raise ValidationError({"level": [_("Choose level III, II or I.")]})
    return level


def start_response(user: Any, response: EmergencyResponse | int, level: Any) -> EmergencyResponse:
    """Start a proposed response at level III, II or I. A response already
    started is refused (409) with who started it and when; nothing changes."""
    chosen = _level(level)
    with transaction.atomic():
        row = locked(EmergencyResponse, response, user)
        if row.stage != Stage.PROPOSED:
            raise _already(row)
        area = Area.objects.get(pk=row.area_id)
        policy.require(
            policy.may_fire(user, "start", area, chosen),
            _("start a level %(level)s response") % {"level": ResponseLevel(chosen).label},
        )
        _start(row, user, chosen)
    return row


def _already(row: EmergencyResponse) -> Conflict:
    if row.started_at is not None:
        return Conflict(
            _("This response was started already (level %(level)s, %(when)s by %(who)s).")
            % {
                "level": row.get_level_display(),
                "when": timezone.localtime(row.started_at).strftime("%Y-%m-%d %H:%M"),
                "who": row.started_by.username if row.started_by else "—",
            },
            current_stage=row.stage,
        )
    return Conflict(
        _("This response is %(stage)s.") % {"stage": row.get_stage_display()},
        current_stage=row.stage,
    )


def _start(row: EmergencyResponse, user: Any, level: str) -> None:
    now = timezone.now()
    row.stage = Stage.STARTED
    row.level = level
    row.started_at = now
    row.started_by = user if getattr(user, "is_authenticated", False) else None
    row.stage_changed_at = now
    row.save(update_fields=["stage", "level", "started_at", "started_by", "stage_changed_at"])
    record(
        row,
        ResponseEventKind.STARTED,
        user,
        from_stage=Stage.PROPOSED,
        to_stage=Stage.STARTED,
        data={"level": level},
        at=now,
    )
    version = row.plan_version
    for step in version.steps.select_related("team").order_by("order", "pk"):
        task = ResponseTask.objects.create(
            response=row,
            step=step,
            title=step.title,
            stage=step.stage,
            role=step.role,
            team=step.team,
            due_at=now + timedelta(minutes=step.deadline_minutes)
            if step.deadline_minutes
            else None,
        )
        record(
            row,
            ResponseEventKind.TASK_ADDED,
            user,
            note=task.title,
            data={"task_id": task.pk, "role": task.role, "team_id": task.team_id},
            at=now,
        )
    enqueue(STARTED_TASK, key=f"response-started:{row.pk}", response_id=row.pk)


def start_plan(
    user: Any, plan: EmergencyPlan | int, area: Area | str | None, level: Any, note: str = ""
) -> EmergencyResponse:
    """Start a plan by hand (no warning proposed it) in ``area`` (default: the plan's
    area). A proposal waiting there is started; a response already under way is
    refused (409)."""
    chosen = _level(level)
    found = visible(EmergencyPlan, plan, user, field="plan", label=_("plan"))
    if area in (None, ""):
        target = Area.objects.get(pk=found.area_id)
    elif isinstance(area, Area):
        target = area
    else:
        target = Area.objects.restrict(user, "view").filter(code=str(area)).first()  # type: ignore[assignment]
        if target is None:
            raise ValidationError({"area": [_("Unknown area %(a)s.") % {"a": area}]})
    if not target.path.startswith(Area.objects.get(pk=found.area_id).path):
        raise ValidationError(
            {"area": [_("The plan is not in force in %(a)s.") % {"a": target.name}]}
        )
    if not found.is_active or found.current_version_id is None:
        raise Conflict(_("This plan is no longer in force."))
    policy.require(
        policy.may_fire(user, "start", target, chosen),
        _("start a level %(level)s response") % {"level": ResponseLevel(chosen).label},
    )
    with _text(), transaction.atomic():
        waiting = (
            EmergencyResponse.objects.select_for_update()
            .filter(plan=found, area=target, stage__in=sorted(ACTIVE_STAGES | {Stage.PROPOSED}))
            .first()
        )
        if waiting is not None:
            if waiting.stage != Stage.PROPOSED:
                raise _already(waiting)
            _start(waiting, user, chosen)
            return waiting
        try:
            with transaction.atomic():
                row = EmergencyResponse.objects.create(
                    plan=found,
                    plan_version_id=found.current_version_id,
                    area=target,
                    title=_("%(plan)s · %(area)s") % {"plan": found.title, "area": target.name},
                    suggested_level=chosen,
                    proposed_at=timezone.now(),
                )
        except IntegrityError:
            raise Conflict(_("This plan was started here a moment ago.")) from None
        record(row, ResponseEventKind.PROPOSED, user, note=note, to_stage=Stage.PROPOSED)
        _start(row, user, chosen)
    return row


# --- stages ------------------------------------------------------------------------------------
def change_stage(
    user: Any, response: EmergencyResponse | int, name: str, note: str = ""
) -> EmergencyResponse:
    """Fire a stage transition (handle, recover, end, dismiss). Ending opens the
    review (复盘), due within ``EMERGENCY_REVIEW_HOURS``."""
    transition = workflow.TRANSITIONS.get(name)
    if transition is None or name == "start":
        raise ValidationError({"transition": [_("Unknown step %(name)s.") % {"name": name}]})
    text = (note or "").strip()
    if transition.note_required and not text:
        raise ValidationError({"note": [_("Write a short note for this step.")]})
    with transaction.atomic():
        row = locked(EmergencyResponse, response, user)
        if row.stage not in transition.sources:
            raise Conflict(
                _("This response is %(stage)s: “%(step)s” is not possible.")
                % {"stage": row.get_stage_display(), "step": transition.label},
                current_stage=row.stage,
            )
        area = Area.objects.get(pk=row.area_id)
        policy.require(
            policy.may_fire(user, name, area, row.level or row.suggested_level),
            str(transition.label),
        )
        now = timezone.now()
        before = row.stage
        row.stage = transition.target
        row.stage_changed_at = now
        fields = ["stage", "stage_changed_at"]
        if transition.target in (Stage.ENDED, Stage.DISMISSED):
            row.ended_at = now
            row.ended_by = user if getattr(user, "is_authenticated", False) else None
            row.closing_note = text
            fields += ["ended_at", "ended_by", "closing_note"]
        row.save(update_fields=fields)
        event_kinds: dict[str, str] = {
            Stage.ENDED: ResponseEventKind.ENDED,
            Stage.DISMISSED: ResponseEventKind.DISMISSED,
        }
        kind = event_kinds.get(transition.target, ResponseEventKind.STAGE)
        record(row, kind, user, note=text, from_stage=before, to_stage=row.stage, at=now)
        if transition.target == Stage.ENDED:
            _open_review(row, user, now)
    return row


def _open_review(row: EmergencyResponse, user: Any, now: Any) -> ResponseReview:
    hours = int(settings.EMERGENCY_REVIEW_HOURS)
    review = ResponseReview.objects.create(
        response=row, opened_at=now, due_at=now + timedelta(hours=hours)
    )
    record(
        row,
        ResponseEventKind.REVIEW_OPENED,
        user,
        data={"review_id": review.pk, "due_at": review.due_at.isoformat()},
        at=now,
    )
    enqueue(REVIEW_TASK, key=f"review-opened:{review.pk}", review_id=review.pk)
    return review


def add_note(user: Any, response: EmergencyResponse | int, note: str) -> EmergencyResponse:
    text = required_text(note, "note", _("Write the note."), 2000)
    with transaction.atomic():
        row = locked(EmergencyResponse, response, user)
        area = Area.objects.get(pk=row.area_id)
        policy.require(
            policy.may_fire(user, "handle", area, row.level or row.suggested_level),
            _("write on this response"),
        )
        record(row, ResponseEventKind.NOTE, user, note=text)
    return row


# --- tasks -------------------------------------------------------------------------------------
def add_task(user: Any, response: EmergencyResponse | int, data: dict[str, Any]) -> ResponseTask:
    """Give a response a task for a person, a role in the area, a unit or a team."""
    errors: dict[str, list[str]] = {}
    title = collect(
        errors, lambda: required_text(data.get("title"), "title", _("Say what is to be done."), 200)
    )
    role = str(data.get("role") or "")
    if role and role not in Role.values:
        errors.setdefault("role", []).append(_("Choose a known role."))
    due_at = None
    if data.get("due_at") not in (None, ""):
        raw = data["due_at"]
        due_at = raw if hasattr(raw, "tzinfo") else parse_datetime(str(raw))
        if due_at is None:
            errors.setdefault("due_at", []).append(_("Enter a date and time."))
        elif timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at)
    assignee = organisation = team = None
    if data.get("assignee") not in (None, ""):
        assignee = collect(
            errors,
            lambda: visible(User, data["assignee"], user, field="assignee", label=_("person")),
        )
    if data.get("organisation") not in (None, ""):
        organisation = collect(
            errors,
            lambda: visible(
                Organisation, data["organisation"], user, field="organisation", label=_("unit")
            ),
        )
    if data.get("team") not in (None, ""):
        team = collect(
            errors,
            lambda: visible(EmergencyTeam, data["team"], user, field="team", label=_("team")),
        )
    if not errors and not (role or assignee or organisation or team):
        errors.setdefault("assignee", []).append(
            _("Assign the task to a person, a role, a unit or a team.")
        )
    stage = str(data.get("stage") or "")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = locked(EmergencyResponse, response, user)
        if row.stage not in ACTIVE_STAGES:
            raise Conflict(
                _("Tasks are added to a response under way; this one is %(stage)s.")
                % {"stage": row.get_stage_display()},
                current_stage=row.stage,
            )
        area = Area.objects.get(pk=row.area_id)
        policy.require(
            policy.may_fire(user, "handle", area, row.level), _("assign tasks on this response")
        )
        task = ResponseTask.objects.create(
            response=row,
            title=title,
            stage=stage if stage in (Stage.STARTED, Stage.HANDLING, Stage.RECOVERY) else row.stage,
            role=role,
            assignee=assignee,
            organisation=organisation,
            team=team,
            due_at=due_at,
        )
        record(
            row,
            ResponseEventKind.TASK_ADDED,
            user,
            note=task.title,
            data={"task_id": task.pk, "assignee_id": task.assignee_id, "role": role},
        )
        if assignee is not None:
            enqueue(
                "anxin.emergency.tasks.notify_task",
                key=f"response-task:{task.pk}",
                task_id=task.pk,
            )
    return task


def check_off(user: Any, task: ResponseTask | int, note: str = "") -> ResponseTask:
    """Mark a task done (on the phone). Done twice is refused (409)."""
    text = optional_text(note, "note", 500)
    with transaction.atomic():
        row = locked(ResponseTask, task, user, "view")
        row = ResponseTask.objects.select_related("response__area", "team").get(pk=row.pk)
        if not policy.may_check_off(user, row):
            policy.require(False, _("check off this task"))
        if row.done_at is not None:
            raise Conflict(
                _("This task was checked off already at %(when)s.")
                % {"when": timezone.localtime(row.done_at).strftime("%Y-%m-%d %H:%M")}
            )
        if row.response.stage not in ACTIVE_STAGES:
            raise Conflict(
                _("The response is %(stage)s.") % {"stage": row.response.get_stage_display()}
            )
        now = timezone.now()
        row.done_at = now
        row.done_by = user
        row.note = text or row.note
        row.save(update_fields=["done_at", "done_by", "note"])
        record(
            row.response,
            ResponseEventKind.TASK_DONE,
            user,
            note=row.title,
            data={"task_id": row.pk},
            at=now,
        )
    return row


# --- notices (in the worker) -------------------------------------------------------------------
def notify_proposal(response_id: int) -> int:
    """Tell the street admins over the response's area that a plan is proposed."""
    from anxin.notifications import actions as notifications
    from anxin.warnings.selectors import members_with_roles

    row = EmergencyResponse.objects.select_related("area", "warning").filter(pk=response_id).first()
    if row is None:
        return 0
    people = members_with_roles(["street_admin", "district_admin"], [row.area])
    return len(
        notifications.notify(
            people,
            kind="response_proposed",
            title=_("Plan proposed: %(title)s") % {"title": row.title},
            body=_("%(warning)s. Start the response at the level the situation needs.")
            % {"warning": row.warning.title if row.warning else "—"},
            link=f"/emergency/responses/{row.pk}/",
            severity="urgent",
            key=f"response-proposed:{row.pk}",
        )
    )


def notify_response_started(response_id: int) -> int:
    """Tell the staff the plan lists (by role in the area and by name) and the
    residents of the affected buildings. Keyed per response, so a re-run tells
    nobody twice."""
    from anxin.notifications import actions as notifications
    from anxin.warnings.selectors import members_below, members_with_roles

    row = (
        EmergencyResponse.objects.select_related("area", "plan_version", "warning")
        .filter(pk=response_id)
        .first()
    )
    if row is None or row.started_at is None:
        return 0
    version = row.plan_version
    roles = list(version.notify_roles)
    staff: dict[int, User] = {}
    for person in [
        *members_with_roles(roles, [row.area]),
        *members_below(roles, row.area),
        *version.notify_users.filter(is_active=True),
        *User.objects.filter(pk__in=row.tasks.exclude(assignee=None).values("assignee_id")),
    ]:
        staff[person.pk] = person
    title = _("Level %(level)s response started: %(title)s") % {
        "level": row.level,
        "title": row.title,
    }
    told = 0
    with transaction.atomic():
        told += len(
            notifications.notify(
                list(staff.values()),
                kind="response_started",
                title=title,
                body=version.summary[:500],
                link=f"/emergency/responses/{row.pk}/",
                severity="urgent",
                key=f"response-started:{row.pk}",
            )
        )
        residents = 0
        if row.building_ids:
            residents = len(
                notifications.broadcast_to_buildings(
                    row.building_ids,
                    kind="safety_notice",
                    title=title,
                    body=_(
                        "The street has started its emergency plan. Follow the instructions "
                        "of the community and the building leaders; call 110 or 119 in danger."
                    ),
                    severity="urgent",
                    key=f"response-started:{row.pk}:residents",
                    always_sms=True,
                )
            )
        told += residents
        locked_row = EmergencyResponse.objects.select_for_update().get(pk=row.pk)
        if not locked_row.events.filter(kind=ResponseEventKind.NOTIFIED).exists():
            record(
                locked_row,
                ResponseEventKind.NOTIFIED,
                data={"staff": len(staff), "residents": residents},
            )
    return told


def notify_task(task_id: int) -> int:
    from anxin.notifications import actions as notifications

    task = ResponseTask.objects.select_related("response", "assignee").filter(pk=task_id).first()
    if task is None or task.assignee is None:
        return 0
    return len(
        notifications.notify(
            [task.assignee],
            kind="response_task",
            title=_("Task: %(title)s") % {"title": task.title},
            body=task.response.title,
            link="/emergency/tasks/",
            severity="urgent",
            key=f"response-task:{task.pk}",
        )
    )


def notify_review_opened(review_id: int) -> int:
    from anxin.notifications import actions as notifications
    from anxin.warnings.selectors import members_with_roles

    review = (
        ResponseReview.objects.select_related("response", "response__area", "response__started_by")
        .filter(pk=review_id, status=ReviewStatus.OPEN)
        .first()
    )
    if review is None:
        return 0
    response = review.response
    people = members_with_roles(["street_admin"], [response.area])
    if response.started_by is not None:
        people.append(response.started_by)
    return len(
        notifications.notify(
            people,
            kind="review_due",
            title=_("Review due: %(title)s") % {"title": response.title},
            body=_("The after-action review is due by %(when)s.")
            % {"when": timezone.localtime(review.due_at).strftime("%Y-%m-%d %H:%M")},
            link=f"/emergency/responses/{response.pk}/",
            key=f"review-opened:{review.pk}",
        )
    )
