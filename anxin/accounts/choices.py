"""Roles, scopes and what each role may do (DESIGN §1).

This table is the one place that says which role sees what by default; the
scoping code in ``anxin.core.scoping`` reads it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    STREET_ADMIN = "street_admin", _("Street office (comprehensive governance)")
    COMMUNITY_ADMIN = "community_admin", _("Community administrator")
    SAFETY_OFFICER = "safety_officer", _("Community safety officer")
    GRID_WORKER = "grid_worker", _("Grid worker")
    PROPERTY_MANAGER = "property_manager", _("Property manager")
    DEPARTMENT = "department", _("Functional department")
    BUILDING_LEADER = "building_leader", _("Building leader")
    EXPERT = "expert", _("Expert")
    EVALUATOR = "evaluator", _("Third-party evaluator")
    RESIDENT = "resident", _("Resident")


class Scope(models.TextChoices):
    ALL = "ALL", _("Everything")
    ORG_AND_BELOW = "ORG_AND_BELOW", _("Own node and everything below it")
    ORG = "ORG", _("Exactly own node")
    ASSIGNED = "ASSIGNED", _("Assigned to own organisation")
    SELF = "SELF", _("Own records only")


class Action(models.TextChoices):
    """What a user wants to do with a set of objects; ``restrict`` filters by it."""

    VIEW = "view", _("View")
    EXPORT = "export", _("Export")
    CHANGE = "change", _("Change")
    MANAGE = "manage", _("Manage the org tree and users")


class AuditVerb(models.TextChoices):
    VIEW_PERSONAL_DATA = "view_personal_data", _("Viewed personal data unmasked")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out after repeated failures")
    MEMBERSHIP_GRANTED = "membership_granted", _("Role granted")
    MEMBERSHIP_REVOKED = "membership_revoked", _("Role revoked")
    AREAS_IMPORTED = "areas_imported", _("Org tree imported")
    PROFILE_CHANGED = "profile_changed", _("Profile changed")
    PASSWORD_RESET = "password_reset", _("Password set with a code sent by SMS")


V, E, C, M = Action.VIEW, Action.EXPORT, Action.CHANGE, Action.MANAGE

# role -> (default scope, area level the membership must sit on (None: any / none),
#          whether an organisation is required, actions the role may take)
ROLE_POLICY: dict[str, tuple[str, str | None, bool, frozenset[str]]] = {
    Role.DISTRICT_ADMIN: (Scope.ORG_AND_BELOW, "district", False, frozenset({V, E, C, M})),
    Role.STREET_ADMIN: (Scope.ORG_AND_BELOW, "street", False, frozenset({V, E, C, M})),
    Role.COMMUNITY_ADMIN: (Scope.ORG_AND_BELOW, "community", False, frozenset({V, E, C, M})),
    Role.SAFETY_OFFICER: (Scope.ORG_AND_BELOW, "community", False, frozenset({V, E, C})),
    Role.GRID_WORKER: (Scope.ORG_AND_BELOW, "grid", False, frozenset({V, E, C})),
    Role.PROPERTY_MANAGER: (Scope.ASSIGNED, None, True, frozenset({V, E, C})),
    Role.DEPARTMENT: (Scope.ASSIGNED, None, True, frozenset({V, E, C})),
    Role.BUILDING_LEADER: (Scope.ORG_AND_BELOW, "building", False, frozenset({V})),
    Role.EXPERT: (Scope.ASSIGNED, None, False, frozenset({V})),
    Role.EVALUATOR: (Scope.ORG_AND_BELOW, None, False, frozenset({V, E})),
    Role.RESIDENT: (Scope.SELF, None, False, frozenset({V})),
}

# Roles whose members never see personal data unmasked, whatever else they hold.
ALWAYS_MASKED_ROLES = frozenset({Role.EVALUATOR})
# Roles that count as staff for the purpose of masking: their names and phone
# numbers are work contacts; residents' are personal data.
RESIDENT_ROLES = frozenset({Role.RESIDENT})


def default_scope(role: str) -> str:
    return ROLE_POLICY[role][0]


def required_level(role: str) -> str | None:
    return ROLE_POLICY[role][1]


def requires_organisation(role: str) -> bool:
    return ROLE_POLICY[role][2]


def role_allows(role: str, action: str) -> bool:
    return action in ROLE_POLICY[role][3]


def role_label(code: str, unknown: Any = None) -> str:
    """The name of the role an event was recorded under: "System" and
    "Administrator" for the system and a superuser, ``unknown`` (by default
    the code itself) for anything else."""
    if code in Role.values:
        return str(Role(code).label)
    named = {"system": _("System"), "superuser": _("Administrator")}
    if code in named:
        return str(named[code])
    return str(code if unknown is None else unknown)
