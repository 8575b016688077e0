"""Evaluation of warning rules: on each hazard change and in the periodic sweep.

Every evaluation is idempotent: it computes the cause of a warning and raises
it through ``actions.raise_warning``, which raises a cause once and adds later
hazards of the same cause to the warning already raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from anxin.areas.models import Area
from anxin.areas.spatial import distance_m
from anxin.hazards.choices import OPEN_STATUSES, Grade, RiskColour, SourceChannel, Status
from anxin.hazards.models import Hazard
from anxin.hazards.selectors import cells_within
from anxin.organisations.choices import OrganisationKind
from anxin.taxonomy.models import Category
from anxin.warnings.actions import WarningSpec, buildings_near, raise_warning
from anxin.warnings.choices import (
    GAS_LEAK_SUBCLASSES,
    GAS_MAIN_CLASS,
    ClusterWithin,
    RuleKind,
    WarningStatus,
)
from anxin.warnings.models import RiskWarning, WarningHazard, WarningRule
from anxin.warnings.selectors import rule_for_hazard, rules_in_force

log = logging.getLogger(__name__)

# Hazard changes that can raise a warning, and what they are evaluated for.
NEW_HAZARD_KINDS = frozenset({"reported", "verify"})
OVERDUE_KINDS = frozenset({"overdue", "escalation"})
EVALUATED_KINDS = NEW_HAZARD_KINDS | OVERDUE_KINDS
NOT_COUNTED = (Status.REJECTED, Status.MERGED)
LEVEL_FIELD = {"street": "street", "community": "community", "grid": "grid"}


def _text() -> override:
    """Warning titles are stored in the site's language."""
    from django.conf import settings

    return override(settings.LANGUAGE_CODE)


def department_label(kind: str) -> str:
    try:
        return str(OrganisationKind(kind).label)
    except ValueError:
        return kind


def departments_text(kinds: Iterable[str]) -> str:
    return "、".join(department_label(k) for k in sorted(set(kinds))) or "—"


def _main_class(category: Category) -> Category:
    return category.parent if category.parent_id and category.parent else category


def _in_class(queryset: QuerySet[Hazard], category: Category) -> QuerySet[Hazard]:
    if category.is_main_class:
        return queryset.filter(category__parent=category)
    return queryset.filter(category=category)


def _not_in_resolved(queryset: QuerySet[Hazard], **warning_filter: object) -> QuerySet[Hazard]:
    """Leave out hazards whose warning of this cause was already resolved: a
    resolved cause is not raised again by the same hazards."""
    linked = WarningHazard.objects.filter(
        warning__status=WarningStatus.RESOLVED,
        **{f"warning__{k}": v for k, v in warning_filter.items()},
    ).values("hazard_id")
    return queryset.exclude(pk__in=linked)


def _community_of(hazard: Hazard) -> Area:
    return hazard.community or hazard.grid or hazard.area


# --- per hazard ----------------------------------------------------------------------------
def evaluate_hazard(hazard_id: int, kind: str) -> list[RiskWarning]:
    """Evaluate the rules a change of one hazard may trigger."""
    hazard = (
        Hazard.objects.select_related(
            "category", "category__parent", "area", "street", "community", "grid"
        )
        .filter(pk=hazard_id)
        .first()
    )
    if hazard is None or kind not in EVALUATED_KINDS:
        return []
    raised: list[RiskWarning | None] = []
    with _text():
        if kind in NEW_HAZARD_KINDS:
            if kind == "reported":
                raised.append(single(hazard))
            gas = gas_alarm(hazard)
            raised.append(gas)
            if gas is None:
                raised.append(major_hazard(hazard))
            raised.append(cluster(hazard))
            raised.append(threshold_for_hazard(hazard))
        if kind in OVERDUE_KINDS:
            raised.append(overdue_yellow(hazard))
    return [w for w in raised if w is not None]


def single(hazard: Hazard) -> RiskWarning | None:
    """Blue: a new hazard; its grid worker follows it."""
    rule = rule_for_hazard(RuleKind.SINGLE, hazard)
    if rule is None or hazard.status not in OPEN_STATUSES:
        return None
    warning, _created = raise_warning(
        WarningSpec(
            kind=RuleKind.SINGLE,
            rule=rule,
            area=hazard.grid or hazard.area,
            cause_key=f"single:{hazard.pk}",
            title=_("Follow hazard %(code)s") % {"code": hazard.code},
            message=_("A new hazard in your grid: %(title)s, %(address)s.")
            % {"title": hazard.title, "address": hazard.address or "—"},
            hazards=[hazard],
        )
    )
    return warning


def is_gas_alarm(hazard: Hazard) -> bool:
    main = _main_class(hazard.category)
    return main.code == GAS_MAIN_CLASS and (
        hazard.category.code in GAS_LEAK_SUBCLASSES or hazard.source == SourceChannel.SENSOR
    )


def gas_alarm(hazard: Hazard) -> RiskWarning | None:
    """Red: a gas leak (or a gas sensor alarm); residents of the buildings around
    are sent a safety notice."""
    if not is_gas_alarm(hazard) or hazard.status not in OPEN_STATUSES:
        return None
    rule = rule_for_hazard(RuleKind.GAS_ALARM, hazard)
    if rule is None:
        return None
    district = Area.objects.filter(code=hazard.area_path.strip("/").split("/")[0]).first()
    building_ids = set(
        buildings_near([(hazard.lat, hazard.lng)], rule.radius_m or 100, district or hazard.area)
    )
    if hazard.building_id:
        building_ids.add(hazard.building_id)
    warning, _created = raise_warning(
        WarningSpec(
            kind=RuleKind.GAS_ALARM,
            rule=rule,
            area=hazard.grid or hazard.area,
            category=_main_class(hazard.category),
            cause_key=f"gas_alarm:{hazard.pk}",
            title=_("Gas alarm: %(code)s") % {"code": hazard.code},
            message=_(
                "Gas hazard %(code)s at %(address)s. Start the street emergency plan; "
                "residents nearby have been sent a safety notice."
            )
            % {"code": hazard.code, "address": hazard.address or hazard.area.name},
            hazards=[hazard],
            proposed_departments=[OrganisationKind.GAS],
            details={"building_ids": sorted(building_ids), "radius_m": rule.radius_m},
        )
    )
    return warning


def major_hazard(hazard: Hazard) -> RiskWarning | None:
    """Red: a major hazard (重大) or a red one: street emergency plan, district informed."""
    if hazard.status not in OPEN_STATUSES:
        return None
    if hazard.grade != Grade.MAJOR and hazard.risk_colour != RiskColour.RED:
        return None
    if RiskWarning.objects.filter(kind=RuleKind.GAS_ALARM, links__hazard=hazard).exists():
        return None  # already raised red as a gas alarm
    rule = rule_for_hazard(RuleKind.MAJOR_HAZARD, hazard)
    if rule is None:
        return None
    kind = hazard.category.responsible_kind
    warning, _created = raise_warning(
        WarningSpec(
            kind=RuleKind.MAJOR_HAZARD,
            rule=rule,
            area=hazard.grid or hazard.area,
            category=_main_class(hazard.category),
            cause_key=f"major_hazard:{hazard.pk}",
            title=_("Major hazard %(code)s") % {"code": hazard.code},
            message=_("%(title)s at %(address)s (%(grade)s, %(colour)s).")
            % {
                "title": hazard.title,
                "address": hazard.address or hazard.area.name,
                "grade": Grade(hazard.grade).label,
                "colour": RiskColour(hazard.risk_colour).label,
            },
            hazards=[hazard],
            proposed_departments=[kind] if kind else [],
        )
    )
    return warning


def _cluster_members(hazard: Hazard, rule: WarningRule, group_key: str) -> list[Hazard]:
    assert rule.window_days is not None
    since = timezone.now() - timedelta(days=rule.window_days)
    of_class = rule.category if rule.category and not rule.category.is_main_class else None
    category = of_class or _main_class(hazard.category)
    queryset = _in_class(
        Hazard.objects.filter(reported_at__gte=since).exclude(status__in=NOT_COUNTED), category
    )
    queryset = _not_in_resolved(queryset, group_key=group_key)
    if rule.cluster_within == ClusterWithin.COMMUNITY:
        return list(queryset.filter(community=_community_of(hazard)).order_by("pk"))
    radius = float(rule.radius_m or 200)
    resolution, cells = cells_within(hazard.lat, hazard.lng, radius)
    cell_field = "h3_r11" if resolution == 11 else "h3_r9"
    return [
        h
        for h in queryset.filter(**{f"{cell_field}__in": cells}).order_by("pk")
        if distance_m(hazard.lat, hazard.lng, h.lat, h.lng) <= radius
    ]


def cluster(hazard: Hazard) -> RiskWarning | None:
    """Yellow: N hazards of one class gather within a radius (or a community) in a
    window; a community special-governance task is opened with the warning."""
    rule = rule_for_hazard(RuleKind.CLUSTER, hazard)
    if rule is None or hazard.status in NOT_COUNTED:
        return None
    category = (
        rule.category
        if rule.category and not rule.category.is_main_class
        else _main_class(hazard.category)
    )
    community = _community_of(hazard)
    group_key = f"cluster:{rule.pk}:{category.code}:{community.pk}"
    members = _cluster_members(hazard, rule, group_key)
    if hazard.pk not in {h.pk for h in members} or len(members) < (rule.min_count or 2):
        return None
    window_start = timezone.localtime(min(h.reported_at for h in members)).date()
    warning, _created = raise_warning(
        WarningSpec(
            kind=RuleKind.CLUSTER,
            rule=rule,
            area=community,
            category=category,
            group_key=group_key,
            cause_key=f"{group_key}:{window_start:%Y%m%d}",
            title=_("%(class)s hazards gathering in %(community)s")
            % {"class": category.name, "community": community.name},
            message=_(
                "%(count)d hazards of %(class)s within %(where)s in %(days)d days. "
                "A special-governance task is opened for the community."
            )
            % {
                "count": len(members),
                "class": category.name,
                "where": (
                    _("%(m)d m") % {"m": rule.radius_m}
                    if rule.cluster_within == ClusterWithin.RADIUS
                    else community.name
                ),
                "days": rule.window_days,
            },
            hazards=members,
        )
    )
    return warning


def overdue_yellow(hazard: Hazard) -> RiskWarning | None:
    """Orange: a yellow hazard went overdue; the street coordinates and a whistle
    call to the departments these hazards need is proposed."""
    if (
        hazard.risk_colour != RiskColour.YELLOW
        or not hazard.is_overdue
        or hazard.status not in OPEN_STATUSES
    ):
        return None
    rule = rule_for_hazard(RuleKind.OVERDUE_YELLOW, hazard)
    if rule is None:
        return None
    community = _community_of(hazard)
    group_key = f"overdue_yellow:{rule.pk}:{community.pk}"
    if WarningHazard.objects.filter(warning__group_key=group_key, hazard=hazard).exists():
        return None
    kind = hazard.category.responsible_kind
    departments = [kind] if kind else []
    warning, _created = raise_warning(
        WarningSpec(
            kind=RuleKind.OVERDUE_YELLOW,
            rule=rule,
            area=community,
            group_key=group_key,
            cause_key=f"{group_key}:{hazard.pk}",
            title=_("Overdue yellow hazards in %(community)s need street coordination")
            % {"community": community.name},
            message=_("Yellow hazard %(code)s is overdue.") % {"code": hazard.code},
            hazards=[hazard],
            proposed_departments=departments,
        )
    )
    return warning


# --- per area ----------------------------------------------------------------------------------
def _area_at_level(hazard: Hazard, level: str) -> Area | None:
    field_name = LEVEL_FIELD.get(level)
    if field_name is not None:
        found: Area | None = getattr(hazard, field_name)
        return found
    codes = [c for c in hazard.area_path.strip("/").split("/") if c]
    return Area.objects.filter(code=codes[0]).first() if codes else None


def threshold_for_hazard(hazard: Hazard) -> RiskWarning | None:
    if hazard.risk_colour != RiskColour.RED or hazard.status not in OPEN_STATUSES:
        return None
    rule = rule_for_hazard(RuleKind.THRESHOLD, hazard)
    if rule is None:
        return None
    area = _area_at_level(hazard, rule.count_per)
    return threshold(rule, area) if area is not None else None


def _red_pending(rule: WarningRule, under: Area) -> QuerySet[Hazard]:
    queryset = Hazard.objects.filter(
        risk_colour=RiskColour.RED, status__in=OPEN_STATUSES, area_path__startswith=under.path
    )
    return _in_class(queryset, rule.category) if rule.category else queryset


def threshold(rule: WarningRule, area: Area) -> RiskWarning | None:
    """Red: the red hazards pending (not closed) in an area reach the threshold."""
    group_key = f"threshold:{rule.pk}:{area.pk}"
    pending = _not_in_resolved(_red_pending(rule, area), group_key=group_key)
    hazards = list(pending.order_by("pk"))
    limit = rule.threshold or 1
    if len(hazards) < limit:
        return None
    warning, _created = raise_warning(
        WarningSpec(
            kind=RuleKind.THRESHOLD,
            rule=rule,
            area=area,
            category=rule.category,
            group_key=group_key,
            cause_key=f"{group_key}:{hazards[0].pk}",
            title=_("Red hazards pending in %(area)s reached the threshold") % {"area": area.name},
            message=_("%(count)d red hazards are pending in %(area)s (threshold %(threshold)d).")
            % {"count": len(hazards), "area": area.name, "threshold": limit},
            hazards=hazards,
            details={"threshold": limit, "count_at_raise": len(hazards)},
        )
    )
    return warning


def cross_department(rule: WarningRule, grid: Area, hazards: list[Hazard]) -> RiskWarning | None:
    """Orange: the open hazards of one grid need K or more different departments."""
    kinds = sorted({h.category.responsible_kind for h in hazards if h.category.responsible_kind})
    if len(kinds) < (rule.min_count or 2):
        return None
    group_key = f"cross_department:{rule.pk}:{grid.pk}"
    warning, _created = raise_warning(
        WarningSpec(
            kind=RuleKind.CROSS_DEPARTMENT,
            rule=rule,
            area=grid,
            group_key=group_key,
            cause_key=f"{group_key}:{hazards[0].pk}",
            title=_("Several departments needed in %(grid)s") % {"grid": grid.name},
            message=_("%(count)d open hazards in %(grid)s need %(n)d different departments.")
            % {"count": len(hazards), "grid": grid.name, "n": len(kinds)},
            hazards=hazards,
            proposed_departments=kinds,
        )
    )
    return warning


# --- the sweep ---------------------------------------------------------------------------------
@dataclass
class SweepResult:
    evaluated: int = 0
    warnings: list[int] = field(default_factory=list)


def _in_force_at(rule: WarningRule, area: Area, rules: list[WarningRule]) -> bool:
    return any(r.pk == rule.pk for r in rules_in_force(rule.kind, area.path, rules))


def sweep() -> SweepResult:
    """The periodic evaluation: overdue yellow hazards, cross-department grids and
    red-hazard thresholds. Idempotent: a cause already raised is not raised again."""
    result = SweepResult()
    rules = list(
        WarningRule.objects.filter(is_active=True).select_related("area", "category").order_by("pk")
    )
    with _text():
        for rule in rules:
            if rule.kind == RuleKind.OVERDUE_YELLOW:
                _sweep_overdue_yellow(rule, result)
            elif rule.kind == RuleKind.THRESHOLD:
                _sweep_threshold(rule, rules, result)
            elif rule.kind == RuleKind.CROSS_DEPARTMENT:
                _sweep_cross_department(rule, rules, result)
    return result


def _record(result: SweepResult, warning: RiskWarning | None) -> None:
    result.evaluated += 1
    if warning is not None and warning.pk not in result.warnings:
        result.warnings.append(warning.pk)


def _sweep_overdue_yellow(rule: WarningRule, result: SweepResult) -> None:
    candidates = Hazard.objects.filter(
        risk_colour=RiskColour.YELLOW,
        is_overdue=True,
        status__in=OPEN_STATUSES,
        area_path__startswith=rule.area.path,
    ).exclude(
        pk__in=WarningHazard.objects.filter(warning__kind=RuleKind.OVERDUE_YELLOW).values(
            "hazard_id"
        )
    )
    for hazard in candidates.select_related(
        "category", "category__parent", "area", "community", "grid"
    ).order_by("pk"):
        _record(result, overdue_yellow(hazard))


def _sweep_threshold(rule: WarningRule, rules: list[WarningRule], result: SweepResult) -> None:
    pending = _not_in_resolved(_red_pending(rule, rule.area), rule=rule)
    field_name = LEVEL_FIELD.get(rule.count_per)
    limit = rule.threshold or 1
    if field_name is None:  # counted over the rule's whole district
        if pending.count() >= limit and _in_force_at(rule, rule.area, rules):
            _record(result, threshold(rule, rule.area))
        return
    over = (
        pending.exclude(**{f"{field_name}__isnull": True})
        .values(field_name)
        .annotate(n=Count("pk"))
        .filter(n__gte=limit)
    )
    area_ids = [row[field_name] for row in over]
    for area in Area.objects.filter(pk__in=area_ids).order_by("path"):
        if _in_force_at(rule, area, rules):
            _record(result, threshold(rule, area))


def _sweep_cross_department(
    rule: WarningRule, rules: list[WarningRule], result: SweepResult
) -> None:
    open_hazards = _not_in_resolved(
        Hazard.objects.filter(
            status__in=OPEN_STATUSES, area_path__startswith=rule.area.path, grid__isnull=False
        ),
        rule=rule,
    )
    grids = (
        open_hazards.exclude(category__responsible_kind="")
        .values("grid")
        .annotate(n=Count("category__responsible_kind", distinct=True))
        .filter(n__gte=rule.min_count or 2)
    )
    grid_ids = [row["grid"] for row in grids]
    for grid in Area.objects.filter(pk__in=grid_ids).order_by("path"):
        if not _in_force_at(rule, grid, rules):
            continue
        hazards = list(open_hazards.filter(grid=grid).select_related("category").order_by("pk"))
        _record(result, cross_department(rule, grid, hazards))
