"""Reads of emergency readiness. Every query a user's request makes starts from
``restrict(user, action)``; the few without a user (proposing plans in the
worker) say so."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from anxin.areas.choices import PlaceKind
from anxin.areas.models import Area, Place
from anxin.emergency.choices import (
    ACTIVE_STAGES,
    CATEGORY_HAZARD_CLASS,
    EXPIRY_ALERT_DAYS,
    WARNING_KIND_HAZARD_CLASS,
    DrillStatus,
)
from anxin.emergency.models import (
    Drill,
    EmergencyPlan,
    EmergencyResponse,
    EmergencyTeam,
    ResponseEvent,
    ResponseReview,
    ResponseTask,
    SafetyActivity,
    StockMovement,
    SupplyItem,
    TrainingRecord,
)
from anxin.warnings.models import RiskWarning

STAFF_ROLES = frozenset(
    {
        "district_admin",
        "street_admin",
        "community_admin",
        "safety_officer",
        "grid_worker",
        "department",
        "property_manager",
        "building_leader",
        "evaluator",
    }
)


def may_see_emergency(user: Any) -> bool:
    """Staff see the emergency pages (residents do not)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or (user.roles & STAFF_ROLES))


# --- warnings → plans (worker; no user) ----------------------------------------------------
def hazard_class_of_warning(warning: RiskWarning) -> str | None:
    """The plan class a warning calls for: by its kind (flood, gas) or its category."""
    if warning.kind in WARNING_KIND_HAZARD_CLASS:
        return WARNING_KIND_HAZARD_CLASS[warning.kind]
    category = warning.category
    if category is None:
        first = (
            warning.hazards.select_related("category", "category__parent").order_by("pk").first()
        )
        category = first.category if first is not None else None
    if category is None:
        return None
    code = category.code
    return CATEGORY_HAZARD_CLASS.get(code) or CATEGORY_HAZARD_CLASS.get(code[:2])


def _street_of(area: Area) -> Area:
    codes = area.ancestor_codes()
    if len(codes) >= 2:
        street = Area.objects.filter(code=codes[1]).first()
        if street is not None:
            return street
    return area


def response_areas(warning: RiskWarning) -> list[Area]:
    """Where a warning's plan runs: the street of the warning's area, or for a
    district-wide warning each street with an affected place (the low-lying yards
    of a flood warning), else the district itself."""
    area = warning.area
    if area.level != "district":
        return [_street_of(area)]
    place_area_ids = [p.get("area_id") for p in (warning.details or {}).get("places", [])]
    streets: dict[int, Area] = {}
    for place_area in Area.objects.filter(pk__in=[a for a in place_area_ids if a]):
        street = _street_of(place_area)
        streets[street.pk] = street
    return sorted(streets.values(), key=lambda a: a.path) or [area]


def plan_in_force(hazard_class: str, level: str, area: Area) -> EmergencyPlan | None:
    """The active plan of ``hazard_class`` set nearest above ``area``: for the
    warning's level if there is one, else for the other level."""
    candidates = list(
        EmergencyPlan.objects.filter(
            is_active=True,
            hazard_class=hazard_class,
            area__code__in=area.ancestor_codes(),
            current_version__isnull=False,
        ).select_related("area", "current_version")
    )
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.level == level, p.area.depth, -p.pk))


# --- supplies ----------------------------------------------------------------------------------
def stores(user: Any) -> QuerySet[Place]:
    return (
        Place.objects.restrict(user, "view")
        .filter(kind=PlaceKind.EMERGENCY_STORE)
        .select_related("area")
        .order_by("area__path", "name")
    )


def supplies(user: Any, include_removed: bool = False) -> QuerySet[SupplyItem]:
    queryset = SupplyItem.objects.restrict(user, "view").select_related("store", "store__area")
    return queryset if include_removed else queryset.filter(removed_at__isnull=True)


def movements(user: Any) -> QuerySet[StockMovement]:
    return StockMovement.objects.restrict(user, "view").select_related(
        "item", "item__store", "actor", "response"
    )


@dataclass
class BoardItem:
    id: int
    name: str
    kind: str
    kind_label: str
    quantity: int
    unit: str
    minimum_stock: int
    expires_on: date | None
    last_checked_on: date | None
    is_low: bool
    expiring: bool


@dataclass
class BoardStore:
    id: int
    name: str
    area_code: str
    area_name: str
    lat: float
    lng: float
    items: list[BoardItem] = field(default_factory=list)


@dataclass
class BoardTotal:
    kind: str
    kind_label: str
    unit: str
    quantity: int


@dataclass
class BoardTeam:
    id: int
    name: str
    kind: str
    kind_label: str
    area_name: str
    members: int
    duty_phone: str


@dataclass
class ResourcesBoard:
    """Supplies by store, totals by kind, teams, and counts of what needs action."""

    generated_at: datetime
    stores: list[BoardStore]
    totals: list[BoardTotal]
    teams: list[BoardTeam]
    low_stock: int
    expiring: int
    active_responses: int


def resources_board(user: Any, under: Area | None = None) -> ResourcesBoard:
    """The resources board the workbench and the cockpit show, from ``restrict``."""
    today = timezone.localdate()
    soon = today + timedelta(days=EXPIRY_ALERT_DAYS)
    store_rows = stores(user)
    items = supplies(user).order_by("store_id", "kind", "name")
    teams = EmergencyTeam.objects.restrict(user, "view").filter(is_active=True)
    responses = EmergencyResponse.objects.restrict(user, "view").filter(
        stage__in=sorted(ACTIVE_STAGES)
    )
    if under is not None:
        store_rows = store_rows.filter(area__path__startswith=under.path)
        items = items.filter(store__area__path__startswith=under.path)
        teams = teams.filter(area__path__startswith=under.path)
        responses = responses.filter(area__path__startswith=under.path)
    by_store: dict[int, BoardStore] = {
        s.pk: BoardStore(s.pk, s.name, s.area.code, s.area.name, s.lat, s.lng) for s in store_rows
    }
    totals: dict[tuple[str, str], BoardTotal] = {}
    low = expiring = 0
    for item in items:
        is_expiring = item.expires_on is not None and item.expires_on <= soon
        low += int(item.is_low)
        expiring += int(is_expiring)
        entry = BoardItem(
            id=item.pk,
            name=item.name,
            kind=item.kind,
            kind_label=str(item.get_kind_display()),
            quantity=item.quantity,
            unit=item.unit,
            minimum_stock=item.minimum_stock,
            expires_on=item.expires_on,
            last_checked_on=item.last_checked_on,
            is_low=item.is_low,
            expiring=is_expiring,
        )
        if item.store_id in by_store:
            by_store[item.store_id].items.append(entry)
        key = (item.kind, item.unit)
        total = totals.setdefault(
            key, BoardTotal(item.kind, str(item.get_kind_display()), item.unit, 0)
        )
        total.quantity += item.quantity
    return ResourcesBoard(
        generated_at=timezone.now(),
        stores=list(by_store.values()),
        totals=sorted(totals.values(), key=lambda t: (t.kind, t.unit)),
        teams=[
            BoardTeam(
                t.pk,
                t.name,
                t.kind,
                str(t.get_kind_display()),
                t.area.name,
                t.members,
                t.duty_phone,
            )
            for t in teams.select_related("area").order_by("area__path", "name")
        ],
        low_stock=low,
        expiring=expiring,
        active_responses=responses.count(),
    )


def issued_to(response: EmergencyResponse) -> list[dict[str, Any]]:
    """Supplies out with a response: issued minus returned, per supply."""
    rows = (
        StockMovement.objects.filter(response=response)
        .values("item_id", "item__name", "item__unit", "kind")
        .annotate(total=Sum("quantity"))
    )
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(
            row["item_id"],
            {
                "item_id": row["item_id"],
                "name": row["item__name"],
                "unit": row["item__unit"],
                "issued": 0,
                "returned": 0,
            },
        )
        entry["issued" if row["kind"] == "issued" else "returned"] += row["total"] or 0
    for entry in out.values():
        entry["out"] = entry["issued"] - entry["returned"]
    return sorted(out.values(), key=lambda e: e["name"])


# --- areas and teams -----------------------------------------------------------------------------
def areas_where(user: Any, check: Any, levels: tuple[str, ...]) -> list[Area]:
    """Areas of ``levels`` the user may see and ``check(user, area)`` allows."""
    areas = Area.objects.restrict(user, "view").filter(level__in=levels).order_by("path")[:2000]
    return [a for a in areas if check(user, a)]


def areas_below(user: Any, area: Area, levels: tuple[str, ...]) -> list[Area]:
    return list(
        Area.objects.restrict(user, "view")
        .filter(path__startswith=area.path, level__in=levels)
        .exclude(pk=area.pk)
        .order_by("path")[:200]
    )


def teams(user: Any) -> QuerySet[EmergencyTeam]:
    return EmergencyTeam.objects.restrict(user, "view").select_related("area")


# --- plans and responses -----------------------------------------------------------------------
def plans(user: Any) -> QuerySet[EmergencyPlan]:
    return (
        EmergencyPlan.objects.restrict(user, "view")
        .select_related("area", "current_version")
        .annotate(version_count=Count("versions"))
    )


def plan_version_detail(plan: EmergencyPlan, number: int | None = None) -> Any:
    versions = plan.versions.prefetch_related(
        "steps",
        "steps__team",
        Prefetch("supplies"),
        "supplies__item",
        "supplies__item__store",
        "teams",
        "notify_users",
    )
    if number is None:
        return versions.filter(pk=plan.current_version_id or 0).first()
    return versions.filter(number=number).first()


def responses(user: Any) -> QuerySet[EmergencyResponse]:
    return EmergencyResponse.objects.restrict(user, "view").select_related(
        "area", "plan", "warning", "started_by"
    )


def timeline(response: EmergencyResponse) -> QuerySet[ResponseEvent]:
    return response.events.select_related("actor")


def open_tasks_for(user: Any) -> list[ResponseTask]:
    """Tasks of responses under way that this user may check off (their phone list)."""
    from anxin.emergency.policy import may_check_off

    tasks = (
        ResponseTask.objects.restrict(user, "view")
        .filter(response__stage__in=sorted(ACTIVE_STAGES), done_at__isnull=True)
        .select_related("response", "response__area", "team", "organisation", "assignee")
        .order_by("due_at", "pk")
    )
    return [t for t in tasks if may_check_off(user, t)]


def review_of(response: EmergencyResponse) -> ResponseReview | None:
    """The review of a response the viewer has (a response's review is seen with it)."""
    return ResponseReview.objects.filter(response=response).first()


def reviews(user: Any) -> QuerySet[ResponseReview]:
    return ResponseReview.objects.restrict(user, "view").select_related(
        "response", "response__area", "submitted_by"
    )


# --- drills, training and the calendar ---------------------------------------------------------
def drills(user: Any) -> QuerySet[Drill]:
    return Drill.objects.restrict(user, "view").select_related("area", "plan")


def trainings(user: Any) -> QuerySet[TrainingRecord]:
    return (
        TrainingRecord.objects.restrict(user, "view")
        .select_related("area")
        .prefetch_related("attendees")
    )


def quarter_of(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + 2
    end = date(day.year, end_month, calendar.monthrange(day.year, end_month)[1])
    return start, end


def streets_without_drill(user: Any, today: date | None = None) -> list[Area]:
    """Streets in the user's scope with no drill planned or held this quarter."""
    today = today or timezone.localdate()
    start, end = quarter_of(today)
    streets = Area.objects.restrict(user, "view").filter(level="street")
    drilled = set(
        Drill.objects.restrict(user, "view")
        .filter(scheduled_on__range=(start, end))
        .exclude(status=DrillStatus.CANCELLED)
        .values_list("area__path", flat=True)
    )
    return [s for s in streets.order_by("path") if not any(p.startswith(s.path) for p in drilled)]


@dataclass
class CalendarEntry:
    day: date
    kind: str  # "activity", "drill" or "training"
    title: str
    label: str
    area_name: str
    link: str = ""


@dataclass
class CalendarMonth:
    year: int
    month: int
    weeks: list[list[tuple[date | None, list[CalendarEntry]]]]
    entries: list[CalendarEntry]


def calendar_month(user: Any, year: int, month: int) -> CalendarMonth:
    """The safety-month calendar: activities, drills and training of one month."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    entries: list[CalendarEntry] = []
    for activity in (
        SafetyActivity.objects.restrict(user, "view")
        .filter(Q(starts_at__gte=start, starts_at__lt=end))
        .select_related("area")
    ):
        entries.append(
            CalendarEntry(
                timezone.localtime(activity.starts_at).date(),
                "activity",
                activity.title,
                str(activity.get_kind_display()),
                activity.area.name,
            )
        )
    for drill in (
        Drill.objects.restrict(user, "view")
        .filter(scheduled_on__range=(first, last))
        .exclude(status=DrillStatus.CANCELLED)
        .select_related("area")
    ):
        entries.append(
            CalendarEntry(
                drill.held_on or drill.scheduled_on,
                "drill",
                drill.title,
                str(drill.get_status_display()),
                drill.area.name,
            )
        )
    for training in (
        TrainingRecord.objects.restrict(user, "view")
        .filter(held_on__range=(first, last))
        .select_related("area")
    ):
        entries.append(
            CalendarEntry(training.held_on, "training", training.title, "", training.area.name)
        )
    entries.sort(key=lambda e: (e.day, e.kind, e.title))
    by_day: dict[date, list[CalendarEntry]] = {}
    for entry in entries:
        by_day.setdefault(entry.day, []).append(entry)
    weeks = [
        [
            (d if d.month == month else None, by_day.get(d, []) if d.month == month else [])
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return CalendarMonth(year, month, weeks, entries)
