"""Reads of the notifications app: inboxes and who is told about a hazard."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from anxin.accounts.choices import Role
from anxin.accounts.selectors import is_resident_only
from anxin.areas.choices import Level
from anxin.areas.models import Area
from anxin.notifications.models import Notification

if TYPE_CHECKING:
    from anxin.accounts.models import User
    from anxin.hazards.models import Hazard
    from anxin.organisations.models import Organisation


def own(notifications: QuerySet[Notification], user: Any) -> QuerySet[Notification]:
    """Of ``notifications``, those addressed to ``user``: even a superuser's
    inbox (who may see every notification) holds only their own."""
    return notifications.filter(recipient_id=getattr(user, "pk", None))


def inbox(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return own(Notification.objects.restrict(user, "view"), user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return inbox(user).filter(read_at__isnull=True).count()


def hazard_link(hazard_id: int) -> str:
    """The hazard's page if the pages exist, else its API resource."""
    for name in ("hazards:detail", "hazards:hazard-detail", "api:hazard-detail"):
        try:
            return reverse(name, args=[hazard_id])
        except NoReverseMatch:
            continue
    return ""


HAZARD_PAGE = re.compile(r"^/hazards/(\d+)/$")


def link_for(user: Any, link: str) -> str:
    """A stored link as ``user`` should follow it: a resident opens a hazard in
    the phone app (``/m/reports/<id>/``) rather than on the staff workbench."""
    found = HAZARD_PAGE.match(link or "")
    if found is None or not is_resident_only(user):
        return link
    try:
        return reverse("residents:report_detail", args=[int(found.group(1))])
    except NoReverseMatch:
        return link


def _active_users(qs: QuerySet[User]) -> list[User]:
    return list(qs.filter(is_active=True).distinct().order_by("pk"))


def members_with_role(role: str, area: Area | None) -> list[User]:
    """Active users holding ``role`` bound to exactly ``area``."""
    from anxin.accounts.models import User

    if area is None:
        return []
    return _active_users(
        User.objects.filter(
            memberships__role=role, memberships__area=area, memberships__is_active=True
        )
    )


def members_of_organisation(organisation: Organisation | None) -> list[User]:
    from anxin.accounts.models import User

    if organisation is None:
        return []
    return _active_users(
        User.objects.filter(
            memberships__organisation=organisation, memberships__is_active=True
        ).exclude(memberships__role=Role.RESIDENT)
    )


def district_of(hazard: Hazard) -> Area | None:
    area = hazard.street or hazard.community or hazard.area
    if area is None:
        return None
    return Area.objects.filter(code__in=area.ancestor_codes(), level=Level.DISTRICT).first()


def escalation_recipients(hazard: Hazard, level: int) -> list[User]:
    """Admins at the escalation level: 1 community, 2 street, 3 district."""
    if level <= 1:
        return members_with_role(Role.COMMUNITY_ADMIN, hazard.community)
    if level == 2:
        return members_with_role(Role.STREET_ADMIN, hazard.street)
    return members_with_role(Role.DISTRICT_ADMIN, district_of(hazard))


def reporter_and_followers(hazard: Hazard) -> list[User]:
    users: list[User] = []
    if hazard.reporter is not None:
        users.append(hazard.reporter)
    users.extend(hazard.followers.filter(is_active=True).order_by("pk"))
    return users


def can_see_hazard(user: User, hazard_id: int) -> bool:
    from anxin.hazards.models import Hazard

    return Hazard.objects.restrict(user, "view").filter(pk=hazard_id).exists()


def visible_only(users: Iterable[User | None], hazard_id: int) -> list[User]:
    """Drop duplicates, inactive users and anyone who may not see the hazard."""
    seen: set[int] = set()
    result: list[User] = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if can_see_hazard(user, hazard_id):
            result.append(user)
    return result
