"""The closed loop's status changes: ``transition`` fires one of the transitions
declared in ``anxin.hazards.workflow`` and runs its handler."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.selectors import roles_of
from anxin.hazards import deadlines, routing
from anxin.hazards.actions.common import (
    Upload,
    _after_commit,
    _event,
    _lock,
    _move_deadline,
    _parse_deadline,
    _parse_plan_deadline,
    _plan_complete,
    _primary_role,
    _require_assignee,
    _store_files,
    check_uploads,
)
from anxin.hazards.choices import (
    OPEN_STATUSES,
    EventKind,
    Phase,
    RiskColour,
    Status,
    TimeLimitStep,
)
from anxin.hazards.errors import HazardValidationError, TransitionConflict, TransitionForbidden
from anxin.hazards.models import (
    Attachment,
    Hazard,
    HazardEvent,
)
from anxin.hazards.workflow import TIER_OF_ROLE, TRANSITIONS, Transition, tiers_required
from anxin.organisations.models import Organisation


def _check_role(t: Transition, actor: User | None) -> str:
    if actor is None:
        if not t.system_allowed:
            raise TransitionForbidden(_("This step needs a person."))
        return "system"
    if actor.is_superuser:
        return "superuser"
    allowed = roles_of(actor) & t.roles
    if not allowed:
        raise TransitionForbidden(_("Your role may not do this: %(action)s.") % {"action": t.label})
    return _primary_role(actor, sorted(allowed, key=lambda r: -TIER_OF_ROLE.get(r, 0)))


def transition(
    hazard_id: int,
    actor: User | None,
    name: str,
    *,
    reason: str = "",
    uploads: Sequence[Upload] = (),
    data: dict[str, Any] | None = None,
) -> Hazard:
    """Fire one transition of the closed loop (see ``workflow.TRANSITIONS``)."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise Http404(_("Unknown action."))
    data = dict(data or {})
    reason = (reason or "").strip()
    checked = check_uploads(uploads)
    with transaction.atomic():
        hazard = _lock(hazard_id, actor)
        role = _check_role(t, actor)
        if hazard.status not in t.sources:
            raise TransitionConflict(
                _("This hazard is now “%(status)s”; “%(action)s” is not possible.")
                % {"status": Status(hazard.status).label, "action": t.label},
                hazard.status,
            )
        if t.reason_required and not reason:
            raise HazardValidationError({"reason": [_("A reason is required.")]})
        if t.blue_only and hazard.risk_colour != RiskColour.BLUE:
            raise HazardValidationError(
                {"risk_colour": [_("Only blue hazards may be fixed on the spot.")]}
            )
        if t.needs_after_photos:
            has_after = (
                any(p == Phase.RECTIFY_AFTER for _c, p in checked)
                or hazard.attachments.filter(phase=Phase.RECTIFY_AFTER).exists()
            )
            if not has_after:
                raise HazardValidationError(
                    {"attachments": [_("Photos after rectification are required.")]}
                )
        if t.needs_plan_if_major and hazard.is_major and not _plan_complete(hazard.six_item_plan):
            raise HazardValidationError(
                {
                    "six_item_plan": [
                        _("A major hazard needs its six-item plan before rectification.")
                    ]
                }
            )
        now = timezone.now()
        handler = _HANDLERS[name]
        events = handler(hazard, actor, role, t, reason, data, now)
        event = events[0]
        if checked:
            _store_files(hazard, checked, actor, event)
        _after_commit(hazard.pk, name, events)
    return hazard


def _save_transition(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    now: datetime,
    fields: Sequence[str],
    data: dict[str, Any] | None = None,
    kind: str = EventKind.TRANSITION,
) -> HazardEvent:
    previous = hazard.status
    hazard.status = t.target
    hazard.save(update_fields=["status", "updated_at", *fields])
    return _event(
        hazard,
        kind,
        actor,
        action=t.name,
        from_status=previous,
        to_status=t.target,
        reason=reason,
        data=data,
        role=role,
        at=now,
    )


def _do_verify(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    tier = 3 if role == "superuser" else TIER_OF_ROLE.get(role, 0)
    needed = tiers_required(hazard.risk_colour, hazard.is_major)
    if tier <= hazard.review_tier:
        raise HazardValidationError(
            {
                "non_field_errors": [
                    _("This review tier is already done; the next reviewer decides.")
                ]
            }
        )
    hazard.review_tier = tier
    fields = ["review_tier"]
    if data.get("expert_opinion"):
        hazard.expert_opinion = str(data["expert_opinion"])[:4000]
        fields.append("expert_opinion")
    if tier < needed:
        hazard.save(update_fields=["updated_at", *fields])
        return [
            _event(
                hazard,
                EventKind.REVIEW,
                actor,
                action="verify",
                from_status=hazard.status,
                to_status=hazard.status,
                reason=reason,
                data={"tier": tier, "tiers_required": needed},
                role=role,
                at=now,
            )
        ]
    hazard.verified_at = now
    if hazard.risk_colour in (RiskColour.ORANGE, RiskColour.RED):
        hazard.interim_deadline = deadlines.due(
            TimeLimitStep.INTERIM, hazard.risk_colour, hazard.community, now
        )
        fields.append("interim_deadline")
    events = [
        _save_transition(
            hazard, actor, role, t, reason, now, [*fields, "verified_at"], {"tier": tier}
        )
    ]
    events += _auto_dispatch(hazard, now)
    return events


def _auto_dispatch(hazard: Hazard, now: datetime, exclude: Iterable[int] = ()) -> list[HazardEvent]:
    organisation = routing.responsible_organisation(hazard, exclude=exclude)
    if organisation is None:
        return [
            _event(
                hazard,
                EventKind.DISPATCH,
                None,
                action="dispatch",
                from_status=hazard.status,
                to_status=hazard.status,
                reason=_("No responsible organisation found: dispatch by hand."),
                role="system",
                at=now,
                internal=True,
            )
        ]
    return [
        _dispatch_to(hazard, None, "system", TRANSITIONS["dispatch"], "", organisation, None, now)
    ]


def _rectify_deadline(hazard: Hazard, now: datetime) -> datetime | None:
    if hazard.is_major and _plan_complete(hazard.six_item_plan):
        plan_limit = _parse_plan_deadline(hazard.six_item_plan.get("time_limit"))
        if plan_limit is not None and plan_limit > now:
            return plan_limit
    days = hazard.category.deadline_days
    if days:
        return now + timedelta(days=days)
    return deadlines.due(TimeLimitStep.RECTIFY, hazard.risk_colour, hazard.community, now)


def _dispatch_to(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    organisation: Organisation,
    deadline: datetime | None,
    now: datetime,
) -> HazardEvent:
    hazard.responsible_organisation = organisation
    hazard.dispatched_at = now
    fields = _move_deadline(hazard, deadline or _rectify_deadline(hazard, now), now)
    hazard.is_overdue = False
    hazard.overdue_since = None
    hazard.escalation_level = 0
    return _save_transition(
        hazard,
        actor,
        role,
        t,
        reason,
        now,
        [
            *dict.fromkeys([*fields, "is_overdue", "overdue_since"]),
            "responsible_organisation",
            "dispatched_at",
            "escalation_level",
        ],
        {
            "organisation": organisation.pk,
            "organisation_name": organisation.name,
            "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
        },
        kind=EventKind.TRANSITION,
    )


def _do_dispatch(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    deadline = _parse_deadline(data.get("deadline"), now)
    org_id = data.get("organisation")
    if org_id:
        organisation = Organisation.objects.filter(pk=org_id, is_active=True).first()
        if organisation is None:
            raise HazardValidationError({"organisation": [_("Unknown organisation.")]})
    else:
        organisation = routing.responsible_organisation(hazard, exclude=_returned_by(hazard))
        if organisation is None:
            raise HazardValidationError(
                {"organisation": [_("No responsible organisation found; choose one.")]}
            )
    return [_dispatch_to(hazard, actor, role, t, reason, organisation, deadline, now)]


def _returned_by(hazard: Hazard) -> list[int]:
    return [
        int(e["organisation"])
        for e in hazard.events.filter(action="return").values_list("data", flat=True)
        if isinstance(e, dict) and e.get("organisation")
    ]


def _do_accept(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    _require_assignee(hazard, actor)
    hazard.accepted_at = now
    hazard.responsible_person = actor
    return [
        _save_transition(hazard, actor, role, t, reason, now, ["accepted_at", "responsible_person"])
    ]


def _do_return(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    _require_assignee(hazard, actor)
    returning = hazard.responsible_organisation_id
    events = [
        _save_transition(hazard, actor, role, t, reason, now, [], {"organisation": returning})
    ]
    events += _auto_dispatch(hazard, now, exclude=[*_returned_by(hazard), returning or 0])
    return events


def _do_rectify(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    _require_assignee(hazard, actor)
    return _to_recheck(hazard, actor, role, t, reason, now)


def _to_recheck(
    hazard: Hazard, actor: User | None, role: str, t: Transition, reason: str, now: datetime
) -> list[HazardEvent]:
    hazard.rectified_at = now
    hazard.recheck_deadline = deadlines.due(
        TimeLimitStep.RECHECK, hazard.risk_colour, hazard.community, now
    )
    return [
        _save_transition(hazard, actor, role, t, reason, now, ["rectified_at", "recheck_deadline"])
    ]


def _do_fix_on_spot(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    return _to_recheck(hazard, actor, role, t, reason, now)


def _do_pass_recheck(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    if hazard.is_major and role not in ("street_admin", "superuser"):
        raise TransitionForbidden(_("A major hazard is accepted by the street office."))
    hazard.rechecked_at = now
    hazard.closed_at = now
    return [_save_transition(hazard, actor, role, t, reason, now, ["rechecked_at", "closed_at"])]


def _do_fail_recheck(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    hazard.rechecked_at = now
    fields = ["rechecked_at"]
    new_deadline = _parse_deadline(data.get("deadline"), now)
    if new_deadline is not None:
        fields += _move_deadline(hazard, new_deadline, now)
    return [_save_transition(hazard, actor, role, t, reason, now, fields)]


def _do_reject(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    return [_save_transition(hazard, actor, role, t, reason, now, [])]


def _do_merge(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    target_ref = data.get("into")
    if not target_ref:
        raise HazardValidationError({"into": [_("Choose the file to merge into.")]})
    scope = Hazard.objects.all() if actor is None else Hazard.objects.restrict(actor, "change")
    target = (
        scope.select_for_update(of=("self",))
        .filter(pk=target_ref if str(target_ref).isdigit() else -1)
        .first()
        or scope.select_for_update(of=("self",)).filter(code=str(target_ref)).first()
    )
    if target is None or target.pk == hazard.pk:
        raise HazardValidationError({"into": [_("No such hazard to merge into.")]})
    if target.status not in OPEN_STATUSES:
        raise HazardValidationError({"into": [_("The file to merge into is no longer open.")]})
    hazard.merged_into = target
    event = _save_transition(
        hazard,
        actor,
        role,
        t,
        reason,
        now,
        ["merged_into"],
        {"into": target.pk, "into_code": target.code},
    )
    # The surviving file keeps both reporters and all evidence.
    people = [u for u in [hazard.reporter, *hazard.followers.all()] if u is not None]
    target.followers.add(*people)
    moved = list(hazard.attachments.values_list("pk", flat=True))
    Attachment.objects.filter(pk__in=moved).update(hazard=target)
    target_event = _event(
        target,
        EventKind.MERGE,
        actor,
        action="merge",
        from_status=target.status,
        to_status=target.status,
        reason=reason,
        data={"merged": hazard.pk, "merged_code": hazard.code, "attachments": moved},
        role=role,
        at=now,
    )
    return [event, target_event]


_HANDLERS = {
    "verify": _do_verify,
    "reject": _do_reject,
    "merge": _do_merge,
    "dispatch": _do_dispatch,
    "accept": _do_accept,
    "return": _do_return,
    "rectify": _do_rectify,
    "fix_on_spot": _do_fix_on_spot,
    "pass_recheck": _do_pass_recheck,
    "fail_recheck": _do_fail_recheck,
}
assert set(_HANDLERS) == set(TRANSITIONS), "every declared transition has a handler"
