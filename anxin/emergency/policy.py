"""Who may do what in emergency readiness: one answer for the actions, the API,
the pages' buttons and the forms.

Scope (which rows a user reaches at all) is ``restrict()``; this module adds
the role: a user holds a role *over* an area when one of their active
memberships of that role sits on the area or above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from anxin.areas.models import Area
from anxin.emergency import workflow
from anxin.emergency.choices import (
    PLAN_EDITORS,
    READINESS_MANAGERS,
    REVIEWERS,
    WEATHER_IMPORTERS,
)

if TYPE_CHECKING:
    from anxin.emergency.models import ResponseTask


def holds_role_over(user: Any, roles: Iterable[str], area: Area) -> bool:
    """True when ``user`` holds one of ``roles`` on ``area`` or an area above it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    wanted = set(roles)
    return any(
        m.role in wanted and m.area is not None and area.path.startswith(m.area.path)
        for m in user.active_memberships()
    )


def roles_over(user: Any, area: Area) -> set[str]:
    """The roles ``user`` holds on ``area`` or above it."""
    if user is None or not user.is_authenticated:
        return set()
    return {
        m.role
        for m in user.active_memberships()
        if m.area is not None and area.path.startswith(m.area.path)
    }


def may_manage_supplies(user: Any, area: Area) -> bool:
    return holds_role_over(user, READINESS_MANAGERS, area)


def may_edit_plans(user: Any, area: Area) -> bool:
    return holds_role_over(user, PLAN_EDITORS, area)


def may_manage_readiness(user: Any, area: Area) -> bool:
    """Drills, training records and the safety-month calendar."""
    return holds_role_over(user, READINESS_MANAGERS, area)


def may_import_weather(user: Any, area: Area) -> bool:
    return holds_role_over(user, WEATHER_IMPORTERS, area)


def may_fire(user: Any, name: str, area: Area, level: str) -> bool:
    """Whether ``user`` may fire stage transition ``name`` on a response of ``level``
    in ``area`` (``workflow.TRANSITIONS``)."""
    if user is None or not user.is_authenticated:
        return False
    return workflow.may_fire(roles_over(user, area), name, level, superuser=user.is_superuser)


def may_review(user: Any, area: Area) -> bool:
    return holds_role_over(user, REVIEWERS, area)


def may_check_off(user: Any, task: ResponseTask) -> bool:
    """A response task is checked off by its assignee, a member of its unit, a
    holder of its role in the response's area (a street's grid workers for a
    grid worker's task), its team's leader, or whoever commands the response."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or task.assignee_id == user.pk:
        return True
    response = task.response
    area = response.area
    if task.role and any(
        m.role == task.role
        and m.area is not None
        and (area.path.startswith(m.area.path) or m.area.path.startswith(area.path))
        for m in user.active_memberships()
    ):
        return True  # the role held in the response's area, above it or below it
    if task.organisation_id and any(
        m.organisation_id == task.organisation_id for m in user.active_memberships()
    ):
        return True
    if task.team_id and task.team is not None and task.team.leader_id == user.pk:
        return True
    return may_fire(user, "handle", area, response.level)


def require(allowed: bool, what: str) -> None:
    """Refuse with a clear reason when ``allowed`` is false."""
    if not allowed:
        raise PermissionDenied(_("Your role may not do this here: %(action)s.") % {"action": what})
