"""Fan-out: who is told about a hazard change (DESIGN §5, §6).

Connected to ``anxin.hazards.signals.hazard_changed`` in ``AppConfig.ready``; it
runs in the worker after the change committed. Every notification is keyed by
``f"{kind}:{event_id}:{user_id}"``, so a re-run creates nothing new. Only users
who may see the hazard are told (residents: their own reports and followed
hazards).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from anxin.accounts.choices import Role
from anxin.notifications import actions, selectors
from anxin.notifications.choices import Severity
from anxin.taxonomy.choices import RiskColour

if TYPE_CHECKING:
    from anxin.accounts.models import User
    from anxin.hazards.models import Hazard, HazardEvent

log = logging.getLogger(__name__)

COLOUR_SEVERITY = {
    RiskColour.RED: Severity.URGENT,
    RiskColour.ORANGE: Severity.WARNING,
}


def _severity(hazard: Hazard) -> str:
    return COLOUR_SEVERITY.get(hazard.risk_colour, Severity.INFO)  # type: ignore[call-overload]


def _label(hazard: Hazard) -> str:
    return f"{hazard.code} {hazard.title}".strip()


def _send(
    users: Iterable[User | None],
    hazard: Hazard,
    *,
    kind: str,
    event_id: int,
    title: str,
    body: str,
    severity: str | None = None,
) -> int:
    """Notify each visible user once per (kind, event)."""
    link = selectors.hazard_link(hazard.pk)
    count = 0
    for user in selectors.visible_only(users, hazard.pk):
        count += len(
            actions.notify(
                [user],
                kind=kind,
                title=title,
                body=body,
                link=link,
                severity=severity or _severity(hazard),
                key=f"{kind}:{event_id}:{user.pk}",
                hazard_id=hazard.pk,
            )
        )
    return count


def _body(hazard: Hazard, event: HazardEvent | None) -> str:
    parts = [_label(hazard)]
    if hazard.address:
        parts.append(_("Address: %(address)s") % {"address": hazard.address})
    if hazard.deadline:
        from django.utils import timezone

        parts.append(
            _("Deadline: %(deadline)s")
            % {"deadline": timezone.localtime(hazard.deadline).strftime("%Y-%m-%d %H:%M")}
        )
    if event is not None and event.reason and not event.is_internal:
        parts.append(_("Reason: %(reason)s") % {"reason": event.reason})
    return "\n".join(parts)


def _community_officers(hazard: Hazard) -> list[User]:
    return selectors.members_with_role(Role.SAFETY_OFFICER, hazard.community)


def fan_out(hazard: Hazard, kind: str, events: Sequence[HazardEvent]) -> int:
    """Notify the people concerned by ``kind`` on ``hazard``; returns the count."""
    if not events:
        return 0
    first = events[0]
    body = _body(hazard, first)
    label = _label(hazard)
    org_members = selectors.members_of_organisation(hazard.responsible_organisation)
    sent = 0

    def send(users: Iterable[User | None], title: str, **kw: Any) -> None:
        nonlocal sent
        sent += _send(users, hazard, kind=kind, event_id=first.pk, title=title, body=body, **kw)

    if kind == "reported":
        send([hazard.grid_worker], _("New hazard reported: %(hazard)s") % {"hazard": label})
        if hazard.risk_colour == RiskColour.RED:
            district = selectors.district_of(hazard)
            admins = selectors.members_with_role(
                Role.STREET_ADMIN, hazard.street
            ) + selectors.members_with_role(Role.DISTRICT_ADMIN, district)
            title = _("Red hazard reported: %(hazard)s") % {"hazard": label}
            send(admins, title, severity=Severity.URGENT)
            if hazard.area is not None:
                actions.notify_area_robots(
                    hazard.area,
                    title=title,
                    body=body,
                    link=selectors.hazard_link(hazard.pk),
                    severity=Severity.URGENT,
                    key=f"{kind}:{first.pk}",
                )
    elif kind == "verify" and first.kind == "review":
        # A review tier is done but more are needed: tell the next reviewer.
        tier = int((first.data or {}).get("tier") or 1)
        if tier <= 1:
            reviewers = _community_officers(hazard)
        else:
            reviewers = selectors.members_with_role(Role.STREET_ADMIN, hazard.street)
        send(reviewers, _("Hazard awaits your review: %(hazard)s") % {"hazard": label})
    elif kind in ("verify", "dispatch"):
        if hazard.responsible_organisation is not None:
            send(org_members, _("Hazard dispatched to you: %(hazard)s") % {"hazard": label})
    elif kind == "return":
        send(
            _community_officers(hazard),
            _("Work order returned for re-dispatch: %(hazard)s") % {"hazard": label},
        )
    elif kind in ("rectify", "fix_on_spot"):
        send(
            _community_officers(hazard),
            _("Hazard awaits your recheck: %(hazard)s") % {"hazard": label},
        )
    elif kind == "fail_recheck":
        send(org_members, _("Recheck failed, rectify again: %(hazard)s") % {"hazard": label})
    elif kind == "pass_recheck":
        send(
            selectors.reporter_and_followers(hazard),
            _("Hazard rectified and closed: %(hazard)s") % {"hazard": label},
        )
    elif kind == "publicise":
        send(
            selectors.reporter_and_followers(hazard),
            _("Hazard publicised: %(hazard)s") % {"hazard": label},
        )
    elif kind == "reject":
        send(
            [hazard.reporter],
            _("Your report was not confirmed: %(hazard)s") % {"hazard": label},
        )
    elif kind in ("overdue", "escalation"):
        for event in events:
            if event.action == "overdue" or event.kind == "overdue":
                sent += _send(
                    [*org_members, hazard.grid_worker],
                    hazard,
                    kind="overdue",
                    event_id=event.pk,
                    title=_("Hazard overdue: %(hazard)s") % {"hazard": label},
                    body=body,
                    severity=Severity.WARNING
                    if hazard.risk_colour != RiskColour.RED
                    else Severity.URGENT,
                )
            elif event.kind == "escalation":
                level = int((event.data or {}).get("level") or hazard.escalation_level or 1)
                sent += _send(
                    selectors.escalation_recipients(hazard, level),
                    hazard,
                    kind="escalation",
                    event_id=event.pk,
                    title=_("Overdue hazard escalated to you: %(hazard)s") % {"hazard": label},
                    body=body,
                    severity=Severity.WARNING
                    if hazard.risk_colour != RiskColour.RED
                    else Severity.URGENT,
                )
    return sent


def on_hazard_changed(
    sender: Any, hazard_id: int, kind: str, event_ids: Sequence[int] = (), **kwargs: Any
) -> None:
    from anxin.hazards.models import Hazard, HazardEvent

    hazard = (
        Hazard.objects.select_related(
            "area",
            "street",
            "community",
            "grid",
            "reporter",
            "grid_worker",
            "responsible_organisation",
        )
        .filter(pk=hazard_id)
        .first()
    )
    if hazard is None:
        return
    events = list(HazardEvent.objects.filter(pk__in=list(event_ids)).order_by("created_at", "id"))
    with transaction.atomic():
        count = fan_out(hazard, kind, events)
    log.debug("notifications: %s on hazard %s → %s notification(s)", kind, hazard_id, count)
