"""Reads of warnings and rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from anxin.accounts.models import Membership, User
from anxin.areas.models import Area
from anxin.hazards.models import Hazard
from anxin.warnings.choices import MANAGER_ROLES, WarningLevel, WarningStatus
from anxin.warnings.models import RiskWarning, SpecialGovernanceTask, WarningEvent, WarningRule

STAFF_ROLES = frozenset(
    {*MANAGER_ROLES, "grid_worker", "evaluator", "department", "property_manager", "expert"}
)


def may_see_warnings(user: Any) -> bool:
    """Staff with an area see the warnings page (residents do not)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(user.roles & (MANAGER_ROLES | {"grid_worker"}))


def rules_in_force(
    kind: str, area_path: str, rules: Iterable[WarningRule] | None = None
) -> list[WarningRule]:
    """Active rules of ``kind`` that apply at ``area_path``: for each hazard class,
    the rule set on the deepest area at or above it."""
    codes = [code for code in area_path.strip("/").split("/") if code]
    if rules is None:
        candidates: Iterable[WarningRule] = WarningRule.objects.filter(
            kind=kind, is_active=True, area__code__in=codes
        ).select_related("area", "category", "category__parent")
    else:
        candidates = [
            r for r in rules if r.kind == kind and r.is_active and area_path.startswith(r.area.path)
        ]
    best: dict[int | None, WarningRule] = {}
    for rule in candidates:
        current = best.get(rule.category_id)
        if current is None or rule.area.depth > current.area.depth:
            best[rule.category_id] = rule
    return sorted(best.values(), key=lambda r: (r.category_id or 0, r.pk))


def _specificity(rule: WarningRule) -> int:
    if rule.category_id is None:
        return 0
    return 2 if rule.category is not None and not rule.category.is_main_class else 1


def rule_matches_category(rule: WarningRule, hazard: Hazard) -> bool:
    if rule.category_id is None:
        return True
    return rule.category_id in (hazard.category_id, hazard.category.parent_id)


def rule_for_hazard(
    kind: str, hazard: Hazard, rules: Iterable[WarningRule] | None = None
) -> WarningRule | None:
    """The one rule of ``kind`` in force for this hazard: the deepest area wins,
    then the most specific hazard class."""
    codes = [code for code in hazard.area_path.strip("/").split("/") if code]
    if rules is None:
        candidates: Iterable[WarningRule] = WarningRule.objects.filter(
            kind=kind, is_active=True, area__code__in=codes
        ).select_related("area", "category")
    else:
        candidates = [
            r
            for r in rules
            if r.kind == kind and r.is_active and hazard.area_path.startswith(r.area.path)
        ]
    matching = [r for r in candidates if rule_matches_category(r, hazard)]
    if not matching:
        return None
    return max(matching, key=lambda r: (r.area.depth, _specificity(r), -r.pk))


def rules_in_force_count(user: Any) -> int:
    """How many active rules the user's areas have (set there, below or above)."""
    return WarningRule.objects.restrict(user, "view").filter(is_active=True).count()


def open_warnings(user: User) -> QuerySet[RiskWarning]:
    return RiskWarning.objects.restrict(user, "view").exclude(status=WarningStatus.RESOLVED)


def may_change_warning(warning: RiskWarning, user: Any) -> bool:
    """Whether the warning lies in the user's change scope."""
    return RiskWarning.objects.restrict(user, "change").filter(pk=warning.pk).exists()


def governance_task(warning: RiskWarning) -> SpecialGovernanceTask | None:
    return SpecialGovernanceTask.objects.filter(warning=warning).first()


def timeline(warning: RiskWarning) -> QuerySet[WarningEvent]:
    return warning.events.select_related("actor")


def visible_hazards(warning: RiskWarning, user: Any) -> QuerySet[Hazard]:
    """The warning's hazards that this user may see."""
    return (
        Hazard.objects.restrict(user, "view")
        .filter(warning_links__warning=warning)
        .select_related("category")
        .order_by("id")
    )


def members_with_roles(roles: Iterable[str], areas: Iterable[Area]) -> list[User]:
    """Active users holding one of ``roles`` on one of ``areas`` or an area above them."""
    codes: set[str] = set()
    for area in areas:
        codes.update(area.ancestor_codes())
    if not codes:
        return []
    user_ids = (
        Membership.objects.filter(
            role__in=list(roles), is_active=True, area__code__in=codes, user__is_active=True
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=user_ids).order_by("pk"))


def members_below(roles: Iterable[str], area: Area) -> list[User]:
    """Active users holding one of ``roles`` on ``area`` or an area below it."""
    user_ids = Membership.objects.filter(
        role__in=list(roles), is_active=True, area__path__startswith=area.path, user__is_active=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids).order_by("pk"))


def level_order(level: str) -> int:
    return [WarningLevel.BLUE, WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED].index(
        WarningLevel(level)
    )
