"""Supervision flags (not states): publication, listing, whistle calls,
extensions, interim control, the six-item plan, evidence, following."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.choices import Role
from anxin.accounts.models import User
from anxin.areas.spatial import distance_m
from anxin.hazards.actions.common import (
    COMMUNITY_STAFF,
    RECTIFIER_ROLES,
    SUPERVISORS,
    Upload,
    _after_commit,
    _event,
    _lock,
    _move_deadline,
    _parse_deadline,
    _parse_plan_deadline,
    _require_assignee,
    _require_role,
    _store_files,
    check_uploads,
)
from anxin.hazards.choices import (
    DEADLINE_STATUSES,
    OPEN_STATUSES,
    SIX_ITEM_PLAN_FIELDS,
    EventKind,
    Status,
)
from anxin.hazards.errors import HazardValidationError, TransitionConflict, TransitionForbidden
from anxin.hazards.models import (
    ExtensionRequest,
    Hazard,
    WhistleCall,
)
from anxin.hazards.workflow import TIER_OF_ROLE
from anxin.organisations.models import Organisation


def _flag(
    hazard_id: int,
    actor: User,
    roles: Iterable[str],
    what: str,
    kind: str,
    apply: Any,
    *,
    reason: str = "",
    uploads: Sequence[Upload] = (),
    statuses: Iterable[str] | None = None,
) -> Hazard:
    checked = check_uploads(uploads)
    with transaction.atomic():
        hazard = _lock(hazard_id, actor)
        role = _require_role(actor, roles, what)
        if statuses is not None and hazard.status not in set(statuses):
            raise TransitionConflict(
                _("This hazard is now “%(status)s”; “%(action)s” is not possible.")
                % {"status": Status(hazard.status).label, "action": what},
                hazard.status,
            )
        now = timezone.now()
        data = apply(hazard, now) or {}
        event = _event(
            hazard,
            kind,
            actor,
            action=kind,
            from_status=hazard.status,
            to_status=hazard.status,
            reason=reason,
            data=data,
            role=role,
            at=now,
        )
        if checked:
            _store_files(hazard, checked, actor, event)
        _after_commit(hazard.pk, kind, [event])
    return hazard


def publicise(hazard_id: int, actor: User) -> Hazard:
    """公示: a closed hazard is shown on the public board."""

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        if hazard.publicised_at:
            raise TransitionConflict(_("Already publicised."), hazard.status)
        hazard.publicised_at = now
        hazard.save(update_fields=["publicised_at", "updated_at"])
        return {}

    return _flag(
        hazard_id,
        actor,
        COMMUNITY_STAFF,
        _("Publicise"),
        EventKind.PUBLICISE,
        apply,
        statuses=[Status.CLOSED],
    )


def list_hazard(
    hazard_id: int, actor: User, *, level: str = "street", publish: bool = True
) -> Hazard:
    """挂牌督办: the street (or district) supervises the rectification."""

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        if hazard.is_listed:
            raise TransitionConflict(_("Already listed."), hazard.status)
        hazard.is_listed = True
        hazard.listing_level = level
        hazard.listed_at = now
        hazard.listing_published_at = now if publish else None
        hazard.delisted_at = None
        hazard.save(
            update_fields=[
                "is_listed",
                "listing_level",
                "listed_at",
                "listing_published_at",
                "delisted_at",
                "updated_at",
            ]
        )
        return {"level": level, "published": publish}

    return _flag(
        hazard_id,
        actor,
        SUPERVISORS,
        _("List for supervision"),
        EventKind.LISTING,
        apply,
        statuses=OPEN_STATUSES,
    )


def delist_hazard(hazard_id: int, actor: User, reason: str = "") -> Hazard:
    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        if not hazard.is_listed:
            raise TransitionConflict(_("Not listed."), hazard.status)
        hazard.is_listed = False
        hazard.delisted_at = now
        hazard.save(update_fields=["is_listed", "delisted_at", "updated_at"])
        return {"delisted": True}

    return _flag(
        hazard_id, actor, SUPERVISORS, _("Delist"), EventKind.LISTING, apply, reason=reason
    )


def whistle_call(
    hazard_id: int, actor: User, department_ids: Sequence[int], reason: str = ""
) -> Hazard:
    """吹哨报到: the street calls departments to the hazard."""
    departments = list(Organisation.objects.filter(pk__in=list(department_ids), is_active=True))
    if not departments or len(departments) != len(set(department_ids)):
        raise HazardValidationError({"departments": [_("Choose one or more known departments.")]})

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        called = []
        for department in departments:
            _call, created = WhistleCall.objects.get_or_create(
                hazard=hazard, department=department, defaults={"called_at": now}
            )
            if created:
                called.append(department.pk)
        if not called:
            raise TransitionConflict(_("These departments were already called."), hazard.status)
        return {"departments": called}

    return _flag(
        hazard_id,
        actor,
        SUPERVISORS,
        _("Whistle call"),
        EventKind.WHISTLE,
        apply,
        reason=reason,
        statuses=OPEN_STATUSES,
    )


def whistle_report(
    hazard_id: int, actor: User, *, arrived: bool = True, answer: str = ""
) -> Hazard:
    """A called department reports arrival (报到) and later its answer."""
    orgs = {m.organisation_id for m in actor.active_memberships() if m.organisation_id}

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        call = WhistleCall.objects.filter(hazard=hazard, department_id__in=orgs).first()
        if call is None:
            raise TransitionForbidden(_("Your department was not called to this hazard."))
        if arrived and call.arrived_at is None:
            call.arrived_at = now
        if answer:
            call.answered_at = now
            call.answer = answer[:4000]
        call.save()
        return {
            "department": call.department_id,
            "arrived": bool(call.arrived_at),
            "answered": bool(call.answered_at),
        }

    return _flag(
        hazard_id,
        actor,
        {Role.DEPARTMENT},
        _("Report to a whistle call"),
        EventKind.WHISTLE,
        apply,
        reason=answer,
    )


def request_extension(
    hazard_id: int, actor: User, *, deadline: Any, reason: str
) -> ExtensionRequest:
    if not (reason or "").strip():
        raise HazardValidationError({"reason": [_("A reason is required.")]})
    now = timezone.now()
    wanted = _parse_deadline(deadline, now)
    if wanted is None:
        raise HazardValidationError({"deadline": [_("Enter the deadline you ask for.")]})
    created: list[ExtensionRequest] = []

    def apply(hazard: Hazard, at: datetime) -> dict[str, Any]:
        _require_assignee(hazard, actor)
        if hazard.deadline and wanted <= hazard.deadline:
            raise HazardValidationError(
                {"deadline": [_("An extension must be later than the current deadline.")]}
            )
        if hazard.extensions.filter(decision=ExtensionRequest.Decision.PENDING).exists():
            raise TransitionConflict(_("An extension request is already pending."), hazard.status)
        created.append(
            ExtensionRequest.objects.create(
                hazard=hazard, requested_by=actor, requested_deadline=wanted, reason=reason
            )
        )
        return {"requested_deadline": wanted.isoformat()}

    _flag(
        hazard_id,
        actor,
        RECTIFIER_ROLES,
        _("Request an extension"),
        EventKind.EXTENSION_REQUESTED,
        apply,
        reason=reason,
        statuses=DEADLINE_STATUSES,
    )
    return created[0]


def decide_extension(
    extension_id: int, actor: User, *, approve: bool, reason: str = ""
) -> ExtensionRequest:
    extension = ExtensionRequest.objects.filter(pk=extension_id).first()
    if extension is None:
        raise Http404(_("No such extension request."))

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        current = ExtensionRequest.objects.select_for_update().get(pk=extension_id)
        if current.decision != ExtensionRequest.Decision.PENDING:
            raise TransitionConflict(_("This request was already decided."), hazard.status)
        current.decision = (
            ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REFUSED
        )
        current.decided_by = actor
        current.decided_at = now
        current.save()
        data: dict[str, Any] = {"extension": current.pk, "approved": approve}
        if approve:
            data["previous_deadline"] = hazard.deadline.isoformat() if hazard.deadline else None
            fields = _move_deadline(hazard, current.requested_deadline, now)
            hazard.save(update_fields=[*fields, "updated_at"])
            data["deadline"] = current.requested_deadline.isoformat()
        return data

    _flag(
        extension.hazard_id,
        actor,
        COMMUNITY_STAFF,
        _("Decide an extension"),
        EventKind.EXTENSION_DECIDED,
        apply,
        reason=reason,
    )
    extension.refresh_from_db()
    return extension


def record_interim_control(
    hazard_id: int, actor: User, *, measures: str, uploads: Sequence[Upload] = ()
) -> Hazard:
    if not (measures or "").strip():
        raise HazardValidationError({"measures": [_("Describe the interim control measures.")]})

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        hazard.interim_control = measures[:4000]
        hazard.interim_controlled_at = now
        hazard.save(update_fields=["interim_control", "interim_controlled_at", "updated_at"])
        return {"on_time": hazard.interim_deadline is None or now <= hazard.interim_deadline}

    return _flag(
        hazard_id,
        actor,
        RECTIFIER_ROLES | COMMUNITY_STAFF | {Role.GRID_WORKER},
        _("Interim control"),
        EventKind.INTERIM_CONTROL,
        apply,
        reason=measures,
        uploads=uploads,
        statuses=OPEN_STATUSES,
    )


def set_six_item_plan(hazard_id: int, actor: User, plan: dict[str, Any]) -> Hazard:
    """The six-item plan of a major hazard (targets, method, funds and materials,
    people, time limit, safety measures and emergency plan)."""
    if not isinstance(plan, dict):
        raise HazardValidationError({"six_item_plan": [_("The plan must be an object.")]})
    missing = [k for k in SIX_ITEM_PLAN_FIELDS if not str(plan.get(k) or "").strip()]
    if missing:
        raise HazardValidationError(
            {f"six_item_plan.{k}": [_("This item of the plan is required.")] for k in missing}
        )
    limit = _parse_plan_deadline(plan.get("time_limit"))
    if limit is None or limit <= timezone.now():
        raise HazardValidationError(
            {"six_item_plan.time_limit": [_("The time limit must be a future date.")]}
        )
    clean = {k: str(plan[k])[:2000] for k in SIX_ITEM_PLAN_FIELDS}

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        hazard.six_item_plan = clean
        fields = ["six_item_plan", "updated_at"]
        if hazard.status in DEADLINE_STATUSES and hazard.is_major:
            fields += _move_deadline(hazard, limit, now)
        hazard.save(update_fields=fields)
        return {"plan": clean}

    return _flag(
        hazard_id,
        actor,
        RECTIFIER_ROLES | SUPERVISORS | {Role.COMMUNITY_ADMIN},
        _("Six-item plan"),
        EventKind.PLAN,
        apply,
        statuses=OPEN_STATUSES,
    )


def add_evidence(hazard_id: int, actor: User, uploads: Sequence[Upload], note: str = "") -> Hazard:
    if not uploads:
        raise HazardValidationError({"attachments": [_("Add at least one file.")]})
    roles = set(TIER_OF_ROLE) | RECTIFIER_ROLES | {Role.DISTRICT_ADMIN, Role.EXPERT}
    return _flag(
        hazard_id,
        actor,
        roles,
        _("Add evidence"),
        EventKind.ATTACHMENT,
        lambda hazard, now: {"count": len(uploads)},
        reason=note,
        uploads=uploads,
    )


def follow(hazard_id: int, actor: User, near: tuple[float, float] | None = None) -> Hazard:
    """A resident follows a hazard someone else reported (instead of a duplicate).

    Without ``near``, only a hazard the actor may see can be followed. With
    ``near`` (the point the actor is reporting from), any open hazard of which
    that point lies within its subclass's duplicate radius can be followed: the
    duplicate prompt offers hazards the resident cannot otherwise see. Following
    makes the file the follower's own (``Hazard.scope_rules.owner_q``)."""
    candidates = Hazard.objects.filter(pk=hazard_id, status__in=OPEN_STATUSES)
    if near is None:
        candidates = candidates.restrict(actor, "view")
    hazard = candidates.select_related("category").first()
    if hazard is not None and near is not None:
        radius = hazard.category.duplicate_radius_m
        if distance_m(near[0], near[1], hazard.lat, hazard.lng) > radius:
            hazard = None
    if hazard is None:
        raise Http404(_("No such hazard."))
    hazard.followers.add(actor)
    return hazard
