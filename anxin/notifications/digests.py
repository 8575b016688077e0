"""The daily digest (grid workers, community admins) and deadline reminders."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.choices import Role
from anxin.notifications import actions, selectors
from anxin.notifications.choices import Severity

if TYPE_CHECKING:
    from anxin.accounts.models import User
    from anxin.hazards.models import Hazard

log = logging.getLogger(__name__)

DIGEST_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN)
DIGEST_LINES = 20


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start, start + timedelta(days=1)


def digest_hazards(user: User, now: datetime) -> tuple[list[Hazard], list[Hazard]]:
    """(due today, went overdue since yesterday) among the hazards the user sees."""
    from anxin.hazards.choices import DEADLINE_STATUSES
    from anxin.hazards.models import Hazard

    start, end = _local_day_bounds(timezone.localtime(now).date())
    visible: QuerySet[Hazard] = Hazard.objects.restrict(user, "view")
    due = list(
        visible.filter(status__in=DEADLINE_STATUSES, deadline__gte=now, deadline__lt=end)
        .order_by("deadline", "pk")
        .distinct()
    )
    overdue = list(
        visible.filter(
            status__in=DEADLINE_STATUSES,
            is_overdue=True,
            overdue_since__gte=start - timedelta(days=1),
            overdue_since__lt=now,
        )
        .order_by("overdue_since", "pk")
        .distinct()
    )
    return due, overdue


def _lines(hazards: list[Hazard], when: str) -> list[str]:
    lines = []
    for hazard in hazards[:DIGEST_LINES]:
        at = getattr(hazard, when)
        stamp = timezone.localtime(at).strftime("%m-%d %H:%M") if at else ""
        lines.append(f"- {hazard.code} {hazard.title} ({stamp})")
    if len(hazards) > DIGEST_LINES:
        lines.append(_("… and %(count)s more") % {"count": len(hazards) - DIGEST_LINES})
    return lines


def digest_for(user: User, now: datetime) -> bool:
    """Send one user's digest for today; False when there is nothing to say."""
    if not actions.preference_for(user).digest_enabled:
        return False
    due, overdue = digest_hazards(user, now)
    if not due and not overdue:
        return False
    day = timezone.localtime(now).date()
    parts: list[str] = []
    if due:
        parts.append(_("Due today (%(count)s):") % {"count": len(due)})
        parts.extend(_lines(due, "deadline"))
    if overdue:
        if parts:
            parts.append("")
        parts.append(_("Overdue since yesterday (%(count)s):") % {"count": len(overdue)})
        parts.extend(_lines(overdue, "overdue_since"))
    created = actions.notify(
        [user],
        kind="digest",
        title=_("Daily digest for %(day)s: %(due)s due today, %(overdue)s overdue")
        % {"day": day.isoformat(), "due": len(due), "overdue": len(overdue)},
        body="\n".join(parts),
        severity=Severity.WARNING if overdue else Severity.INFO,
        key=f"digest:{day.isoformat()}:{user.pk}",
    )
    return bool(created)


def send_daily_digests(now: datetime | None = None) -> int:
    from anxin.accounts.models import User

    now = now or timezone.now()
    users = (
        User.objects.filter(
            is_active=True, memberships__is_active=True, memberships__role__in=DIGEST_ROLES
        )
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for user in users.iterator():
        with transaction.atomic():
            if digest_for(user, now):
                sent += 1
    return sent


def send_reminders(now: datetime | None = None) -> int:
    """Remind before deadlines: rectification (responsible organisation) and
    recheck (the community's safety officers). Keyed by deadline, so each
    deadline is reminded once, and again after an extension moves it."""
    from anxin.hazards.choices import DEADLINE_STATUSES, Status
    from anxin.hazards.models import Hazard

    now = now or timezone.now()
    rectify_window = now + timedelta(hours=int(settings.NOTIFY_REMIND_RECTIFY_HOURS))
    recheck_window = now + timedelta(hours=int(settings.NOTIFY_REMIND_RECHECK_HOURS))
    count = 0
    rectify = Hazard.objects.filter(
        status__in=DEADLINE_STATUSES,
        deadline__gt=now,
        deadline__lte=rectify_window,
        responsible_organisation__isnull=False,
    ).select_related("responsible_organisation", "community")
    for hazard in rectify.order_by("deadline", "pk").iterator():
        assert hazard.deadline is not None
        users = selectors.visible_only(
            selectors.members_of_organisation(hazard.responsible_organisation), hazard.pk
        )
        count += _remind(hazard, users, "rectify", hazard.deadline)
    recheck = Hazard.objects.filter(
        status=Status.AWAITING_RECHECK,
        recheck_deadline__gt=now,
        recheck_deadline__lte=recheck_window,
    ).select_related("community")
    for hazard in recheck.order_by("recheck_deadline", "pk").iterator():
        assert hazard.recheck_deadline is not None
        users = selectors.visible_only(
            selectors.members_with_role(Role.SAFETY_OFFICER, hazard.community), hazard.pk
        )
        count += _remind(hazard, users, "recheck", hazard.recheck_deadline)
    return count


def _remind(hazard: Hazard, users: list[User], kind: str, deadline: datetime) -> int:
    if not users:
        return 0
    stamp = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    if kind == "rectify":
        title = _("Rectification due by %(deadline)s: %(hazard)s")
    else:
        title = _("Recheck due by %(deadline)s: %(hazard)s")
    label = f"{hazard.code} {hazard.title}".strip()
    with transaction.atomic():
        created = actions.notify(
            users,
            kind=f"remind_{kind}",
            title=title % {"deadline": stamp, "hazard": label},
            body=label,
            link=selectors.hazard_link(hazard.pk),
            severity=Severity.WARNING,
            key=f"remind:{kind}:{hazard.pk}:{deadline.isoformat()}",
            hazard_id=hazard.pk,
        )
    return len(created)
