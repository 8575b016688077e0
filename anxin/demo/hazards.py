"""A lived-in year of hazards for the demo district, fast enough for 100,000 rows.

``generate_hazards(district_code, config)`` writes ``config.count`` hazard files,
each with its whole timeline, reported over the ``config.days`` days before
``config.now``. The rows carry exactly the fields the actions of
``anxin.hazards.actions`` write (codes from the same sequence counters, deadlines
by the same time limits, the responsible organisation by the same routing rule,
one ``HazardEvent`` per step with actor, role, from and to), but they are built in
memory and bulk-inserted in batches: the actions cannot travel back in time, and
one action per step would take hours for a large district.

Patterns, all drawn from ``random.Random(config.seed)`` (the same seed, tree and
``now`` give the same rows, see ``HazardResult.digest`` and ``stored_digest``):

* when: each source channel has its weekday and hour profile (grid patrols in
  working hours on weekdays, residents in the evening and at weekends, sensors
  around the clock); categories have seasons (waterlogging and typhoons in summer,
  heating, carbon monoxide and icing in winter, fireworks around the Spring
  Festival, e-bike charging all year with a summer peak); volume grows a little
  over the year as more people use the platform;
* where: grids differ in how many hazards they have; indoor categories lie in a
  building (so in a unit), outdoor ones in the open part of a grid; many lie
  around a named place (e-bike charging at the charging shed, fire and gas at the
  restaurant street, facilities and special groups at the elderly centre,
  waterlogging at the low-lying yard);
* what: categories of the loaded taxonomy with their default colours (sometimes
  one step up or down), about 3% major hazards;
* how far: old hazards are mostly closed (some publicised, listed ones delisted),
  some were rejected as false reports or merged into a duplicate; recent ones are
  spread over the open states; late rectifications are marked overdue and
  escalated exactly as the periodic sweep would have done.

No photos are generated: the evidence of a demo hazard is its timeline.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import random
import time
import uuid
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

import h3
import shapely
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from anxin.accounts.choices import Role
from anxin.accounts.models import Membership, User
from anxin.areas.choices import Level
from anxin.areas.models import Area, Place
from anxin.areas.spatial import distance_m
from anxin.hazards import deadlines
from anxin.hazards.actions import completeness
from anxin.hazards.choices import (
    COLOUR_LEVEL_WORD,
    DEADLINE_STATUSES,
    OPEN_STATUSES,
    EventKind,
    Grade,
    RiskColour,
    SourceChannel,
    Status,
    TimeLimitStep,
)
from anxin.hazards.models import Hazard, HazardEvent, Holiday, SequenceCounter, TimeLimit
from anxin.hazards.workflow import tiers_required
from anxin.organisations.models import Organisation
from anxin.taxonomy.models import Category

SWEEP_SECONDS = 300  # the periodic overdue sweep (CELERY_BEAT_SCHEDULE "sweep-overdue")
COLOURS: list[str] = [RiskColour.BLUE, RiskColour.YELLOW, RiskColour.ORANGE, RiskColour.RED]


@dataclass(frozen=True)
class HazardConfig:
    count: int
    seed: int = 42
    now: datetime | None = None  # default: the current time
    days: int = 365
    batch_size: int = 5000


@dataclass
class HazardResult:
    created: int
    events: int
    digest: str
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)


# --- what happens when and where ----------------------------------------------------------

# subclass code -> (hazards per year relative to the others, season, indoors, named places
# the hazards gather around). Subclasses not listed (a locality's own taxonomy) get
# weight 1, no season, and lie indoors when their report needs a building.
PROFILES: dict[str, tuple[float, str, bool, tuple[str, ...]]] = {
    "0101": (9, "", False, ("restaurant_street", "market")),
    "0102": (5, "", True, ()),
    "0103": (14, "ebike", True, ("charging_shed",)),
    "0104": (6, "", True, ("restaurant_street",)),
    "0105": (6, "", True, ("restaurant_street",)),
    "0106": (10, "", True, ()),
    "0107": (1.5, "", True, ("restaurant_street", "market")),
    "0108": (1, "", False, ("market",)),
    "0201": (4, "", False, ()),
    "0202": (4, "", True, ()),
    "0203": (2, "", True, ()),
    "0204": (2, "", True, ()),
    "0205": (2, "", False, ("market",)),
    "0206": (1, "", False, ("market",)),
    "0301": (4, "", False, ()),
    "0302": (5, "", True, ("elderly_centre",)),
    "0303": (4, "typhoon_mild", False, ("restaurant_street",)),
    "0304": (1, "", True, ()),
    "0305": (8, "", False, ("elderly_centre",)),
    "0306": (3, "", False, ("elderly_centre",)),
    "0307": (2, "", False, ("kindergarten", "school")),
    "0308": (4, "ebike", False, ("charging_shed",)),
    "0401": (8, "", False, ("market", "restaurant_street")),
    "0402": (1.5, "rain_mild", False, ()),
    "0403": (4, "rain", False, ("low_lying_yard", "restaurant_street")),
    "0404": (3, "typhoon_mild", False, ()),
    "0405": (1.5, "", False, ()),
    "0406": (3, "", False, ()),
    "0407": (1, "summer", False, ()),
    "0408": (1, "", False, ()),
    "0501": (4, "winter_mild", True, ("elderly_centre",)),
    "0502": (2, "", False, ("elderly_centre",)),
    "0503": (1.5, "", False, ("kindergarten", "school")),
    "0504": (1.5, "", True, ("elderly_centre",)),
    "0601": (6, "rain", False, ("low_lying_yard",)),
    "0602": (3, "typhoon", False, ()),
    "0603": (2, "icing", False, ()),
    "0604": (3, "heating", True, ("elderly_centre",)),
    "0605": (2, "power", False, ("charging_shed",)),
    "0606": (2, "festival", False, ("market", "restaurant_street")),
    "0701": (4, "winter_mild", True, ()),
    "0702": (3, "", False, ("restaurant_street",)),
    "0703": (1, "", False, ("restaurant_street",)),
    "0704": (3, "", False, ("restaurant_street",)),
    "0801": (1.5, "", True, ()),
    "0802": (1.5, "typhoon_mild", True, ()),
    "0803": (1, "", True, ()),
}
HOTSPOT_SHARE = 0.5
SLOW_SHARE = 0.07  # of the hazards of a subclass with named places, this many lie near one
MAJOR_SHARE = 0.03

# Month -> factor, per season; "festival" is by day (see _season).
SEASONS: dict[str, dict[int, float]] = {
    "ebike": {6: 1.4, 7: 1.7, 8: 1.7, 9: 1.3},
    "rain": {5: 0.4, 6: 2.4, 7: 2.4, 8: 1.8, 9: 1.2, 10: 0.2},
    "rain_mild": {6: 1.6, 7: 1.8, 8: 1.5, 9: 1.2},
    "typhoon": {6: 0.3, 7: 2.5, 8: 3.0, 9: 2.2, 10: 0.3},
    "typhoon_mild": {7: 1.6, 8: 1.8, 9: 1.5},
    "summer": {6: 1.8, 7: 2.5, 8: 2.5, 9: 1.2},
    "icing": {12: 2.0, 1: 4.0, 2: 2.5},
    "heating": {11: 1.0, 12: 2.5, 1: 3.0, 2: 2.0, 3: 0.5},
    "winter_mild": {11: 1.2, 12: 1.5, 1: 1.6, 2: 1.4},
    "power": {6: 1.2, 7: 3.5, 8: 3.5, 9: 1.0, 1: 0.6},
}
SEASON_ELSE = {
    "ebike": 0.9,
    "rain": 0.05,
    "rain_mild": 0.8,
    "typhoon": 0.0,
    "typhoon_mild": 0.85,
    "summer": 0.3,
    "icing": 0.0,
    "heating": 0.0,
    "winter_mild": 0.8,
    "power": 0.1,
}
# 春节 (first day of the lunar year): fireworks from a week before to the Lantern Festival.
SPRING_FESTIVAL = {
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}


def _season(kind: str, day: date) -> float:
    if not kind:
        return 1.0
    if kind == "festival":
        festival = SPRING_FESTIVAL.get(day.year)
        if festival is not None and -10 <= (day - festival).days <= 15:
            return 8.0
        if day.month == 10 and day.day <= 7:  # National Day week
            return 4.0
        if (day.month, day.day) in ((12, 31), (1, 1)):
            return 4.0
        return 0.05
    return SEASONS[kind].get(day.month, SEASON_ELSE[kind])


def _hours(weights: dict[int, float], default: float = 0.0) -> list[float]:
    return [weights.get(h, default) for h in range(24)]


OFFICE_DAYS = [1.0, 1.0, 1.0, 1.0, 1.0, 0.12, 0.08]
RESIDENT_DAYS = [0.8, 0.8, 0.8, 0.8, 0.9, 1.5, 1.5]
EVERY_DAY = [1.0] * 7
OFFICE_HOURS = _hours(
    {8: 0.6, 9: 1.0, 10: 1.0, 11: 0.9, 12: 0.3, 13: 0.5, 14: 1.0, 15: 1.0, 16: 0.9, 17: 0.4},
    0.01,
)
RESIDENT_HOURS = _hours(
    {
        0: 0.1,
        6: 0.15,
        7: 0.3,
        8: 0.5,
        9: 0.6,
        10: 0.7,
        11: 0.6,
        12: 0.6,
        13: 0.5,
        14: 0.5,
        15: 0.5,
        16: 0.6,
        17: 0.8,
        18: 1.1,
        19: 1.5,
        20: 1.6,
        21: 1.3,
        22: 0.7,
        23: 0.3,
    },
    0.05,
)
HOTLINE_HOURS = _hours(dict.fromkeys(range(8, 22), 1.0), 0.05)
ROUND_THE_CLOCK = _hours({11: 1.5, 17: 1.5, 18: 1.5, 19: 1.3}, 1.0)
DAYTIME = _hours(dict.fromkeys(range(9, 17), 1.0), 0.0)


@dataclass(frozen=True)
class SourceProfile:
    share: float
    days: list[float]
    hours: list[float]
    # subclass code (or 2-digit main class) -> factor; "*" is every other subclass
    bias: dict[str, float]
    months: dict[int, float] = field(default_factory=dict)


SOURCES: dict[str, SourceProfile] = {
    SourceChannel.PATROL: SourceProfile(
        0.42, OFFICE_DAYS, OFFICE_HOURS, {"0206": 0.3, "0108": 0.5, "*": 1.0}
    ),
    SourceChannel.RESIDENT: SourceProfile(
        0.22,
        RESIDENT_DAYS,
        RESIDENT_HOURS,
        {
            "0103": 1.5,
            "0106": 1.3,
            "0203": 1.5,
            "0204": 2.0,
            "0302": 2.0,
            "0305": 1.5,
            "0401": 1.5,
            "0601": 1.5,
            "0703": 1.5,
            "*": 1.0,
        },
    ),
    SourceChannel.PROPERTY_SELF_CHECK: SourceProfile(
        0.10, OFFICE_DAYS, OFFICE_HOURS, {"property": 1.0, "*": 0.05}
    ),
    SourceChannel.HOTLINE: SourceProfile(
        0.08,
        EVERY_DAY,
        HOTLINE_HOURS,
        {"0703": 3.0, "0302": 2.0, "0601": 2.0, "0205": 2.0, "*": 1.0},
    ),
    SourceChannel.CAMPAIGN: SourceProfile(
        0.04,
        OFFICE_DAYS,
        OFFICE_HOURS,
        {"01": 3.0, "07": 2.0, "*": 0.5},
        # 安全生产月 (June), 消防宣传月 (November), before the Spring Festival (January)
        months={6: 3.0, 11: 3.0, 1: 2.0, 2: 0.3},
    ),
    SourceChannel.SENSOR: SourceProfile(
        0.04,
        EVERY_DAY,
        ROUND_THE_CLOCK,
        {"0703": 3.0, "0103": 2.0, "0601": 2.0, "0605": 1.0, "0105": 1.0, "*": 0.0},
    ),
    SourceChannel.AI_VIDEO: SourceProfile(
        0.04,
        EVERY_DAY,
        ROUND_THE_CLOCK,
        {"0101": 2.0, "0103": 3.0, "0204": 1.0, "0401": 1.0, "0201": 0.5, "0606": 1.0, "*": 0.0},
    ),
    SourceChannel.DRONE: SourceProfile(
        0.01,
        OFFICE_DAYS,
        DAYTIME,
        {"0406": 2.0, "0304": 1.0, "0404": 1.0, "0407": 1.0, "0602": 1.0, "*": 0.0},
    ),
    SourceChannel.PAPER_LEDGER: SourceProfile(0.02, OFFICE_DAYS, OFFICE_HOURS, {"*": 1.0}),
    SourceChannel.AGENCY: SourceProfile(
        0.03,
        OFFICE_DAYS,
        OFFICE_HOURS,
        {"0206": 3.0, "0203": 2.0, "0108": 2.0, "0107": 2.0, "0205": 1.0, "*": 0.0},
    ),
}
SOURCE_NAMES: dict[str, str] = {
    SourceChannel.SENSOR: "物联感知设备",
    SourceChannel.AI_VIDEO: "AI视频分析",
    SourceChannel.DRONE: "无人机巡查",
    SourceChannel.PAPER_LEDGER: "纸质台账录入",
    SourceChannel.CAMPAIGN: "专项整治行动",
}
REJECT_SHARE: dict[str, float] = {
    SourceChannel.RESIDENT: 0.08,
    SourceChannel.HOTLINE: 0.08,
    SourceChannel.AI_VIDEO: 0.10,
    SourceChannel.SENSOR: 0.06,
}
MERGE_SHARE: dict[str, float] = {SourceChannel.RESIDENT: 0.06, SourceChannel.HOTLINE: 0.06}

REJECT_REASONS = [
    "现场核实无此隐患",
    "属正常设施，不构成安全隐患",
    "照片与位置不符，联系上报人未果",
    "设备误报，现场无异常",
]
MERGE_REASONS = ["与已有隐患重复，合并处理", "同一隐患多人上报，合并至原档案"]
RETURN_REASONS = ["非本单位职责范围，请重新派发", "该位置不属于本单位服务区域"]
FAIL_REASONS = ["整改不彻底，现场仍有隐患", "整改后照片不清晰，需补充整改", "复查发现问题复现"]
INTERIM_MEASURES = [
    "已设置警示标识和隔离带，安排专人看守",
    "已临时断电并张贴告知书",
    "已关闭阀门并通知住户暂停使用",
    "已疏散周边人员，设置围挡",
]
DETAILS: dict[str, list[str]] = {
    "01": [
        "存在火灾隐患，已口头提醒相关人员",
        "夜间巡查发现，存在较大安全风险",
        "多次劝导未改，需督促整改",
    ],
    "02": ["影响居民安全感，需尽快处理", "居民反映多次，需跟进", "已告知物业和社区民警"],
    "03": ["存在伤人风险，已设置临时警示", "影响居民通行安全", "需专业单位维修"],
    "04": ["影响环境卫生和通行安全", "居民反映较多，需尽快清理", "雨后情况加重"],
    "05": ["已上门走访，需协调相关部门", "家属不在身边，需重点关注", "需要社区持续跟进"],
    "06": ["季节性风险，需提前防范", "近期天气影响，风险上升", "需在高峰期前整改完毕"],
    "07": ["存在燃气泄漏风险，已提醒关闭阀门", "需燃气公司上门检查", "商户未落实安全措施"],
    "08": ["存在结构安全风险，需专业鉴定", "已提醒住户注意安全", "需住建部门现场查看"],
}
OUTDOOR_SPOTS = ["东侧道路", "北门入口", "南侧绿化带", "地下车库入口", "小区中心广场", "西侧围墙边"]
GB35181_CLAUSES = ["GB 35181-2017 第5.1.1条", "GB 35181-2017 第5.1.5条", "GB 35181-2017 第6.2条"]


# --- the district as light in-memory data ---------------------------------------------------


@dataclass(eq=False)
class _Node:
    pk: int
    level: str
    code: str
    name: str
    path: str
    address: str
    households: int
    geom: Any
    bounds: tuple[float, float, float, float]
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)

    def ancestor(self, level: str) -> _Node | None:
        node: _Node | None = self
        while node is not None and node.level != level:
            node = node.parent
        return node

    def contains(self, lng: float, lat: float) -> bool:
        return bool(shapely.contains_xy(self.geom, lng, lat))


@dataclass(eq=False)
class _Cat:
    obj: Category
    code: str
    main_code: str
    main_name: str
    name: str
    colour: str
    responsible_kind: str
    deadline_days: int | None
    duplicate_window: int
    weight: float
    season: str
    indoors: bool
    hotspots: tuple[str, ...]


@dataclass(eq=False)
class _Place:
    pk: int
    name: str
    kind: str
    lat: float
    lng: float
    address: str
    grid: _Node | None
    street_code: str


@dataclass(eq=False)
class _Org:
    pk: int
    name: str
    kind: str


class _Context:
    """Everything the generator reads from the database, loaded once."""

    def __init__(self, district_code: str, now: datetime, days: int) -> None:
        district = Area.objects.get(code=district_code)
        self.tz = ZoneInfo(settings.TIME_ZONE)
        rows = list(
            Area.objects.filter(path__startswith=district.path)
            .order_by("depth", "code")
            .values_list("pk", "level", "code", "name", "path", "address", "households", "geometry")
        )
        self.nodes: dict[str, _Node] = {}
        for pk, level, code, name, path, address, households, geometry in rows:
            geom = shape(geometry)
            shapely.prepare(geom)
            node = _Node(pk, level, code, name, path, address, households or 0, geom, geom.bounds)
            parent_code = path.strip("/").split("/")[-2] if path.count("/") > 2 else None
            if parent_code is not None and parent_code in self.nodes:
                node.parent = self.nodes[parent_code]
                node.parent.children.append(node)
            self.nodes[code] = node
        self.codes_by_pk = {n.pk: n.code for n in self.nodes.values()}
        self.grids = [n for n in self.nodes.values() if n.level == Level.GRID]
        if not self.grids:
            raise ValueError("the district has no grids")
        self.categories = [
            self._category(c)
            for c in Category.objects.filter(is_active=True, parent__isnull=False)
            .select_related("parent")
            .order_by("code")
        ]
        self.places: list[_Place] = []
        for place in (
            Place.objects.filter(area__path__startswith=district.path)
            .select_related("area")
            .order_by("name", "pk")
        ):
            place_node = self.nodes.get(place.area.code)
            street = place_node.ancestor(Level.STREET) if place_node else None
            self.places.append(
                _Place(
                    place.pk,
                    place.name,
                    place.kind,
                    place.lat,
                    place.lng,
                    place.address,
                    self._grid_at(place_node, place.lat, place.lng),
                    street.code if street else "",
                )
            )
        self._load_people()
        self._load_organisations(district)
        self._load_time_limits(district, now, days)
        self.counters = dict(
            SequenceCounter.objects.filter(key__startswith="code:").values_list("key", "value")
        )
        self.machine_counters = dict(
            SequenceCounter.objects.filter(key__startswith="machine:").values_list("key", "value")
        )

    @staticmethod
    def _category(c: Category) -> _Cat:
        weight, season, indoors, hotspots = PROFILES.get(
            c.code, (1.0, "", "building" in (c.required_fields or []), ())
        )
        main = c.parent or c
        return _Cat(
            obj=c,
            code=c.code,
            main_code=main.code,
            main_name=main.name_zh,
            name=c.name_zh,
            colour=c.risk_colour or RiskColour.YELLOW,
            responsible_kind=c.responsible_kind,
            deadline_days=c.deadline_days,
            duplicate_window=c.duplicate_window_days,
            weight=weight,
            season=season,
            indoors=indoors,
            hotspots=hotspots,
        )

    def _grid_at(self, node: _Node | None, lat: float, lng: float) -> _Node | None:
        if node is None:
            return None
        if node.level == Level.GRID:
            return node
        if node.level in (Level.BUILDING, Level.UNIT):
            return node.ancestor(Level.GRID)
        for grid in self.grids:
            if grid.path.startswith(node.path) and grid.contains(lng, lat):
                return grid
        return None

    def _load_people(self) -> None:
        by_pk = {n.pk: n for n in self.nodes.values()}
        memberships = list(
            Membership.objects.filter(is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("id")
        )
        self.staff: dict[tuple[str, int], User] = {}  # (role, area pk) -> first such user
        self.rectifiers: dict[int, tuple[User, str]] = {}  # organisation pk -> (user, role)
        self.resident: User | None = None
        self.resident_community: _Node | None = None
        self.roles: dict[int, str] = {}
        for m in memberships:
            self.roles.setdefault(m.user_id, m.role)
            if m.area_id is not None and m.area_id in by_pk:
                self.staff.setdefault((m.role, m.area_id), m.user)
            if m.organisation_id is not None and m.role in (
                Role.PROPERTY_MANAGER,
                Role.DEPARTMENT,
            ):
                self.rectifiers.setdefault(m.organisation_id, (m.user, m.role))
        for m in memberships:
            if m.role == Role.RESIDENT and m.user.home_building_id in by_pk:
                self.resident = m.user
                home = by_pk[m.user.home_building_id]
                self.resident_community = home.ancestor(Level.COMMUNITY)
                break

    def staff_at(self, role: str, node: _Node | None) -> User | None:
        return self.staff.get((role, node.pk)) if node is not None else None

    def _load_organisations(self, district: Area) -> None:
        """Routing as ``anxin.hazards.routing.responsible_organisation`` does it, without
        a query per hazard: the organisations of the wanted kind serving an area on the
        hazard's path; the deepest served area wins, then the lowest id."""
        through = Organisation.served_areas.through
        self.serving: dict[str, list[tuple[int, str]]] = {}
        self.orgs: dict[int, _Org] = {}
        for org in Organisation.objects.filter(is_active=True).order_by("pk"):
            self.orgs[org.pk] = _Org(org.pk, org.name, org.kind)
        for org_id, code in (
            through.objects.filter(organisation__is_active=True)
            .order_by("organisation_id", "area__code")
            .values_list("organisation_id", "area__code")
        ):
            org = self.orgs.get(org_id)
            if org is not None:
                self.serving.setdefault(org.kind, []).append((org_id, code))
        self._routes: dict[tuple[str, str, tuple[int, ...]], _Org | None] = {}

    def route(self, kind: str, path: str, exclude: Iterable[int] = ()) -> _Org | None:
        excluded = tuple(sorted(exclude))
        key = (kind, path, excluded)
        if key not in self._routes:
            best: tuple[int, int] | None = None
            if kind:
                codes = [c for c in path.strip("/").split("/") if c]
                depth_of = {c: i for i, c in enumerate(codes)}
                for pk, code in self.serving.get(kind, []):
                    if pk in excluded or code not in depth_of:
                        continue
                    depth = depth_of[code]
                    if best is None or depth > best[0] or (depth == best[0] and pk < best[1]):
                        best = (depth, pk)
            self._routes[key] = self.orgs[best[1]] if best else None
        return self._routes[key]

    def route_by_hand(self, kind: str, grid: _Node) -> _Org | None:
        """Whom the community dispatches to when routing finds nobody: an organisation
        of the wanted kind serving something in the grid or its community (a property
        company serves buildings, not the open space between them), else the street's
        urban management."""
        community = grid.ancestor(Level.COMMUNITY)
        for node in (grid, community):
            if node is None:
                continue
            for pk, code in self.serving.get(kind, []):
                if code.startswith(node.code):
                    return self.orgs[pk]
        return self.route("urban_management", grid.path)

    def _load_time_limits(self, district: Area, now: datetime, days: int) -> None:
        self.limit_rows: dict[tuple[str, str, str], deadlines.Limit] = {}
        for row in TimeLimit.objects.filter(area__path__startswith=district.path).select_related(
            "area"
        ):
            self.limit_rows[(row.step, row.colour, row.area.code)] = deadlines.Limit(
                hours=row.hours or 0, days=row.days or 0, working_days=row.working_days
            )
        start = (now - timedelta(days=days + 10)).date()
        self.holidays = dict(
            Holiday.objects.filter(date__gte=start, date__lte=now.date() + timedelta(days=400))
            .order_by("date")
            .values_list("date", "is_workday")
        )
        self._limits: dict[tuple[str, str, str], deadlines.Limit | None] = {}

    def limit(self, step: str, colour: str, community: _Node | None) -> deadlines.Limit | None:
        """``deadlines.limit_for`` with the rows loaded once."""
        key = (step, colour, community.code if community else "")
        if key not in self._limits:
            found = None
            node = community
            while node is not None and found is None:
                found = self.limit_rows.get((step, colour, node.code))
                node = node.parent
            self._limits[key] = found or deadlines.DEFAULT_LIMITS.get((step, colour))
        return self._limits[key]

    def after(self, start: datetime, limit: deadlines.Limit) -> datetime:
        """``deadlines.deadline_after`` with the holidays loaded once."""
        if not limit.working_days:
            return start + timedelta(days=limit.days, hours=limit.hours)
        current = start.astimezone(self.tz)
        remaining = limit.days
        while remaining > 0:
            current += timedelta(days=1)
            if deadlines.is_working_day(current.date(), self.holidays):
                remaining -= 1
        return current.astimezone(UTC) + timedelta(hours=limit.hours)

    def due(
        self, step: str, colour: str, community: _Node | None, start: datetime
    ) -> datetime | None:
        limit = self.limit(step, colour, community)
        return None if limit is None else self.after(start, limit)


# --- one hazard's life -----------------------------------------------------------------------


@dataclass(eq=False)
class _Event:
    at: datetime
    order: int  # 0: a status change, 1: a flag; orders events of the same second
    kind: str
    action: str
    actor: User | None
    role: str
    from_status: str
    to_status: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    internal: bool = False


@dataclass(eq=False)
class _Life:
    """The timeline of one hazard: status changes and flags, cut at ``now``."""

    hazard: Hazard
    now: datetime
    events: list[_Event] = field(default_factory=list)
    changes: list[tuple[datetime, str]] = field(default_factory=list)  # (time, status)
    # (time, deadline, reset overdue, reset escalation)
    deadline_changes: list[tuple[datetime, datetime | None, bool, bool]] = field(
        default_factory=list
    )
    status: str = Status.REPORTED

    def move(
        self,
        at: datetime,
        action: str,
        to: str,
        actor: User | None,
        role: str,
        reason: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            _Event(
                at,
                0,
                EventKind.TRANSITION,
                action,
                actor,
                role,
                self.status,
                to,
                reason,
                data or {},
            )
        )
        self.status = to
        self.changes.append((at, to))

    def flag(
        self,
        at: datetime,
        kind: str,
        action: str,
        actor: User | None,
        role: str,
        reason: str = "",
        data: dict[str, Any] | None = None,
        internal: bool = False,
    ) -> None:
        # from/to are filled in by status_at once the chain is complete
        self.events.append(
            _Event(at, 1, kind, action, actor, role, "", "", reason, data or {}, internal)
        )

    def status_at(self, at: datetime) -> str:
        return _status_at(self.changes, at)


_Recent = tuple[datetime, Hazard, list[tuple[datetime, str]]]


def _status_at(changes: list[tuple[datetime, str]], at: datetime) -> str:
    times = [t for t, _s in changes]
    i = bisect_right(times, at)
    return changes[i - 1][1] if i else Status.REPORTED


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _utc_iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


class _Generator:
    def __init__(self, ctx: _Context, config: HazardConfig, now: datetime) -> None:
        self.ctx = ctx
        self.config = config
        self.now = now
        self.rng = random.Random(config.seed)
        self.tz = ctx.tz
        self.start = now - timedelta(days=config.days)
        self.days = [
            (self.start + timedelta(days=i)).astimezone(self.tz).date()
            for i in range(config.days + 1)
        ]
        self._prepare_weights()
        self.counters = dict(ctx.counters)
        self.machine_counters = dict(ctx.machine_counters)
        # recent files per subclass, for duplicates: (reported at, file, its status changes)
        self.recent: dict[str, deque[_Recent]] = {}
        self.next_id = 1
        self.merge_events: list[tuple[Hazard, _Event]] = []  # written to earlier files
        self.merge_targets: list[Hazard] = []
        self.followers: list[tuple[Hazard, User]] = []
        self._pending_listing: tuple[datetime, User | None] | None = None
        self.slow = 1.0  # how slowly the people around the current hazard work
        self.reporter_names: dict[str, tuple[str, str]] = {}
        from anxin.demo.generator import GIVEN_NAMES, SURNAMES

        self.surnames, self.given_names = SURNAMES, GIVEN_NAMES
        rng = self.rng
        self.grid_weight = {
            g.code: rng.lognormvariate(0.0, 0.5) * max(1, len(g.children)) for g in ctx.grids
        }
        self.grid_cum = list(accumulate(self.grid_weight[g.code] for g in ctx.grids))
        self.major_given_severe = self._major_share()

    # --- weights -------------------------------------------------------------------------
    def _bias(self, source: SourceProfile, cat: _Cat) -> float:
        for key in (cat.code, cat.main_code, cat.responsible_kind):
            if key in source.bias:
                return source.bias[key]
        return source.bias.get("*", 1.0)

    def _prepare_weights(self) -> None:
        cats = self.ctx.categories
        seasons = [[_season(c.season, d) for d in self.days] for c in cats]
        self.source_names = list(SOURCES)
        self.source_cum = list(accumulate(SOURCES[s].share for s in self.source_names))
        self.day_cum: dict[str, list[float]] = {}
        self.cat_weights: dict[str, list[list[float]]] = {}
        n = len(self.days)
        for name, source in SOURCES.items():
            bias = [c.weight * self._bias(source, c) for c in cats]
            per_day = []
            weights_by_day = []
            for i, day in enumerate(self.days):
                w = [bias[k] * seasons[k][i] for k in range(len(cats))]
                trend = 0.85 + 0.3 * i / max(1, n - 1)
                factor = source.days[day.weekday()] * trend * source.months.get(day.month, 1.0)
                if day in self.ctx.holidays:  # a public holiday is a Sunday, a make-up day a Monday
                    factor = source.days[0 if self.ctx.holidays[day] else 6] * trend
                per_day.append(sum(w) * factor)
                weights_by_day.append(w)
            self.day_cum[name] = list(accumulate(per_day))
            self.cat_weights[name] = weights_by_day
        self.hour_cum = {name: list(accumulate(s.hours)) for name, s in SOURCES.items()}
        self._cat_cum: dict[tuple[str, int], list[float]] = {}

    def _major_share(self) -> float:
        cats = self.ctx.categories
        total = sum(c.weight for c in cats) or 1.0
        severe = sum(c.weight for c in cats if c.colour in (RiskColour.ORANGE, RiskColour.RED))
        return min(0.5, MAJOR_SHARE * total / severe) if severe else 0.0

    def _pick(self, cum: Sequence[float]) -> int:
        total = cum[-1]
        if total <= 0:
            return self.rng.randrange(len(cum))
        return min(bisect_right(cum, self.rng.random() * total), len(cum) - 1)

    # --- when, what, where ---------------------------------------------------------------------
    def moments(self) -> list[tuple[datetime, str, int]]:
        """(reported at, source, day index) for every hazard, in time order."""
        rng = self.rng
        out: list[tuple[datetime, str, int]] = []
        while len(out) < self.config.count:
            source = self.source_names[self._pick(self.source_cum)]
            i = self._pick(self.day_cum[source])
            hour = self._pick(self.hour_cum[source])
            day = self.days[i]
            local = datetime(
                day.year,
                day.month,
                day.day,
                hour,
                rng.randrange(60),
                rng.randrange(60),
                tzinfo=self.tz,
            )
            moment = local.astimezone(UTC)
            if self.start <= moment < self.now - timedelta(minutes=1):
                out.append((moment, source, i))
        out.sort(key=lambda item: item[0])
        return out

    def category(self, source: str, day_index: int) -> _Cat:
        key = (source, day_index)
        cum = self._cat_cum.get(key)
        if cum is None:
            cum = list(accumulate(self.cat_weights[source][day_index]))
            if len(self._cat_cum) > 5000:
                self._cat_cum.clear()
            self._cat_cum[key] = cum
        return self.ctx.categories[self._pick(cum)]

    def _random_grid(self) -> _Node:
        return self.ctx.grids[self._pick(self.grid_cum)]

    def _in_building(self, building: _Node) -> tuple[float, float, _Node] | None:
        rng = self.rng
        west, south, east, north = building.bounds
        mx, my = (east - west) * 0.05, (north - south) * 0.05
        for _attempt in range(20):
            lng = round(rng.uniform(west + mx, east - mx), 7)
            lat = round(rng.uniform(south + my, north - my), 7)
            if building.contains(lng, lat):
                for unit in building.children:
                    if unit.contains(lng, lat):
                        return lat, lng, unit
                return lat, lng, building
        return None

    def _outdoors(self, grid: _Node, near: _Place | None = None) -> tuple[float, float, _Node]:
        rng = self.rng
        west, south, east, north = grid.bounds
        m_lat = 1 / 111_320.0
        m_lng = m_lat / math.cos(math.radians((south + north) / 2))
        for attempt in range(60):
            if near is not None and attempt < 40:
                lat = round(near.lat + rng.gauss(0, 35) * m_lat, 7)
                lng = round(near.lng + rng.gauss(0, 35) * m_lng, 7)
            else:
                lat = round(rng.uniform(south, north), 7)
                lng = round(rng.uniform(west, east), 7)
            if not grid.contains(lng, lat):
                continue
            if any(b.contains(lng, lat) for b in grid.children):
                continue
            return lat, lng, grid
        if near is not None:
            return near.lat, near.lng, grid
        point = grid.geom.representative_point()
        return round(point.y, 7), round(point.x, 7), grid

    def location(self, cat: _Cat) -> tuple[float, float, _Node, _Place | None]:
        """(lat, lng, deepest area, named place it gathers around)."""
        rng = self.rng
        place = None
        if cat.hotspots and rng.random() < HOTSPOT_SHARE:
            candidates = [p for p in self.ctx.places if p.kind in cat.hotspots and p.grid]
            if candidates:
                place = candidates[rng.randrange(len(candidates))]
        grid = place.grid if place is not None and place.grid is not None else self._random_grid()
        if cat.indoors and grid.children:
            buildings = grid.children
            if place is not None:  # the buildings next to the place
                buildings = sorted(
                    buildings,
                    key=lambda b: (
                        (b.geom.centroid.x - place.lng) ** 2 + (b.geom.centroid.y - place.lat) ** 2
                    ),
                )[:2]
            cum = list(accumulate(max(1, b.households) for b in buildings))
            found = self._in_building(buildings[self._pick(cum)])
            if found is not None:
                return (*found, place)
        lat, lng, node = self._outdoors(grid, place)
        return lat, lng, node, place

    def person(self) -> tuple[str, str]:
        rng = self.rng
        return (
            rng.choice(self.surnames) + rng.choice(self.given_names),
            f"139{rng.randrange(10**8):08d}",
        )

    # --- times of people at work -------------------------------------------------------------
    def later(self, moment: datetime, median_hours: float, sigma: float = 0.8) -> datetime:
        hours = median_hours * self.slow * self.rng.lognormvariate(0.0, sigma)
        return moment + timedelta(hours=hours)

    def at_work(self, moment: datetime, weekend_share: float = 0.1) -> datetime:
        """Staff act in working hours: a moment outside them moves to the next start."""
        rng = self.rng
        local = moment.astimezone(self.tz)
        in_hours = 8 <= local.hour < 18 and local.weekday() < 5
        if in_hours or rng.random() < weekend_share:
            return _seconds(moment)
        day = local.date()
        if local.hour >= 18:
            day += timedelta(days=1)
        while day.weekday() >= 5 and rng.random() >= weekend_share:
            day += timedelta(days=1)
        start = datetime(day.year, day.month, day.day, 8, 30, tzinfo=self.tz)
        start += timedelta(minutes=rng.expovariate(1 / 50))
        return _seconds(max(moment, start.astimezone(UTC)))

    def staff(self, moment: datetime, median_hours: float, sigma: float = 0.8) -> datetime:
        return self.at_work(self.later(moment, median_hours, sigma))

    # --- a hazard ------------------------------------------------------------------------------
    def hazard(self, reported_at: datetime, source: str, day_index: int) -> _Life:
        ctx, rng = self.ctx, self.rng
        cat = self.category(source, day_index)
        target = None
        if rng.random() < MERGE_SHARE.get(source, 0.01):
            target = self._merge_target(cat, reported_at)
        if target is not None:
            base = target[1]
            lat, lng = base.lat, base.lng
            node = ctx.nodes[base.area_path.strip("/").split("/")[-1]]
            place = None
        else:
            lat, lng, node, place = self.location(cat)
        grid = node.ancestor(Level.GRID)
        community = node.ancestor(Level.COMMUNITY)
        street = node.ancestor(Level.STREET)
        building = node.ancestor(Level.BUILDING)
        assert grid is not None and community is not None

        colour = cat.colour
        roll = rng.random()
        if roll < 0.08 and colour != RiskColour.RED:
            colour = COLOURS[COLOURS.index(colour) + 1]
        elif roll > 0.95 and colour != RiskColour.BLUE:
            colour = COLOURS[COLOURS.index(colour) - 1]
        major = colour in (RiskColour.ORANGE, RiskColour.RED) and rng.random() < (
            self.major_given_severe
        )
        if major and cat.main_code == "01" and colour == RiskColour.ORANGE:
            colour = RiskColour.RED

        reporter, name, phone = self._reporter(source, grid, community)
        day = reported_at.astimezone(self.tz).strftime("%Y%m%d")
        code_key = f"code:{community.code}:{cat.main_code}"
        seq = self.counters.get(code_key, 0) + 1
        self.counters[code_key] = seq
        machine_key = f"machine:{grid.code}:{cat.code}:{day}"
        machine_seq = self.machine_counters.get(machine_key, 0) + 1
        self.machine_counters[machine_key] = machine_seq
        nearest, distance = self._nearest_place(lat, lng, street)
        address, label = self._address(node, building, place)
        found_delay = rng.expovariate(1 / (40 if source == SourceChannel.PATROL else 180))
        detail = rng.choice(DETAILS.get(cat.main_code, DETAILS["03"]))
        hazard = Hazard(
            pk=self.next_id,
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            code=f"{community.name}-{cat.main_name}-{COLOUR_LEVEL_WORD[colour]}-{seq:03d}",
            machine_code=f"{grid.code}-{cat.code}-{day}-{machine_seq:04d}",
            title=f"{label}{cat.name}"[:120],
            description=f"{address}：{cat.name}。{detail}",
            category=cat.obj,
            risk_colour=colour,
            grade=Grade.MAJOR if major else Grade.ORDINARY,
            gb35181_clause=rng.choice(GB35181_CLAUSES) if major and cat.main_code == "01" else "",
            quantity=f"{rng.randint(1, 6)}处"
            if "quantity" in (cat.obj.required_fields or [])
            else "",
            address=address,
            lat=lat,
            lng=lng,
            area_id=node.pk,
            area_path=node.path,
            street_id=street.pk if street else None,
            community_id=community.pk,
            grid_id=grid.pk,
            building_id=building.pk if building else None,
            nearest_place_id=nearest.pk if nearest else None,
            nearest_place_distance_m=distance,
            h3_r7=h3.latlng_to_cell(lat, lng, 7),
            h3_r9=h3.latlng_to_cell(lat, lng, 9),
            h3_r11=h3.latlng_to_cell(lat, lng, 11),
            reporter=reporter,
            reporter_name=name,
            reporter_phone=phone,
            source=source,
            grid_worker=ctx.staff_at(Role.GRID_WORKER, grid),
            status=Status.REPORTED,
            found_at=_seconds(reported_at - timedelta(minutes=found_delay)),
            reported_at=reported_at,
            verify_deadline=ctx.due(TimeLimitStep.VERIFY, colour, community, reported_at),
        )
        life = _Life(hazard, self.now)
        reporter_role = ctx.roles.get(reporter.pk, "") if reporter is not None else "system"
        life.events.append(
            _Event(
                reported_at,
                0,
                EventKind.TRANSITION,
                "report",
                reporter,
                reporter_role,
                "",
                Status.REPORTED,
                "",
                {"missing": completeness(hazard, 0), "source": source},
            )
        )
        life.changes.append((reported_at, Status.REPORTED))
        self.next_id += 1
        # Most files move briskly; a few stall somewhere (an unreachable owner, a busy
        # unit, a costly repair): these are the open and overdue files of the past.
        self.slow = rng.lognormvariate(0.0, 0.3)
        if rng.random() < SLOW_SHARE:
            self.slow *= rng.uniform(4, 25)
        self._pending_listing = None
        self._live(life, cat, grid, community, street, source, target)
        self._list(life)
        self._sweep(life, cat, community)
        self._finish(life)
        if hazard.status not in (Status.MERGED, Status.REJECTED):
            recent = self.recent.setdefault(cat.code, deque())
            recent.append((reported_at, hazard, life.changes))
            since = reported_at - timedelta(days=cat.duplicate_window + 1)
            while recent[0][0] < since:
                recent.popleft()
        return life

    def _reporter(self, source: str, grid: _Node, community: _Node) -> tuple[User | None, str, str]:
        ctx = self.ctx
        user: User | None = None
        if source == SourceChannel.PATROL:
            user = ctx.staff_at(Role.GRID_WORKER, grid)
            if user is None:
                known = self.reporter_names.get(grid.code)
                if known is None:
                    known = self.reporter_names[grid.code] = self.person()
                return None, known[0], known[1]
        elif source == SourceChannel.RESIDENT:
            if ctx.resident is not None and community is ctx.resident_community:
                user = ctx.resident
            else:
                name, phone = self.person()
                return None, name, phone
        elif source == SourceChannel.PROPERTY_SELF_CHECK:
            org = ctx.route("property", grid.path)
            found = ctx.rectifiers.get(org.pk) if org else None
            if found is not None:
                user = found[0]
            else:
                return None, (org.name if org else "物业服务中心"), ""
        elif source == SourceChannel.HOTLINE:
            name, phone = self.person()
            return None, name, phone
        elif source in SOURCE_NAMES:
            return None, SOURCE_NAMES[source], ""
        else:
            name, phone = self.person()
            return None, name, phone
        return user, user.full_name, user.mobile or ""

    def _nearest_place(
        self, lat: float, lng: float, street: _Node | None
    ) -> tuple[_Place | None, float | None]:
        best: tuple[float, _Place] | None = None
        for place in self.ctx.places:
            if street is not None and place.street_code != street.code:
                continue
            distance = distance_m(lat, lng, place.lat, place.lng)
            if best is None or distance < best[0]:
                best = (distance, place)
        if best is None or best[0] > settings.NEAREST_PLACE_RADIUS_M:
            return None, None
        return best[1], round(best[0], 1)

    def _address(
        self, node: _Node, building: _Node | None, place: _Place | None
    ) -> tuple[str, str]:
        rng = self.rng
        if building is not None:
            unit = node if node.level == Level.UNIT else None
            floor = rng.randint(1, 18)
            unit_name = unit.name if unit else ""
            if rng.random() < 0.5:
                where = f"{unit_name}{floor}0{rng.randint(1, 4)}室"
            else:
                where = f"{unit_name}{floor}楼楼道"
            return f"{building.address}{where}"[:255], f"{building.name}{unit_name} "
        if place is not None:
            return f"{place.address}{place.name}附近"[:255], f"{place.name} "
        spot = rng.choice(OUTDOOR_SPOTS)
        return f"{node.address}{spot}"[:255], f"{node.name}{spot} "

    def _merge_target(self, cat: _Cat, reported_at: datetime) -> _Recent | None:
        """The most recent file of the same subclass reported within its duplicate
        window: the new report may be a duplicate of it (if it is still open)."""
        candidates = self.recent.get(cat.code)
        if not candidates:
            return None
        latest = candidates[-1]
        return latest if latest[0] >= reported_at - timedelta(days=cat.duplicate_window) else None

    def _rectifier(self, org: Any) -> tuple[User | None, str]:
        found = self.ctx.rectifiers.get(org.pk) if org is not None else None
        if found is not None:
            return found
        kind = getattr(org, "kind", "")
        return None, Role.PROPERTY_MANAGER if kind == "property" else Role.DEPARTMENT

    def _live(
        self,
        life: _Life,
        cat: _Cat,
        grid: _Node,
        community: _Node,
        street: _Node | None,
        source: str,
        target: _Recent | None,
    ) -> None:
        """The chain of status changes, stopped at ``now``."""
        ctx, rng, now, h = self.ctx, self.rng, self.now, life.hazard
        gw = ctx.staff_at(Role.GRID_WORKER, grid)
        officer = ctx.staff_at(Role.SAFETY_OFFICER, community)
        admin = ctx.staff_at(Role.COMMUNITY_ADMIN, community)
        street_admin = ctx.staff_at(Role.STREET_ADMIN, street)
        reviewers = {
            1: (gw, Role.GRID_WORKER),
            2: (officer, Role.SAFETY_OFFICER),
            3: (street_admin, Role.STREET_ADMIN),
        }
        t = h.reported_at
        # a duplicate, merged into the earlier file
        if target is not None:
            at = self.staff(t, 3)
            target_status = _status_at(target[2], at)
            if at <= now and target_status in OPEN_STATUSES:
                h.merged_into = target[1]
                reason = rng.choice(MERGE_REASONS)
                life.move(
                    at,
                    "merge",
                    Status.MERGED,
                    gw,
                    Role.GRID_WORKER,
                    reason,
                    {"into": target[1].pk, "into_code": target[1].code},
                )
                self.merge_events.append(
                    (
                        target[1],
                        _Event(
                            at,
                            1,
                            EventKind.MERGE,
                            "merge",
                            gw,
                            Role.GRID_WORKER,
                            target_status,
                            target_status,
                            reason,
                            {"merged": h.pk, "merged_code": h.code, "attachments": []},
                        ),
                    )
                )
                self.merge_targets.append(target[1])
                if h.reporter is not None:
                    self.followers.append((target[1], h.reporter))
                return
        # a false report
        if rng.random() < REJECT_SHARE.get(source, 0.02):
            at = self.staff(t, 3)
            if at <= now:
                life.move(
                    at, "reject", Status.REJECTED, gw, Role.GRID_WORKER, rng.choice(REJECT_REASONS)
                )
            return
        # a small blue hazard fixed on the spot by the grid worker who found it
        if (
            h.risk_colour == RiskColour.BLUE
            and source == SourceChannel.PATROL
            and rng.random() < 0.3
        ):
            at = _seconds(t + timedelta(minutes=rng.uniform(10, 60)))
            if at > now:
                return
            self._to_recheck(life, at, "fix_on_spot", gw, Role.GRID_WORKER, community)
            self._recheck(life, community, street, major=False, dispatched=None)
            return
        # review tiers, then verification
        needed = tiers_required(h.risk_colour, h.is_major)
        delays = {1: 2.5 if h.risk_colour != RiskColour.RED else 0.5, 2: 5, 3: 20}
        for tier in range(1, needed):
            t = self.staff(t, delays[tier])
            if t > now:
                return
            user, role = reviewers[tier]
            h.review_tier = tier
            life.flag(
                t,
                EventKind.REVIEW,
                "verify",
                user,
                role,
                "",
                {"tier": tier, "tiers_required": needed},
            )
        t = self.staff(t, delays[needed])
        if t > now:
            return
        user, role = reviewers[needed]
        h.review_tier = needed
        h.verified_at = t
        if h.risk_colour in (RiskColour.ORANGE, RiskColour.RED):
            h.interim_deadline = ctx.due(TimeLimitStep.INTERIM, h.risk_colour, community, t)
        life.move(t, "verify", Status.VERIFIED, user, role, "", {"tier": needed})
        # automatic dispatch along the routing rule
        org = ctx.route(cat.responsible_kind, h.area_path)
        if org is None:
            life.flag(
                t,
                EventKind.DISPATCH,
                "dispatch",
                None,
                "system",
                _("No responsible organisation found: dispatch by hand."),
                internal=True,
            )
            org = ctx.route_by_hand(cat.responsible_kind, grid)
            t = self.staff(t, 5)
            if org is None or t > now:
                return
            self._dispatch(life, t, org, admin, Role.COMMUNITY_ADMIN, cat, community)
        else:
            self._dispatch(life, t, org, None, "system", cat, community)
        # the unit sends it back: not theirs
        if rng.random() < 0.03:
            other = ctx.route(cat.responsible_kind, h.area_path, exclude=[org.pk])
            returner, returner_role = self._rectifier(org)
            at = self.staff(t, 4)
            if other is not None and at <= now:
                life.move(
                    at,
                    "return",
                    Status.RETURNED,
                    returner,
                    returner_role,
                    rng.choice(RETURN_REASONS),
                    {"organisation": org.pk},
                )
                org, t = other, at
                self._dispatch(life, t, org, None, "system", cat, community)
        rectifier, rectifier_role = self._rectifier(org)
        dispatched = t
        # listing by the street for red and major hazards
        if h.risk_colour == RiskColour.RED or h.is_major:
            self._pending_listing = (self.staff(t, 24), street_admin)
        # interim control measures for orange and red
        if h.interim_deadline is not None:
            hours = (h.interim_deadline - (h.verified_at or t)).total_seconds() / 3600
            at = _seconds(t + timedelta(hours=hours * rng.lognormvariate(math.log(0.5), 0.5)))
            if at <= now:
                h.interim_control = rng.choice(INTERIM_MEASURES)
                h.interim_controlled_at = at
                life.flag(
                    at,
                    EventKind.INTERIM_CONTROL,
                    EventKind.INTERIM_CONTROL,
                    rectifier,
                    rectifier_role,
                    h.interim_control,
                    {"on_time": at <= h.interim_deadline},
                )
        # accepted by the unit
        t = self.at_work(self.later(t, 3), weekend_share=0.3)
        if t > now:
            return
        h.accepted_at = t
        h.responsible_person = rectifier
        life.move(t, "accept", Status.RECTIFYING, rectifier, rectifier_role)
        # the six-item plan of a major hazard, whose time limit becomes the deadline
        if h.is_major:
            at = self.staff(t, 20)
            if at > now:
                return
            local_day = (at + timedelta(days=rng.randint(20, 45))).astimezone(self.tz).date()
            plan = {
                "targets": f"彻底消除{cat.name}隐患，经街道验收合格",
                "method": "委托专业单位现场勘查，制定整改方案并分步实施",
                "funds_and_materials": f"整改资金约{rng.randint(2, 30)}万元，由责任单位落实",
                "people": f"责任单位负责人牵头，{rng.randint(3, 12)}名施工人员",
                "time_limit": local_day.isoformat(),
                "safety_measures": "整改期间设置警戒区域，落实专人监护，制定应急预案",
            }
            h.six_item_plan = plan
            deadline = datetime(
                local_day.year, local_day.month, local_day.day, 18, 0, tzinfo=self.tz
            ).astimezone(UTC)
            h.deadline = deadline
            life.deadline_changes.append((at, deadline, False, False))
            life.flag(
                at, EventKind.PLAN, EventKind.PLAN, rectifier, rectifier_role, "", {"plan": plan}
            )
            t = at
        # rectification: usually well before the deadline, sometimes late, now and then stalled
        assert h.deadline is not None
        span = max(timedelta(hours=12), h.deadline - dispatched)
        share = rng.lognormvariate(math.log(0.4), 0.5) * self.slow
        at = self.at_work(
            max(t + timedelta(minutes=30), dispatched + span * share), weekend_share=0.3
        )
        if at > now:
            return
        self._to_recheck(life, at, "rectify", rectifier, rectifier_role, community)
        self._recheck(life, community, street, h.is_major, dispatched)

    def _dispatch(
        self,
        life: _Life,
        at: datetime,
        org: _Org,
        actor: User | None,
        role: str,
        cat: _Cat,
        community: _Node,
    ) -> None:
        h = life.hazard
        deadline: datetime | None
        if cat.deadline_days:
            deadline = at + timedelta(days=cat.deadline_days)
        else:
            deadline = self.ctx.due(TimeLimitStep.RECTIFY, h.risk_colour, community, at)
        h.responsible_organisation_id = org.pk
        h.dispatched_at = at
        h.deadline = deadline
        life.deadline_changes.append((at, deadline, True, True))
        life.move(
            at,
            "dispatch",
            Status.DISPATCHED,
            actor,
            role,
            "",
            {"organisation": org.pk, "organisation_name": org.name, "deadline": _utc_iso(deadline)},
        )

    def _to_recheck(
        self,
        life: _Life,
        at: datetime,
        action: str,
        actor: User | None,
        role: str,
        community: _Node,
    ) -> None:
        h = life.hazard
        h.rectified_at = at
        h.recheck_deadline = self.ctx.due(TimeLimitStep.RECHECK, h.risk_colour, community, at)
        life.move(at, action, Status.AWAITING_RECHECK, actor, role)

    def _recheck(
        self,
        life: _Life,
        community: _Node,
        street: _Node | None,
        major: bool,
        dispatched: datetime | None,
    ) -> None:
        ctx, rng, now, h = self.ctx, self.rng, self.now, life.hazard
        if major:
            checker, role = ctx.staff_at(Role.STREET_ADMIN, street), Role.STREET_ADMIN
        else:
            checker, role = ctx.staff_at(Role.SAFETY_OFFICER, community), Role.SAFETY_OFFICER
        rectifier, rectifier_role = self._rectifier(
            ctx.orgs.get(h.responsible_organisation_id or 0)
        )
        failures = 0
        while True:
            assert h.rectified_at is not None
            at = self.staff(h.rectified_at, 6 if not major else 30)
            if at > now:
                return
            h.rechecked_at = at
            if failures == 0 and dispatched is not None and rng.random() < 0.1:
                failures += 1
                if rng.random() < 0.7:
                    deadline = at + timedelta(days=rng.randint(3, 7))
                    h.deadline = deadline
                    life.deadline_changes.append((at, deadline, True, False))
                life.move(
                    at, "fail_recheck", Status.RECTIFYING, checker, role, rng.choice(FAIL_REASONS)
                )
                fixed = self.at_work(self.later(at, 40), weekend_share=0.3)
                if fixed > now:
                    return
                self._to_recheck(life, fixed, "rectify", rectifier, rectifier_role, community)
                continue
            h.closed_at = at
            life.move(at, "pass_recheck", Status.CLOSED, checker, role)
            break
        # publicised on the community board
        if rng.random() < 0.35:
            at = self.staff(h.closed_at, 30)
            if at <= now:
                h.publicised_at = at
                life.flag(
                    at,
                    EventKind.PUBLICISE,
                    EventKind.PUBLICISE,
                    ctx.staff_at(Role.SAFETY_OFFICER, community),
                    Role.SAFETY_OFFICER,
                )

    def _list(self, life: _Life) -> None:
        """挂牌督办 while the hazard is open; delisted once it is closed."""
        pending = self._pending_listing
        if pending is None:
            return
        at, street_admin = pending
        h = life.hazard
        if at > self.now or life.status_at(at) not in OPEN_STATUSES:
            return
        h.is_listed = True
        h.listing_level = "street"
        h.listed_at = h.listing_published_at = at
        life.flag(
            at,
            EventKind.LISTING,
            EventKind.LISTING,
            street_admin,
            Role.STREET_ADMIN,
            "",
            {"level": "street", "published": True},
        )
        if h.closed_at is not None:
            off = self.staff(h.closed_at, 20)
            if off <= self.now:
                h.is_listed = False
                h.delisted_at = off
                life.flag(
                    off,
                    EventKind.LISTING,
                    EventKind.LISTING,
                    street_admin,
                    Role.STREET_ADMIN,
                    "整改完成，予以摘牌",
                    {"delisted": True},
                )

    def _sweep(self, life: _Life, cat: _Cat, community: _Node) -> None:
        """Overdue marks and escalations exactly as ``sweep_overdue`` run every
        five minutes would have written them."""
        h = life.hazard
        if not life.deadline_changes:
            return
        limit = self.ctx.limit(TimeLimitStep.RECTIFY, h.risk_colour, community) or deadlines.Limit(
            days=1
        )
        first = deadlines.FIRST_ESCALATION.get(h.risk_colour, 1)
        # (time, 0 for a status change / 1 for a deadline change, index into its list)
        points = sorted(
            [(t, 0, i) for i, (t, _s) in enumerate(life.changes)]
            + [(change[0], 1, i) for i, change in enumerate(life.deadline_changes)]
        )
        status: str = Status.REPORTED
        deadline: datetime | None = None
        overdue, since, level = False, deadline, 0
        for i, (start, what, index) in enumerate(points):
            if what == 0:
                status = life.changes[index][1]
            else:
                _t, deadline, reset_overdue, reset_level = life.deadline_changes[index]
                if reset_overdue:
                    overdue = False
                    if reset_level:
                        since = None
                if reset_level:
                    level = 0
            end = points[i + 1][0] if i + 1 < len(points) else self.now + timedelta(seconds=1)
            if status not in DEADLINE_STATUSES or deadline is None:
                continue
            span = (
                self.ctx.after(deadline, limit) - deadline
                if not limit.is_immediate
                else timedelta(days=1)
            )
            tick = _tick_after(max(deadline, start))
            while tick < end and tick <= self.now and level < deadlines.MAX_ESCALATION:
                periods = int((tick - deadline) / span) if span.total_seconds() > 0 else 0
                wanted = min(deadlines.MAX_ESCALATION, first + periods)
                if not overdue:
                    overdue, since = True, deadline
                    life.flag(
                        tick,
                        EventKind.OVERDUE,
                        "overdue",
                        None,
                        "system",
                        "",
                        {"deadline": _utc_iso(deadline)},
                    )
                while level < wanted:
                    level += 1
                    life.flag(
                        tick, EventKind.ESCALATION, "escalate", None, "system", "", {"level": level}
                    )
                if level >= deadlines.MAX_ESCALATION:
                    break
                tick = _tick_after(max(deadline + span * (level - first + 1), tick))
        h.is_overdue, h.overdue_since, h.escalation_level = overdue, since, level
        # when the real sweep next has something to do, as _sweep_one records it
        h.next_escalation_at = (
            deadlines.next_escalation_at(h.risk_colour, deadline, limit, level)
            if deadline is not None
            else None
        )

    def _finish(self, life: _Life) -> None:
        h = life.hazard
        h.status = life.status
        events = [e for e in life.events if e.at <= self.now]
        events.sort(key=lambda e: (e.at, e.order))
        for e in events:
            if e.order == 1:
                e.from_status = e.to_status = life.status_at(e.at)
        life.events = events
        h.updated_at = events[-1].at


def _tick_after(moment: datetime) -> datetime:
    """The first run of the periodic sweep strictly after ``moment``."""
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp((epoch // SWEEP_SECONDS + 1) * SWEEP_SECONDS, tz=UTC)


# --- digests -----------------------------------------------------------------------------------


class _Digest:
    """Order-independent digest of rows: the sum of their hashes."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, *values: Any) -> None:
        text = "|".join("" if v is None else str(v) for v in values)
        self.total = (
            self.total + int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest())
        ) % (1 << 128)

    def hexdigest(self) -> str:
        return f"{self.total:032x}"


def _ts(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _hazard_row(d: _Digest, values: tuple[Any, ...]) -> None:
    (
        uuid_,
        code,
        machine,
        cat,
        colour,
        grade,
        status,
        lat,
        lng,
        area,
        reporter,
        source,
        org,
        reported,
        closed,
        overdue,
        level,
        listed,
        publicised,
        merged,
        tier,
        title,
    ) = values
    d.add(
        "h",
        uuid_,
        code,
        machine,
        cat,
        colour,
        grade,
        status,
        f"{lat:.7f}",
        f"{lng:.7f}",
        area,
        reporter,
        source,
        org,
        _ts(reported),
        _ts(closed),
        bool(overdue),
        level,
        bool(listed),
        _ts(publicised),
        merged,
        tier,
        title,
    )


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _event_row(d: _Digest, values: tuple[Any, ...], data_json: str | None = None) -> None:
    hazard, kind, action, actor, role, from_status, to_status, at, reason, data, internal = values
    d.add(
        "e",
        hazard,
        kind,
        action,
        actor,
        role,
        from_status,
        to_status,
        _ts(at),
        reason,
        _json(data) if data_json is None else data_json,
        bool(internal),
    )


def stored_digest(district_code: str) -> str:
    """The digest of the hazards stored under a district, comparable with
    ``HazardResult.digest`` of the run that wrote them."""
    path = Area.objects.get(code=district_code).path
    d = _Digest()
    hazards = Hazard.objects.filter(area_path__startswith=path)
    for values in hazards.values_list(
        "uuid",
        "code",
        "machine_code",
        "category__code",
        "risk_colour",
        "grade",
        "status",
        "lat",
        "lng",
        "area__code",
        "reporter__username",
        "source",
        "responsible_organisation__name",
        "reported_at",
        "closed_at",
        "is_overdue",
        "escalation_level",
        "is_listed",
        "publicised_at",
        "merged_into__uuid",
        "review_tier",
        "title",
    ).iterator(chunk_size=5000):
        _hazard_row(d, values)
    events = HazardEvent.objects.filter(hazard__area_path__startswith=path)
    for values in events.values_list(
        "hazard__uuid",
        "kind",
        "action",
        "actor__username",
        "actor_role",
        "from_status",
        "to_status",
        "created_at",
        "reason",
        "data",
        "is_internal",
    ).iterator(chunk_size=5000):
        _event_row(d, values)
    return d.hexdigest()


# --- writing -----------------------------------------------------------------------------------


def district_has_hazards(district_code: str) -> bool:
    path = Area.objects.filter(code=district_code).values_list("path", flat=True).first()
    return bool(path) and Hazard.objects.filter(area_path__startswith=path).exists()


def generate_hazards(district_code: str, config: HazardConfig) -> HazardResult:
    """Write ``config.count`` hazards with their timelines under the district, in
    batches of ``config.batch_size``, in one transaction."""
    # Millions of short-lived objects: the cyclic collector would otherwise walk
    # every live one again and again (a run of 100,000 files took twice as long).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic():
            return _generate(district_code, config)
    finally:
        if collecting:
            gc.enable()


def _generate(district_code: str, config: HazardConfig) -> HazardResult:
    started = time.perf_counter()
    now = _seconds(config.now or timezone.now()).astimezone(UTC)
    ctx = _Context(district_code, now, config.days)
    gen = _Generator(ctx, config, now)
    if connection.vendor == "postgresql":
        # The ids are given here rather than by the sequence: nobody else may take
        # one until this transaction commits.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Hazard._meta.db_table} IN EXCLUSIVE MODE")
    gen.next_id = (Hazard.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    digest = _Digest()
    statuses: dict[str, int] = {}
    batch: list[_Life] = []
    written = {"events": 0}

    hazard_rows = _Inserter(Hazard, [f.attname for f in Hazard._meta.concrete_fields])
    event_rows = _Inserter(HazardEvent, EVENT_COLUMNS)

    def flush() -> None:
        hazard_rows.insert([hazard_rows.values_of(life.hazard) for life in batch])
        pairs = [(life.hazard, e) for life in batch for e in life.events]
        pairs += gen.merge_events
        gen.merge_events = []
        rows = []
        for hazard, e in pairs:
            data = _json(e.data)
            rows.append(
                (
                    hazard.pk,
                    e.kind,
                    e.action,
                    e.actor.pk if e.actor else None,
                    e.role,
                    e.from_status,
                    e.to_status,
                    e.reason,
                    data,
                    e.internal,
                    e.at,
                )
            )
            _event_row(
                digest,
                (
                    str(hazard.uuid),
                    e.kind,
                    e.action,
                    e.actor.username if e.actor else None,
                    e.role,
                    e.from_status,
                    e.to_status,
                    e.at,
                    e.reason,
                    e.data,
                    e.internal,
                ),
                data,
            )
        event_rows.insert([event_rows.convert(row) for row in rows])
        written["events"] += len(rows)
        batch.clear()

    moments = gen.moments()
    for reported_at, source, day_index in moments:
        life = gen.hazard(reported_at, source, day_index)
        h = life.hazard
        statuses[h.status] = statuses.get(h.status, 0) + 1
        _hazard_row(
            digest,
            (
                str(h.uuid),
                h.code,
                h.machine_code,
                h.category.code,
                h.risk_colour,
                h.grade,
                h.status,
                h.lat,
                h.lng,
                ctx.codes_by_pk[h.area_id],
                h.reporter.username if h.reporter else None,
                h.source,
                ctx.orgs[h.responsible_organisation_id].name
                if h.responsible_organisation_id
                else None,
                h.reported_at,
                h.closed_at,
                h.is_overdue,
                h.escalation_level,
                h.is_listed,
                h.publicised_at,
                str(h.merged_into.uuid) if h.merged_into else None,
                h.review_tier,
                h.title,
            ),
        )
        batch.append(life)
        if len(batch) >= config.batch_size:
            flush()
    flush()
    _write_followers(gen.followers)
    _write_counters(gen.counters, gen.machine_counters, ctx)
    _stamp_updated_at(sorted({target.pk for target in gen.merge_targets}))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(no_style(), [Hazard]):
                cursor.execute(sql)
        # Fresh statistics, as autovacuum would gather them soon after a load this size:
        # without them PostgreSQL plans the hazard list as if the table were empty.
        for model in (Hazard, HazardEvent, SequenceCounter):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return HazardResult(
        created=len(moments),
        events=written["events"],
        digest=digest.hexdigest(),
        seconds=time.perf_counter() - started,
        statuses=dict(sorted(statuses.items())),
    )


def _sqlite_datetime(value: datetime | None) -> str | None:
    """As Django stores it in SQLite: UTC, without the offset."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ")[:-6]


EVENT_COLUMNS = [
    "hazard_id",
    "kind",
    "action",
    "actor_id",
    "actor_role",
    "from_status",
    "to_status",
    "reason",
    "data",
    "is_internal",
    "created_at",
]


class _Inserter:
    """Plain multi-row INSERTs of values prepared as Django would prepare them:
    ``bulk_create`` spends most of its time preparing 60 fields per row one by one,
    and on SQLite may put only 999 values in a statement."""

    def __init__(self, model: type[Any], attnames: list[str]) -> None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[a] for a in attnames]
        qn = connection.ops.quote_name
        is_pg = connection.vendor == "postgresql"
        marks = [
            "%s::jsonb" if is_pg and f.get_internal_type() == "JSONField" else "%s" for f in fields
        ]
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(marks)})"
        )
        self.attnames = attnames
        self.converters = [self._converter(f) for f in fields]
        self.copy_sql = (
            f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            "FROM STDIN"
        )

    @staticmethod
    def _converter(f: Any) -> Any:
        kind = f.get_internal_type()
        sqlite = connection.vendor == "sqlite"
        if kind == "DateTimeField" and sqlite:
            return _sqlite_datetime
        if kind == "UUIDField" and sqlite:
            return lambda v: None if v is None else v.hex
        if kind == "JSONField":
            return lambda v: v if isinstance(v, str) else _json(v)
        return None

    def values_of(self, obj: Any) -> list[Any]:
        return self.convert([getattr(obj, a) for a in self.attnames])

    def convert(self, values: Iterable[Any]) -> list[Any]:
        return [v if c is None else c(v) for v, c in zip(values, self.converters, strict=True)]

    def insert(self, rows: list[list[Any]]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)


def _write_followers(pairs: list[tuple[Hazard, User]]) -> None:
    through = Hazard.followers.through
    seen: set[tuple[int, int]] = set()
    rows = []
    for hazard, user in pairs:
        key = (hazard.pk, user.pk)
        if key not in seen:
            seen.add(key)
            rows.append(through(hazard_id=hazard.pk, user_id=user.pk))
    through.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def _write_counters(codes: dict[str, int], machines: dict[str, int], ctx: _Context) -> None:
    """Leave the counters where the actions would have left them, so the next real
    report takes the next number."""
    wanted = {**codes, **machines}
    before = {**ctx.counters, **ctx.machine_counters}
    changed = {k: v for k, v in wanted.items() if before.get(k) != v}
    existing = [k for k in changed if k in before]
    for start in range(0, len(existing), 500):
        keys = existing[start : start + 500]
        rows = list(SequenceCounter.objects.filter(key__in=keys))
        for row in rows:
            row.value = max(row.value, changed[row.key])
        SequenceCounter.objects.bulk_update(rows, ["value"], batch_size=500)
    _Inserter(SequenceCounter, ["key", "value"]).insert(
        [[k, v] for k, v in changed.items() if k not in before]
    )


def _stamp_updated_at(ids: list[int]) -> None:
    """A file that a later duplicate was merged into was last changed then."""
    last_event = (
        HazardEvent.objects.filter(hazard=OuterRef("pk"))
        .order_by()
        .values("hazard")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    for start in range(0, len(ids), 500):
        Hazard.objects.filter(pk__in=ids[start : start + 500]).update(
            updated_at=Subquery(last_event)
        )
