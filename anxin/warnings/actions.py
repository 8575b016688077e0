"""Writes of warnings: raise (once per cause), link hazards, acknowledge, resolve;
configure rules; raise flood warnings by hand.

Every write runs in a transaction; notifications and other follow-up work are
recorded in the outbox in the same transaction (never lost) and run after it
commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.selectors import roles_of
from anxin.areas.choices import PlaceKind
from anxin.areas.models import Area, Place
from anxin.areas.spatial import distance_m
from anxin.core.errors import Conflict
from anxin.hazards.choices import OPEN_STATUSES
from anxin.hazards.models import Hazard
from anxin.outbox.actions import enqueue
from anxin.taxonomy.models import Category
from anxin.warnings.choices import (
    ALL_PARAMETERS,
    COUNT_PER_LEVELS,
    DEFAULT_PARAMETERS,
    KIND_LEVEL,
    KIND_PARAMETERS,
    MANAGER_ROLES,
    MIN_CLUSTER_COUNT,
    MIN_DEPARTMENTS,
    MIN_THRESHOLD,
    RADIUS_RANGE_M,
    RULE_AREA_LEVELS,
    RULE_MANAGER_ROLES,
    WATERLOGGING_SUBCLASS,
    WINDOW_RANGE_DAYS,
    ClusterWithin,
    RuleKind,
    TaskStatus,
    WarningEventKind,
    WarningLevel,
    WarningStatus,
)
from anxin.warnings.models import (
    RiskWarning,
    SpecialGovernanceTask,
    WarningEvent,
    WarningHazard,
    WarningRule,
)

NOTIFY_TASK = "anxin.warnings.tasks.notify_warning"
RAISED_TASK = "anxin.warnings.tasks.warning_raised"


# --- helpers ---------------------------------------------------------------------------------
def _event(
    warning: RiskWarning,
    kind: str,
    actor: User | None = None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> WarningEvent:
    return WarningEvent.objects.create(
        warning=warning,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )


def buildings_near(
    points: Iterable[tuple[float, float]], radius_m: float, within: Area
) -> list[int]:
    """Ids of the buildings under ``within`` whose centre lies within ``radius_m``
    of one of ``points``."""
    points = list(points)
    if not points:
        return []
    found = []
    buildings = Area.objects.filter(level="building", path__startswith=within.path).only(
        "id", "centroid_lat", "centroid_lng"
    )
    for building in buildings:
        if any(
            distance_m(lat, lng, building.centroid_lat, building.centroid_lng) <= radius_m
            for lat, lng in points
        ):
            found.append(building.pk)
    return found


# --- raising ---------------------------------------------------------------------------------
@dataclass
class WarningSpec:
    """What a rule found: everything needed to raise (or extend) one warning."""

    kind: str
    area: Area
    cause_key: str
    title: str
    message: str = ""
    rule: WarningRule | None = None
    category: Category | None = None
    group_key: str = ""
    hazards: Sequence[Hazard] = ()
    proposed_departments: Sequence[str] = ()
    details: dict[str, Any] = field(default_factory=dict)
    actor: User | None = None

    @property
    def level(self) -> str:
        return KIND_LEVEL[self.kind]


def link_hazards(
    warning: RiskWarning, hazards: Iterable[Hazard], proposed_departments: Iterable[str] = ()
) -> list[int]:
    """Link hazards of the same cause to a warning; each new one is a timeline
    event. Already linked ones are skipped, so re-runs change nothing."""
    hazards = list(hazards)
    ids = [h.pk for h in hazards]
    present = set(
        WarningHazard.objects.filter(warning=warning, hazard_id__in=ids).values_list(
            "hazard_id", flat=True
        )
    )
    added: list[int] = []
    for hazard in hazards:
        if hazard.pk in present or hazard.pk in added:
            continue
        try:
            with transaction.atomic():
                WarningHazard.objects.create(warning=warning, hazard=hazard)
        except IntegrityError:
            continue  # linked by another worker just now
        added.append(hazard.pk)
        _event(
            warning,
            WarningEventKind.HAZARD_ADDED,
            data={"hazard_id": hazard.pk, "code": hazard.code},
        )
    wanted = sorted(set(warning.proposed_departments or []) | set(proposed_departments))
    if wanted != list(warning.proposed_departments or []):
        warning.proposed_departments = wanted
        warning.save(update_fields=["proposed_departments"])
    return added


def raise_warning(spec: WarningSpec) -> tuple[RiskWarning, bool]:
    """Raise the warning of ``spec`` once per cause.

    While a warning of the same group is unresolved, the hazards join it. The
    unique cause key and the one-unresolved-per-group constraint make two
    workers (or a re-run sweep) end up with the same single warning.
    Returns (warning, created)."""
    with transaction.atomic():
        existing = _existing_for(spec)
        if existing is not None:
            if existing.is_open:
                link_hazards(existing, spec.hazards, spec.proposed_departments)
            return existing, False
        now = timezone.now()
        try:
            with transaction.atomic():
                warning = RiskWarning.objects.create(
                    level=spec.level,
                    kind=spec.kind,
                    rule=spec.rule,
                    area=spec.area,
                    category=spec.category,
                    cause_key=spec.cause_key[:160],
                    group_key=spec.group_key[:160],
                    title=spec.title[:200],
                    message=spec.message,
                    raised_at=now,
                    raised_by=spec.actor,
                    proposed_departments=sorted(set(spec.proposed_departments)),
                    details=spec.details,
                )
        except IntegrityError:
            # The same cause (or group) was raised concurrently: use that one.
            existing = _existing_for(spec)
            if existing is None:
                raise
            if existing.is_open:
                link_hazards(existing, spec.hazards, spec.proposed_departments)
            return existing, False
        hazard_ids = sorted({h.pk for h in spec.hazards})
        WarningHazard.objects.bulk_create(
            [WarningHazard(warning=warning, hazard_id=pk) for pk in hazard_ids]
        )
        _event(
            warning,
            WarningEventKind.RAISED,
            spec.actor,
            note=spec.message,
            data={"hazard_ids": hazard_ids, "rule_id": spec.rule.pk if spec.rule else None},
            at=now,
        )
        _on_raised(warning, list(spec.hazards))
    return warning, True


def _existing_for(spec: WarningSpec) -> RiskWarning | None:
    queryset = RiskWarning.objects.select_for_update()
    if spec.group_key:
        grouped = queryset.filter(group_key=spec.group_key[:160]).exclude(
            status=WarningStatus.RESOLVED
        )
        found = grouped.first()
        if found is not None:
            return found
    return queryset.filter(cause_key=spec.cause_key[:160]).first()


def _on_raised(warning: RiskWarning, hazards: list[Hazard]) -> None:
    if warning.level == WarningLevel.YELLOW and warning.category is not None:
        SpecialGovernanceTask.objects.get_or_create(
            warning=warning,
            defaults={
                "community": warning.area,
                "category": warning.category,
                "title": _("Special governance: %(class)s in %(community)s")
                % {"class": warning.category.name, "community": warning.area.name},
            },
        )
    if warning.kind == RuleKind.SINGLE:
        for hazard in hazards:
            if hazard.grid_worker_id:
                hazard.followers.add(hazard.grid_worker_id)
    enqueue(NOTIFY_TASK, key=f"warning-notify:{warning.pk}", warning_id=warning.pk)
    enqueue(RAISED_TASK, key=f"warning-raised:{warning.pk}", warning_id=warning.pk)


# --- lifecycle -------------------------------------------------------------------------------
def _lock_for(warning: RiskWarning | int, user: User) -> RiskWarning:
    pk = warning.pk if isinstance(warning, RiskWarning) else int(warning)
    found = (
        RiskWarning.objects.restrict(user, "change")
        .select_for_update(of=("self",))
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such warning."))
    if not acts_at(user, found.area):
        raise PermissionDenied(
            _("This warning was raised above your area; those responsible there handle it.")
        )
    return found


def acts_at(user: User, area: Area) -> bool:
    """Warnings set above a user's area are shown to them (in force there) but
    handled by the people of the warning's area and above."""
    if user.is_superuser:
        return True
    return any(
        m.area is None or area.path.startswith(m.area.path) for m in user.active_memberships()
    )


def may_handle(warning: RiskWarning, user: User) -> bool:
    """Street and community admins and safety officers (district admins too) handle
    warnings in their scope; grid workers handle the blue ones of their grid."""
    if user.is_superuser:
        return True
    if not acts_at(user, warning.area):
        return False
    roles = roles_of(user)
    if roles & MANAGER_ROLES:
        return True
    return warning.level == WarningLevel.BLUE and "grid_worker" in roles


def _check_handler(warning: RiskWarning, user: User, what: str) -> None:
    if not may_handle(warning, user):
        raise PermissionDenied(_("Your role may not do this: %(action)s.") % {"action": what})


def acknowledge(warning: RiskWarning | int, user: User, note: str = "") -> RiskWarning:
    """Someone responsible has seen the warning and is acting on it."""
    with transaction.atomic():
        locked = _lock_for(warning, user)
        _check_handler(locked, user, _("acknowledge"))
        if locked.status != WarningStatus.RAISED:
            raise Conflict(
                _("This warning is already %(status)s.")
                % {"status": WarningStatus(locked.status).label},
                current_status=locked.status,
            )
        now = timezone.now()
        locked.status = WarningStatus.ACKNOWLEDGED
        locked.acknowledged_at = now
        locked.acknowledged_by = user
        locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        _event(locked, WarningEventKind.ACKNOWLEDGED, user, note=note.strip(), at=now)
    return locked


def resolve(warning: RiskWarning | int, user: User, note: str) -> RiskWarning:
    """Close the warning with a note on what was done; a yellow warning's
    special-governance task is closed with it."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say how the warning was resolved.")]})
    with transaction.atomic():
        locked = _lock_for(warning, user)
        _check_handler(locked, user, _("resolve"))
        if locked.status == WarningStatus.RESOLVED:
            raise Conflict(
                _("This warning is already %(status)s.")
                % {"status": WarningStatus(locked.status).label},
                current_status=locked.status,
            )
        now = timezone.now()
        locked.status = WarningStatus.RESOLVED
        locked.resolved_at = now
        locked.resolved_by = user
        locked.resolution_note = note
        locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note"])
        SpecialGovernanceTask.objects.filter(warning=locked, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, closed_at=now, closed_by=user
        )
        _event(locked, WarningEventKind.RESOLVED, user, note=note, at=now)
    return locked


# --- rules -----------------------------------------------------------------------------------
def _category_of(value: Any) -> Category | None:
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        return value
    found = Category.objects.filter(code=str(value)).first()
    if found is None:
        raise ValidationError({"category": [_("Unknown hazard category %(c)s.") % {"c": value}]})
    return found


def _area_of(value: Any, user: User | None) -> Area:
    if isinstance(value, Area):
        area: Area | None = value
    else:
        area = Area.objects.filter(code=str(value or "")).first()
    if area is None or (
        user is not None and not Area.objects.restrict(user, "view").filter(pk=area.pk).exists()
    ):
        raise ValidationError({"area": [_("Unknown area %(a)s.") % {"a": value}]})
    return area


def _int_or_none(value: Any, field_name: str, errors: dict[str, list[str]]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if number != float(value):
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault(field_name, []).append(_("Enter a whole number."))
        return None
    return number


def validate_rule(rule: WarningRule) -> None:
    """Check a rule's parameters against its kind; clear those it does not use and
    fill defaults. Raises ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    if rule.kind not in RuleKind.values:
        raise ValidationError({"kind": [_("Unknown kind of rule %(k)s.") % {"k": rule.kind}]})
    used = KIND_PARAMETERS[rule.kind]
    for name in ALL_PARAMETERS:
        if name not in used:
            setattr(rule, name, None if name != "cluster_within" and name != "count_per" else "")
    for name, default in DEFAULT_PARAMETERS.get(rule.kind, {}).items():
        if getattr(rule, name) in (None, ""):
            setattr(rule, name, default)
    if rule.area_id and rule.area.level not in RULE_AREA_LEVELS:
        errors.setdefault("area", []).append(
            _("A rule is set on a district, street or community, not a %(level)s.")
            % {"level": rule.area.get_level_display()}
        )
    if rule.kind == RuleKind.CLUSTER and (rule.min_count or 0) < MIN_CLUSTER_COUNT:
        errors.setdefault("min_count", []).append(
            _("A gathering needs at least %(n)d hazards.") % {"n": MIN_CLUSTER_COUNT}
        )
    if rule.kind == RuleKind.CROSS_DEPARTMENT and (rule.min_count or 0) < MIN_DEPARTMENTS:
        errors.setdefault("min_count", []).append(
            _("At least %(n)d different departments.") % {"n": MIN_DEPARTMENTS}
        )
    if rule.radius_m is not None and not (RADIUS_RANGE_M[0] <= rule.radius_m <= RADIUS_RANGE_M[1]):
        errors.setdefault("radius_m", []).append(
            _("The radius must be between %(lo)d and %(hi)d metres.")
            % {"lo": RADIUS_RANGE_M[0], "hi": RADIUS_RANGE_M[1]}
        )
    if rule.window_days is not None and not (
        WINDOW_RANGE_DAYS[0] <= rule.window_days <= WINDOW_RANGE_DAYS[1]
    ):
        errors.setdefault("window_days", []).append(
            _("The window must be between %(lo)d and %(hi)d days.")
            % {"lo": WINDOW_RANGE_DAYS[0], "hi": WINDOW_RANGE_DAYS[1]}
        )
    if rule.kind == RuleKind.CLUSTER and rule.cluster_within not in ClusterWithin.values:
        errors.setdefault("cluster_within", []).append(_("Choose “radius” or “community”."))
    if rule.kind == RuleKind.THRESHOLD:
        if (rule.threshold or 0) < MIN_THRESHOLD:
            errors.setdefault("threshold", []).append(
                _("The threshold must be at least %(n)d.") % {"n": MIN_THRESHOLD}
            )
        if rule.count_per not in COUNT_PER_LEVELS:
            errors.setdefault("count_per", []).append(
                _("Count per district, street, community or grid.")
            )
        elif rule.area_id and COUNT_PER_LEVELS.index(rule.count_per) < COUNT_PER_LEVELS.index(
            rule.area.level
        ):
            errors.setdefault("count_per", []).append(
                _("A rule on a %(level)s cannot count per %(per)s above it.")
                % {"level": rule.area.get_level_display(), "per": rule.count_per}
            )
    if errors:
        raise ValidationError(errors)


def _may_manage_rules_of(user: User | None, area: Area) -> bool:
    if user is None or user.is_superuser:
        return True
    for membership in user.active_memberships():
        if membership.role not in RULE_MANAGER_ROLES or membership.area is None:
            continue
        if area.path.startswith(membership.area.path):
            return True
    return False


def _apply_rule_data(rule: WarningRule, data: dict[str, Any], user: User | None) -> None:
    errors: dict[str, list[str]] = {}
    if "kind" in data:
        rule.kind = str(data["kind"] or "")
    if "area" in data:
        try:
            rule.area = _area_of(data["area"], user)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "category" in data:
        try:
            rule.category = _category_of(data["category"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for name in ("min_count", "radius_m", "window_days", "threshold"):
        if name in data:
            setattr(rule, name, _int_or_none(data[name], name, errors))
    for name in ("cluster_within", "count_per"):
        if name in data:
            setattr(rule, name, str(data[name] or ""))
    if "is_active" in data:
        value = data["is_active"]
        if isinstance(value, str):
            value = value.strip().lower() not in ("", "0", "false", "no", "off")
        rule.is_active = bool(value)
    if not rule.kind:
        errors.setdefault("kind", []).append(_("Choose the kind of rule."))
    if not rule.area_id and "area" not in errors:
        errors.setdefault("area", []).append(_("Choose the area the rule applies to."))
    if errors:
        raise ValidationError(errors)


def create_rule(user: User | None, data: dict[str, Any]) -> WarningRule:
    """A street (or district) admin sets a rule for their area. Bad parameters are
    refused with a field error and nothing is saved."""
    rule = WarningRule(created_by=user)
    _apply_rule_data(rule, data, user)
    if not _may_manage_rules_of(user, rule.area):
        raise PermissionDenied(_("You may set rules only for your own street or district."))
    validate_rule(rule)
    with transaction.atomic():
        rule.save()
    return rule


def update_rule(rule: WarningRule, user: User | None, data: dict[str, Any]) -> WarningRule:
    if not _may_manage_rules_of(user, rule.area):
        raise PermissionDenied(_("You may change rules only for your own street or district."))
    data = {k: v for k, v in data.items() if k != "area"}  # a rule stays on its area
    if "kind" in data and data["kind"] != rule.kind:
        raise ValidationError({"kind": [_("The kind of a rule cannot change; add a new rule.")]})
    with transaction.atomic():
        locked = WarningRule.objects.select_for_update().select_related("area").get(pk=rule.pk)
        _apply_rule_data(locked, data, user)
        validate_rule(locked)
        locked.save()
    return locked


def may_manage_rules(user: User | None, area: Area) -> bool:
    """Street admins set rules for their street, district admins for the district."""
    return _may_manage_rules_of(user, area)


def build_rule(
    user: User | None, data: dict[str, Any], rule: WarningRule | None = None
) -> WarningRule:
    """An unsaved rule from ``data`` (for an existing rule, a copy with the
    changes), validated: what the rule form's preview replays."""
    if rule is not None:
        draft = WarningRule.objects.select_related("area", "category").get(pk=rule.pk)
        data = {k: v for k, v in data.items() if k not in ("area", "kind")}
    else:
        draft = WarningRule(created_by=user)
    _apply_rule_data(draft, data, user)
    validate_rule(draft)
    return draft


# The default rule set, one or more per level (DESIGN §6): installed on every
# district by migration 0002 and by ``seed_demo``, editable afterwards.
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"kind": RuleKind.SINGLE},
    {"kind": RuleKind.CLUSTER, "min_count": 5, "radius_m": 200, "window_days": 30},
    {"kind": RuleKind.OVERDUE_YELLOW},
    {"kind": RuleKind.CROSS_DEPARTMENT, "min_count": 3},
    {"kind": RuleKind.MAJOR_HAZARD},
    {"kind": RuleKind.GAS_ALARM},
    {"kind": RuleKind.FLOOD_WARNING, "radius_m": 300},
    {"kind": RuleKind.THRESHOLD, "threshold": 3, "count_per": "street"},
)


def ensure_default_rules(area: Area, user: User | None = None) -> list[WarningRule]:
    """Create the default rules on ``area`` (a district, street or community) unless
    a rule of that kind is already set there. Safe to call again: a rule an admin
    edited or switched off is left as it is."""
    created = []
    with transaction.atomic():
        for values in DEFAULT_RULES:
            if WarningRule.objects.filter(area=area, kind=values["kind"]).exists():
                continue
            rule = WarningRule(area=area, created_by=user, **values)
            if rule.kind == RuleKind.THRESHOLD and area.level != "district":
                rule.count_per = area.level
            validate_rule(rule)
            rule.save()
            created.append(rule)
    return created


# --- flood warnings ----------------------------------------------------------------------------
def raise_flood_warning(
    area: Area | str,
    user: User | None,
    message: str,
    *,
    radius_m: int | None = None,
    key: str | None = None,
) -> tuple[RiskWarning, bool]:
    """A flood warning for an area (by hand or through the API): every low-lying
    yard in it, the residents of buildings within the radius of one notified,
    the street emergency plan started and the district informed."""
    errors: dict[str, list[str]] = {}
    message = (message or "").strip()
    if not message:
        errors["message"] = [_("Write the warning message.")]
    try:
        target = _area_of(area, user)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        target = None
    if user is not None and not user.is_superuser and target is not None:
        allowed = Area.objects.restrict(user, "change").filter(pk=target.pk).exists()
        if not allowed or not (roles_of(user) & {"district_admin", "street_admin"}):
            raise PermissionDenied(_("Only street and district admins may raise a flood warning."))
    if errors:
        raise ValidationError(errors)
    assert target is not None
    from anxin.warnings.selectors import rules_in_force

    rules = rules_in_force(RuleKind.FLOOD_WARNING, target.path)
    rule = rules[0] if rules else None
    radius = radius_m if radius_m is not None else (rule.radius_m if rule else None)
    radius = radius or int(str(DEFAULT_PARAMETERS[RuleKind.FLOOD_WARNING]["radius_m"]))
    if not (RADIUS_RANGE_M[0] <= radius <= RADIUS_RANGE_M[1]):
        raise ValidationError(
            {
                "radius_m": [
                    _("The radius must be between %(lo)d and %(hi)d metres.")
                    % {"lo": RADIUS_RANGE_M[0], "hi": RADIUS_RANGE_M[1]}
                ]
            }
        )
    places = list(
        Place.objects.filter(kind=PlaceKind.LOW_LYING_YARD, area__path__startswith=target.path)
        .select_related("area")
        .order_by("pk")
    )
    district = Area.objects.filter(code=target.ancestor_codes()[0]).first() or target
    building_ids = buildings_near([(p.lat, p.lng) for p in places], radius, district)
    hazards = list(
        Hazard.objects.filter(
            category__code=WATERLOGGING_SUBCLASS,
            status__in=OPEN_STATUSES,
            area_path__startswith=target.path,
        ).order_by("pk")
    )
    spec = WarningSpec(
        kind=RuleKind.FLOOD_WARNING,
        area=target,
        rule=rule,
        cause_key=f"flood_warning:{target.pk}:{key or uuid.uuid4().hex}",
        title=_("Flood warning for %(area)s") % {"area": target.name},
        message=message,
        hazards=hazards,
        details={
            "radius_m": radius,
            "places": [{"id": p.pk, "name": p.name, "area_id": p.area_id} for p in places],
            "building_ids": building_ids,
        },
        actor=user,
    )
    return raise_warning(spec)


# --- notifications -----------------------------------------------------------------------------
def recipients_for(warning: RiskWarning) -> list[User]:
    """Who is told of a raised warning (DESIGN §6): blue the grid worker; yellow the
    community admins and safety officers; orange the street admins; red the street
    and district admins."""
    from anxin.warnings.selectors import members_below, members_with_roles

    area = warning.area
    if warning.level == WarningLevel.BLUE:
        workers = [
            h.grid_worker for h in warning.hazards.select_related("grid_worker") if h.grid_worker
        ]
        return workers or members_below(["grid_worker"], area)
    if warning.level == WarningLevel.YELLOW:
        return members_with_roles(["community_admin", "safety_officer"], [area])
    if warning.level == WarningLevel.ORANGE:
        return members_with_roles(["street_admin"], [area]) or members_below(["street_admin"], area)
    affected = [area]
    place_area_ids = [p.get("area_id") for p in (warning.details or {}).get("places", [])]
    if place_area_ids:
        affected = list(Area.objects.filter(pk__in=place_area_ids))
    street_admins = members_with_roles(["street_admin"], affected) or members_below(
        ["street_admin"], area
    )
    district_admins = members_with_roles(["district_admin"], [area])
    seen: dict[int, User] = {u.pk: u for u in [*street_admins, *district_admins]}
    return list(seen.values())


def notification_body(warning: RiskWarning) -> str:
    from anxin.warnings.rules import departments_text

    body = warning.message
    if warning.level == WarningLevel.ORANGE and warning.proposed_departments:
        body = "\n".join(
            [
                body,
                _("Proposed whistle call to: %(departments)s.")
                % {"departments": departments_text(warning.proposed_departments)},
            ]
        ).strip()
    return body


def notify_warning(warning_id: int) -> int:
    """Tell the people a warning concerns; for flood warnings and gas alarms, send
    residents of the affected buildings a safety notice. Keyed per warning and
    recipient, so a re-run notifies nobody twice. Returns how many were told now."""
    from anxin.notifications import actions as notifications

    warning = RiskWarning.objects.select_related("area").filter(pk=warning_id).first()
    if warning is None:
        return 0
    severity = "urgent" if warning.level == WarningLevel.RED else "info"
    link = f"/warnings/{warning.pk}/"
    first_hazard = warning.links.order_by("hazard_id").values_list("hazard_id", flat=True).first()
    body = notification_body(warning)
    told = 0
    with transaction.atomic():
        recipients = recipients_for(warning)
        for user in recipients:
            told += len(
                notifications.notify(
                    [user],
                    kind="warning",
                    title=warning.title,
                    body=body,
                    link=link,
                    severity=severity,
                    key=f"warning:{warning.pk}:{user.pk}",
                    hazard_id=first_hazard,
                )
            )
        if warning.level != WarningLevel.BLUE:
            notifications.notify_area_robots(
                warning.area,
                title=warning.title,
                body=body,
                link=link,
                severity=severity,
                key=f"warning:{warning.pk}",
            )
        residents = 0
        building_ids = (warning.details or {}).get("building_ids") or []
        if warning.kind in (RuleKind.FLOOD_WARNING, RuleKind.GAS_ALARM) and building_ids:
            residents = len(
                notifications.broadcast_to_buildings(
                    building_ids,
                    kind="safety_notice",
                    title=warning.title,
                    body=_safety_notice(warning),
                    severity="urgent",
                    key=f"warning:{warning.pk}:residents",
                    hazard_id=first_hazard,
                    always_sms=True,  # a safety notice reaches phones without the app
                )
            )
        locked = RiskWarning.objects.select_for_update().get(pk=warning.pk)
        if not locked.events.filter(kind=WarningEventKind.NOTIFIED).exists():
            _event(
                locked,
                WarningEventKind.NOTIFIED,
                data={
                    "recipient_ids": [u.pk for u in recipients],
                    "residents": residents,
                    "severity": severity,
                },
            )
    return told + residents


def _safety_notice(warning: RiskWarning) -> str:
    if warning.kind == RuleKind.GAS_ALARM:
        lead = _(
            "Gas safety notice: do not use open flames or electrical switches, open the "
            "windows and leave the building if you smell gas."
        )
    else:
        lead = _(
            "Flood safety notice: move vehicles and valuables out of low-lying yards and "
            "basements and follow the instructions of the community."
        )
    return f"{lead}\n{warning.message}".strip()
