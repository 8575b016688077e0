"""What a rule would have raised: the rule form's preview over the last 90 days.

The preview replays the hazards the admin may see under the rule's area against
the rule's parameters (an unsaved rule works too). It reads only: nothing is
raised. Where the past cannot be replayed exactly (which hazards of a grid were
open together), the preview says it is an estimate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.areas.choices import PlaceKind
from anxin.areas.models import Area, Place
from anxin.areas.spatial import distance_m
from anxin.hazards.choices import Grade, RiskColour, SourceChannel, Status
from anxin.hazards.models import Hazard
from anxin.warnings.actions import buildings_near
from anxin.warnings.choices import (
    GAS_LEAK_SUBCLASSES,
    GAS_MAIN_CLASS,
    ClusterWithin,
    RuleKind,
)
from anxin.warnings.models import RiskWarning, WarningRule

PREVIEW_DAYS = 90
SHOWN = 20
NOT_COUNTED = (Status.REJECTED, Status.MERGED)


@dataclass
class PreviewItem:
    at: datetime
    where: str
    text: str
    hazards: int = 1


@dataclass
class RulePreview:
    kind: str
    days: int
    count: int
    items: list[PreviewItem] = field(default_factory=list)
    note: str = ""


def _hazards(rule: WarningRule, user: Any, since: datetime) -> QuerySet[Hazard]:
    queryset = (
        Hazard.objects.restrict(user, "view")
        .filter(area_path__startswith=rule.area.path, reported_at__gte=since)
        .exclude(status__in=NOT_COUNTED)
        .select_related("category", "category__parent", "community", "grid", "street")
    )
    category = rule.category
    if category is not None:
        if category.is_main_class:
            queryset = queryset.filter(Q(category=category) | Q(category__parent=category))
        else:
            queryset = queryset.filter(category=category)
    return queryset


def _where(hazard: Hazard) -> str:
    node = hazard.community or hazard.grid or hazard.street
    return node.name if node is not None else ""


def _main_code(hazard: Hazard) -> str:
    return hazard.category.code[:2]


def preview_rule(
    rule: WarningRule, user: Any, now: datetime | None = None, days: int = PREVIEW_DAYS
) -> RulePreview:
    """Replay ``rule`` (validated, saved or not) over the last ``days`` days."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    kind = rule.kind
    if kind == RuleKind.SINGLE:
        found = [
            PreviewItem(h.reported_at, _where(h), f"{h.code} {h.title}")
            for h in _hazards(rule, user, since)
        ]
        return _result(kind, days, found)
    if kind == RuleKind.MAJOR_HAZARD:
        found = [
            PreviewItem(h.reported_at, _where(h), f"{h.code} {h.title}")
            for h in _hazards(rule, user, since).filter(
                Q(grade=Grade.MAJOR) | Q(risk_colour=RiskColour.RED)
            )
        ]
        return _result(kind, days, found)
    if kind == RuleKind.GAS_ALARM:
        found = [
            PreviewItem(h.reported_at, _where(h), f"{h.code} {h.title}")
            for h in _hazards(rule, user, since).filter(category__code__startswith=GAS_MAIN_CLASS)
            if h.category.code in GAS_LEAK_SUBCLASSES or h.source == SourceChannel.SENSOR
        ]
        return _result(kind, days, found)
    if kind == RuleKind.CLUSTER:
        return _cluster(rule, user, now, since, days)
    if kind == RuleKind.OVERDUE_YELLOW:
        return _overdue_yellow(rule, user, now, since, days)
    if kind == RuleKind.CROSS_DEPARTMENT:
        return _cross_department(rule, user, since, days)
    if kind == RuleKind.THRESHOLD:
        return _threshold(rule, user, now, since, days)
    return _flood(rule, user, since, days)


def _result(kind: str, days: int, found: list[PreviewItem], note: str = "") -> RulePreview:
    found.sort(key=lambda i: i.at, reverse=True)
    return RulePreview(kind=kind, days=days, count=len(found), items=found[:SHOWN], note=note)


def _cluster(
    rule: WarningRule, user: Any, now: datetime, since: datetime, days: int
) -> RulePreview:
    window = timedelta(days=rule.window_days or 30)
    needed = rule.min_count or 5
    hazards = list(_hazards(rule, user, since - window).order_by("reported_at", "pk"))
    by_group: dict[tuple[str, int], list[Hazard]] = defaultdict(list)
    for hazard in hazards:
        community = hazard.community_id or hazard.grid_id or hazard.area_id
        by_group[(_main_code(hazard), community)].append(hazard)
    found = []
    radius = float(rule.radius_m or 200)
    for members in by_group.values():
        last_raised: datetime | None = None
        for index, hazard in enumerate(members):
            if hazard.reported_at < since:
                continue
            if last_raised is not None and hazard.reported_at - last_raised < window:
                continue  # joins the warning raised for this gathering
            recent = [
                h for h in members[: index + 1] if hazard.reported_at - h.reported_at <= window
            ]
            if rule.cluster_within != ClusterWithin.COMMUNITY:
                recent = [
                    h for h in recent if distance_m(hazard.lat, hazard.lng, h.lat, h.lng) <= radius
                ]
            if len(recent) >= needed:
                last_raised = hazard.reported_at
                found.append(
                    PreviewItem(
                        hazard.reported_at,
                        _where(hazard),
                        _("%(n)d hazards of %(class)s")
                        % {"n": len(recent), "class": hazard.category.parent or hazard.category},
                        len(recent),
                    )
                )
    return _result(RuleKind.CLUSTER, days, found)


def _overdue_yellow(
    rule: WarningRule, user: Any, now: datetime, since: datetime, days: int
) -> RulePreview:
    hazards = (
        Hazard.objects.restrict(user, "view")
        .filter(
            area_path__startswith=rule.area.path,
            risk_colour=RiskColour.YELLOW,
            deadline__gte=since,
            deadline__lt=now,
        )
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=F("deadline")))
        .exclude(status__in=NOT_COUNTED)
        .select_related("category", "category__parent", "community", "grid", "street")
        .order_by("deadline")
    )
    if rule.category is not None:
        category = rule.category
        hazards = hazards.filter(Q(category=category) | Q(category__parent=category))
    by_community: dict[int, list[Hazard]] = defaultdict(list)
    for hazard in hazards:
        by_community[hazard.community_id or hazard.area_id].append(hazard)
    found = [
        PreviewItem(
            members[0].deadline or members[0].reported_at,
            _where(members[0]),
            _("%(n)d yellow hazards overdue") % {"n": len(members)},
            len(members),
        )
        for members in by_community.values()
    ]
    return _result(
        RuleKind.OVERDUE_YELLOW,
        days,
        found,
        _("One warning per community while it is not resolved; later overdue hazards join it."),
    )


def _cross_department(rule: WarningRule, user: Any, since: datetime, days: int) -> RulePreview:
    needed = rule.min_count or 3
    by_grid: dict[int, list[Hazard]] = defaultdict(list)
    for hazard in _hazards(rule, user, since).filter(grid__isnull=False):
        if hazard.category.responsible_kind:
            by_grid[hazard.grid_id].append(hazard)  # type: ignore[index]
    found = []
    for members in by_grid.values():
        kinds = {h.category.responsible_kind for h in members}
        if len(kinds) >= needed:
            latest = max(members, key=lambda h: h.reported_at)
            found.append(
                PreviewItem(
                    latest.reported_at,
                    latest.grid.name if latest.grid else "",
                    _("%(n)d departments needed") % {"n": len(kinds)},
                    len(members),
                )
            )
    return _result(
        RuleKind.CROSS_DEPARTMENT,
        days,
        found,
        _("Estimate: the hazards reported in each grid are taken as open together."),
    )


def _threshold(
    rule: WarningRule, user: Any, now: datetime, since: datetime, days: int
) -> RulePreview:
    limit = rule.threshold or 3
    field_name = {"street": "street_id", "community": "community_id", "grid": "grid_id"}.get(
        rule.count_per or "", ""
    )
    reds = (
        Hazard.objects.restrict(user, "view")
        .filter(area_path__startswith=rule.area.path, risk_colour=RiskColour.RED)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
        .exclude(status__in=NOT_COUNTED)
        .select_related("community", "grid", "street")
    )
    if rule.category is not None:
        reds = reds.filter(Q(category=rule.category) | Q(category__parent=rule.category))
    by_area: dict[Any, list[Hazard]] = defaultdict(list)
    for hazard in reds:
        key = getattr(hazard, field_name) if field_name else rule.area.pk
        if key is not None:
            by_area[key].append(hazard)
    names = dict(Area.objects.filter(pk__in=[k for k in by_area if k]).values_list("pk", "name"))
    found = []
    for key, members in by_area.items():
        changes: list[tuple[datetime, int]] = []
        for h in members:
            changes.append((h.reported_at, 1))
            if h.closed_at is not None:
                changes.append((h.closed_at, -1))
        changes.sort(key=lambda c: (c[0], c[1]))
        pending, over = 0, False
        for at, step in changes:
            pending += step
            if pending >= limit and not over:
                over = True
                if at >= since:
                    found.append(
                        PreviewItem(
                            at,
                            names.get(key, ""),
                            _("%(n)d red hazards pending") % {"n": pending},
                            pending,
                        )
                    )
            elif pending < limit:
                over = False
    return _result(RuleKind.THRESHOLD, days, found)


def _flood(rule: WarningRule, user: Any, since: datetime, days: int) -> RulePreview:
    raised = [
        PreviewItem(w.raised_at, w.area.name, w.title)
        for w in RiskWarning.objects.restrict(user, "view")
        .filter(kind=RuleKind.FLOOD_WARNING, raised_at__gte=since)
        .filter(
            Q(area__path__startswith=rule.area.path) | Q(area__code__in=rule.area.ancestor_codes())
        )
        .select_related("area")
    ]
    yards = list(
        Place.objects.restrict(user, "view").filter(
            kind=PlaceKind.LOW_LYING_YARD, area__path__startswith=rule.area.path
        )
    )
    district_code = rule.area.ancestor_codes()[0]
    district = Area.objects.filter(code=district_code).first() or rule.area
    buildings = buildings_near([(p.lat, p.lng) for p in yards], rule.radius_m or 300, district)
    note = _(
        "Flood warnings are raised by hand or from weather alerts. With this radius, "
        "residents of %(buildings)d buildings near %(yards)d low-lying yards are told."
    ) % {"buildings": len(buildings), "yards": len(yards)}
    return _result(RuleKind.FLOOD_WARNING, days, raised, note)
