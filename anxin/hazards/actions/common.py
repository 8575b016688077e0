"""What every write of the hazard file shares: the timeline event, the side
effects scheduled on commit, the row lock with its scope check, evidence
uploads, deadlines read from user input, and the role checks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from anxin.accounts.choices import Role
from anxin.accounts.models import User
from anxin.accounts.selectors import roles_of
from anxin.hazards.attachments import CheckedFile, as_content, check_file
from anxin.hazards.choices import (
    SIX_ITEM_PLAN_FIELDS,
    Phase,
)
from anxin.hazards.errors import HazardValidationError, TransitionForbidden
from anxin.hazards.models import (
    Attachment,
    Hazard,
    HazardEvent,
)
from anxin.outbox.actions import enqueue

Upload = tuple[UploadedFile, str]  # (file, phase)


def _primary_role(actor: User | None, allowed: Iterable[str] = ()) -> str:
    roles = roles_of(actor)
    for role in allowed:
        if role in roles:
            return role
    if actor is not None and actor.is_superuser:
        return "superuser"
    return sorted(roles)[0] if roles else ("system" if actor is None else "")


def _event(
    hazard: Hazard,
    kind: str,
    actor: User | None,
    *,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    role: str = "",
    at: datetime | None = None,
    internal: bool = False,
    save: bool = True,
) -> HazardEvent:
    """An event of ``hazard``'s timeline, saved (or left to the caller to write)."""
    event = HazardEvent(
        hazard=hazard,
        kind=kind,
        action=action,
        actor=actor,
        actor_role=role or _primary_role(actor),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
        is_internal=internal,
        created_at=at or timezone.now(),
    )
    if save:
        event.save(force_insert=True)
    return event


# The background work of a change, keyed by its first event (see _after_commit).
HAZARD_CHANGED_TASK = "anxin.hazards.tasks.hazard_changed"
HAZARD_CHANGED_KEY = "hazard-changed:"


def _after_commit(hazard_id: int, kind: str, events: Sequence[HazardEvent]) -> None:
    """Side effects (warnings, notifications) run in the background after commit.

    The work is written to the outbox in this transaction, so it is never lost
    even if the broker is down; it is keyed by the first event so that it is
    enqueued once."""
    ids = [e.pk for e in events]
    enqueue(
        HAZARD_CHANGED_TASK,
        key=f"{HAZARD_CHANGED_KEY}{ids[0]}" if ids else None,
        hazard_id=hazard_id,
        kind=kind,
        event_ids=ids,
    )


def _store_files(
    hazard: Hazard,
    checked: Sequence[tuple[CheckedFile, str]],
    actor: User | None,
    event: HazardEvent | None,
) -> list[Attachment]:
    stored = []
    for item, phase in checked:
        original, public = as_content(item)
        attachment = Attachment(
            hazard=hazard,
            event=event,
            phase=phase,
            kind=item.kind,
            content_type=item.content_type,
            size=len(item.data),
            sha256=item.sha256,
            width=item.width,
            height=item.height,
            exif_taken_at=item.exif_taken_at,
            exif_lat=item.exif_lat,
            exif_lng=item.exif_lng,
            uploaded_by=actor,
        )
        attachment.file.save(original.name or "file", original, save=False)
        if public is not None:
            attachment.public_file.save(public.name or "public", public, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def check_uploads(uploads: Sequence[Upload]) -> list[tuple[CheckedFile, str]]:
    """Validate every upload before anything is written."""
    if len(uploads) > settings.ATTACHMENTS_PER_REQUEST:
        raise HazardValidationError(
            {
                "attachments": [
                    _("At most %(n)d files at a time.") % {"n": settings.ATTACHMENTS_PER_REQUEST}
                ]
            }
        )
    checked = []
    for upload, phase in uploads:
        if phase not in Phase.values:
            raise HazardValidationError({"phase": [_("Unknown phase %(p)s.") % {"p": phase}]})
        checked.append((check_file(upload), phase))
    return checked


def _lock(hazard_id: int, actor: User | None, action: str = "change") -> Hazard:
    queryset = Hazard.objects.all() if actor is None else Hazard.objects.restrict(actor, action)
    hazard = (
        queryset.select_for_update(of=("self",))
        .select_related("category", "category__parent", "community")
        .filter(pk=hazard_id)
        .first()
    )
    if hazard is None:
        if (
            actor is not None
            and Hazard.objects.restrict(actor, "view").filter(pk=hazard_id).exists()
        ):
            raise TransitionForbidden(_("You may see this hazard but not act on it."))
        raise Http404(_("No such hazard."))
    return hazard


def _move_deadline(hazard: Hazard, deadline: datetime | None, now: datetime) -> list[str]:
    """Set a (new) rectification deadline; the overdue sweep looks at the hazard
    again once it passes. Returns the fields to save."""
    hazard.deadline = deadline
    hazard.next_escalation_at = deadline
    fields = ["deadline", "next_escalation_at"]
    if deadline is not None and deadline > now:
        hazard.is_overdue = False
        hazard.overdue_since = None
        fields += ["is_overdue", "overdue_since"]
    return fields


def _to_moment(value: Any) -> datetime | None:
    """A date-time from user input (aware, local time zone); a bare date means
    the end of that working day (18:00). None when it cannot be read."""
    if isinstance(value, str):
        day = parse_date(value)
        value = datetime(day.year, day.month, day.day, 18, 0) if day else parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _parse_deadline(value: Any, now: datetime, field_name: str = "deadline") -> datetime | None:
    if value in (None, ""):
        return None
    moment = _to_moment(value)
    if moment is None:
        raise HazardValidationError({field_name: [_("Enter a valid date and time.")]})
    if moment <= now:
        raise HazardValidationError({field_name: [_("The deadline must be in the future.")]})
    return moment


def _parse_plan_deadline(value: Any) -> datetime | None:
    return _to_moment(value) if isinstance(value, str) else None


def _require_assignee(hazard: Hazard, actor: User | None) -> None:
    if actor is None or actor.is_superuser:
        return
    orgs = {m.organisation_id for m in actor.active_memberships() if m.organisation_id}
    if hazard.responsible_organisation_id not in orgs:
        raise TransitionForbidden(
            _("Only the organisation this hazard is dispatched to may do this.")
        )


def _plan_complete(plan: Any) -> bool:
    return isinstance(plan, dict) and all(
        str(plan.get(k) or "").strip() for k in SIX_ITEM_PLAN_FIELDS
    )


SUPERVISORS = frozenset({Role.STREET_ADMIN, Role.DISTRICT_ADMIN})
COMMUNITY_STAFF = frozenset(
    {Role.SAFETY_OFFICER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN}
)


def _require_role(actor: User, roles: Iterable[str], what: str) -> str:
    if actor.is_superuser:
        return "superuser"
    held = roles_of(actor) & set(roles)
    if not held:
        raise TransitionForbidden(_("Your role may not do this: %(action)s.") % {"action": what})
    return sorted(held)[0]


RECTIFIER_ROLES = frozenset({Role.PROPERTY_MANAGER, Role.DEPARTMENT})
