"""A believable demo district (杭州市西湖区) for trying Anxin and for benchmarks.

Two steps, so that the data can be checked without a database:

* ``build_plan(config)`` is pure: from a seed and a size it returns every area,
  organisation, named place and user as plain data. The same config always gives
  the same plan (``DemoPlan.digest()``): it draws from ``random.Random(seed)`` only
  and writes no timestamps.
* ``build_demo(config)`` writes a plan in one transaction. Areas are bulk-created
  level by level with the fields ``Area.save`` computes (path, depth, centroid),
  then the tree version moves exactly as the ``post_save`` signal would move it,
  so a 1,000-grid tree takes seconds. Running it again on a database that already
  holds the district changes nothing (``DemoResult.created`` is False).

Layout: the district is a rectangle of about 8 x 6 km around its centre; each
level splits its parent's inner rectangle into cells (rows x columns) and draws
each child as that cell with every corner pulled inwards by a small random inset,
so children lie inside their parent and siblings never overlap (the insets are
the streets and lanes between them). Buildings are footprints of about 30 x 15 m
in their grid; units split their building along its long side.

With ``DemoConfig.hazards`` > 0, ``build_demo`` then writes a year of hazard
files through ``anxin.demo.hazards`` (``seed_demo`` asks for 600 by default).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.translation import gettext as _

from anxin.accounts.actions import create_user, grant_membership
from anxin.accounts.choices import Role
from anxin.accounts.models import User
from anxin.areas.choices import LEVEL_ORDER, Level, PlaceKind
from anxin.areas.geometry import centroid_of
from anxin.areas.models import Area, Place
from anxin.demo.emergency import seed_emergency
from anxin.demo.engagement import seed_engagement
from anxin.demo.hazards import HazardConfig, HazardResult, district_has_hazards, generate_hazards
from anxin.hazards.models import Hazard
from anxin.organisations.choices import OrganisationKind
from anxin.organisations.models import Organisation

DEMO_PASSWORD = "anxin2026"
DEFAULT_HAZARDS = 600  # what seed_demo writes when not told otherwise: a lived-in district
MAX_HAZARDS = 2_000_000

# metres per degree at the demo latitude (30.27 N); good enough for a demo layout
M_PER_DEG_LAT = 111_320.0

Rect = tuple[float, float, float, float]  # west, south, east, north (degrees)


class DemoError(ValueError):
    """A demo setting is out of range; ``field`` names the setting."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DemoConfig:
    seed: int = 42
    streets: int = 2
    communities_per_street: int = 3
    grids_per_community: int = 4
    buildings_per_grid: int = 5
    units_per_building: int = 2
    # Hazard files over the last year (anxin.demo.hazards); seed_demo's default is
    # DEFAULT_HAZARDS, the plain plan has none.
    hazards: int = 0
    city_name: str = "杭州市"
    district_code: str = "330106"
    district_name: str = "西湖区"
    centre_lat: float = 30.27
    centre_lng: float = 120.13
    width_m: float = 8000.0
    height_m: float = 6000.0

    def validate(self) -> None:
        # (setting, lowest, highest): the highest follows from the code lengths
        limits = [
            ("streets", 1, 999),
            ("communities_per_street", 1, 999),
            ("grids_per_community", 1, 999),
            ("buildings_per_grid", 1, 999),
            ("units_per_building", 1, 99),
        ]
        for name, low, high in limits:
            value = getattr(self, name)
            if not low <= value <= high:
                raise DemoError(
                    name,
                    _("%(name)s must be between %(low)d and %(high)d, not %(value)s.")
                    % {"name": name, "low": low, "high": high, "value": value},
                )
        if not 0 <= self.hazards <= MAX_HAZARDS:
            raise DemoError(
                "hazards",
                _("hazards must be between 0 and %(high)d, not %(value)s.")
                % {"high": MAX_HAZARDS, "value": self.hazards},
            )
        if not (self.district_code.isdigit() and len(self.district_code) == 6):
            raise DemoError("district_code", _("The district code has exactly 6 digits."))


# --- plain data of a plan ----------------------------------------------------------------


@dataclass
class AreaSpec:
    level: str
    code: str
    name: str
    parent_code: str | None
    geometry: dict[str, Any]
    address: str = ""
    households: int | None = None


@dataclass
class OrganisationSpec:
    key: str
    name: str
    kind: str
    contact_name: str
    contact_phone: str
    address: str
    served_codes: list[str]


@dataclass
class PlaceSpec:
    name: str
    kind: str
    lng: float
    lat: float
    area_code: str
    address: str


@dataclass
class UserSpec:
    username: str
    full_name: str
    mobile: str
    role: str | None  # None: the superuser, who holds no membership
    area_code: str | None = None
    organisation_key: str | None = None
    is_staff: bool = False
    is_superuser: bool = False
    view_personal_data: bool = False
    home_building_code: str | None = None


@dataclass
class DemoPlan:
    config: DemoConfig
    areas: list[AreaSpec] = field(default_factory=list)
    organisations: list[OrganisationSpec] = field(default_factory=list)
    places: list[PlaceSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)

    def digest(self) -> str:
        """SHA-256 of the whole plan: equal for equal configs."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def areas_of(self, level: str) -> list[AreaSpec]:
        return [a for a in self.areas if a.level == level]


# --- names -------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (1..999)."""
    if not 1 <= n <= 999:
        raise ValueError(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            return out + "零" + _DIGITS[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


STREET_NAMES = [
    "北山街道",
    "西溪街道",
    "灵隐街道",
    "翠苑街道",
    "文新街道",
    "古荡街道",
    "西湖街道",
    "留下街道",
    "转塘街道",
    "蒋村街道",
    "三墩街道",
    "双浦街道",
]
# The first streets get the communities a visitor of the default demo expects.
COMMUNITY_NAMES_BY_STREET = [
    ["保俶社区", "宝石社区", "曙光社区"],
    ["求是社区", "文三社区", "松木场社区"],
]
COMMUNITY_PREFIXES = [
    "桂花",
    "香樟",
    "梧桐",
    "银杏",
    "紫荆",
    "玉兰",
    "翠柏",
    "青枫",
    "金桂",
    "丹枫",
    "明月",
    "清泉",
    "望湖",
    "听涛",
    "云栖",
    "竹溪",
    "梅坞",
    "茶园",
    "枫林",
    "荷塘",
    "龙井",
    "九溪",
    "双峰",
    "花港",
    "南山",
    "孤山",
    "玉泉",
    "桃源",
    "春晓",
    "翠竹",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "魏苏吕丁沈任姚卢傅钟姜崔谭陆范汪金石廖贾夏韦方邹熊白孟秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严武戴莫孔汤"
)
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "建国",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "丽华",
    "玉兰",
    "文杰",
    "国庆",
    "红梅",
    "俊",
    "鹏",
    "婷",
    "欣怡",
    "浩然",
    "雨桐",
    "思远",
    "佳怡",
    "宇航",
    "嘉豪",
    "梓萱",
    "慧敏",
    "立新",
    "春燕",
    "卫东",
    "晓燕",
]


def street_name(index: int) -> str:
    if index < len(STREET_NAMES):
        return STREET_NAMES[index]
    return f"第{chinese_number(index + 1)}街道"


def short_name(name: str) -> str:
    """北山街道 -> 北山, 保俶社区 -> 保俶."""
    for suffix in ("街道", "社区"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Names:
    """Unique people's names, mobile numbers and community names from one generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people: set[str] = set()
        self.mobiles: set[str] = set()
        self.communities: set[str] = set()
        self.next_prefix = 0

    def person(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)
            if name not in self.people:
                self.people.add(name)
                return name
            if len(self.people) > len(SURNAMES) * len(GIVEN_NAMES) // 2:
                # plenty of people already: allow namesakes, as real life does
                return name

    def mobile(self) -> str:
        while True:
            number = f"138{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def community(self, street_index: int, index: int) -> str:
        if street_index < len(COMMUNITY_NAMES_BY_STREET):
            known = COMMUNITY_NAMES_BY_STREET[street_index]
            if index < len(known) and known[index] not in self.communities:
                self.communities.add(known[index])
                return known[index]
        while True:
            i = self.next_prefix
            self.next_prefix += 1
            prefix = COMMUNITY_PREFIXES[i % len(COMMUNITY_PREFIXES)]
            rounds = i // len(COMMUNITY_PREFIXES)
            name = f"{prefix}社区" if rounds == 0 else f"{prefix}{chinese_number(rounds + 1)}社区"
            if name not in self.communities:
                self.communities.add(name)
                return name


# --- geometry ------------------------------------------------------------------------------


class _Geo:
    """Metric helpers around the district centre."""

    def __init__(self, centre_lat: float) -> None:
        self.m_per_deg_lng = M_PER_DEG_LAT * math.cos(math.radians(centre_lat))

    def size_m(self, rect: Rect) -> tuple[float, float]:
        west, south, east, north = rect
        return (east - west) * self.m_per_deg_lng, (north - south) * M_PER_DEG_LAT

    def split(self, rect: Rect, n: int) -> list[Rect]:
        """``n`` cells covering ``rect`` in rows (north to south) and columns (west to
        east); the last row takes the remainder and spreads it over the full width."""
        width, height = self.size_m(rect)
        cols = max(1, min(n, round(math.sqrt(n * width / height))))
        rows = math.ceil(n / cols)
        west, south, east, north = rect
        cells: list[Rect] = []
        for r in range(rows):
            count = cols if r < rows - 1 else n - cols * (rows - 1)
            row_north = north - (north - south) * r / rows
            row_south = north - (north - south) * (r + 1) / rows
            for c in range(count):
                cells.append(
                    (
                        west + (east - west) * c / count,
                        row_south,
                        west + (east - west) * (c + 1) / count,
                        row_north,
                    )
                )
        return cells


def _r(value: float) -> float:
    return round(value, 7)  # about 1 cm


def polygon(corners: list[tuple[float, float]]) -> dict[str, Any]:
    ring = [[_r(x), _r(y)] for x, y in corners]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def rect_polygon(rect: Rect) -> dict[str, Any]:
    west, south, east, north = rect
    return polygon([(west, south), (east, south), (east, north), (west, north)])


def jittered(
    rect: Rect, rng: random.Random, low: float, high: float
) -> tuple[dict[str, Any], Rect]:
    """The cell drawn with each corner pulled inwards by ``low``..``high`` of its size,
    and the inner rectangle (inset by ``high``) that the quadrilateral always covers."""
    west, south, east, north = rect
    dx, dy = east - west, north - south

    def inset() -> float:
        return rng.uniform(low, high)

    corners = [
        (west + dx * inset(), south + dy * inset()),
        (east - dx * inset(), south + dy * inset()),
        (east - dx * inset(), north - dy * inset()),
        (west + dx * inset(), north - dy * inset()),
    ]
    inner = (west + dx * high, south + dy * high, east - dx * high, north - dy * high)
    return polygon(corners), inner


# Corner insets (fraction of the cell) per level: the roads and lanes between areas.
INSETS = {
    Level.DISTRICT: (0.0, 0.02),
    Level.STREET: (0.004, 0.012),
    Level.COMMUNITY: (0.008, 0.025),
    Level.GRID: (0.01, 0.04),
}


# --- the pure plan -------------------------------------------------------------------------


def build_plan(config: DemoConfig) -> DemoPlan:
    """Every row of the demo as plain data; deterministic for a config."""
    config.validate()
    rng = random.Random(config.seed)
    geo = _Geo(config.centre_lat)
    names = _Names(rng)
    plan = DemoPlan(config=config)
    grid_inner: dict[str, Rect] = {}
    footprints: dict[str, list[Rect]] = {}  # grid code -> building rectangles

    half_w = config.width_m / 2 / geo.m_per_deg_lng
    half_h = config.height_m / 2 / M_PER_DEG_LAT
    outer = (
        config.centre_lng - half_w,
        config.centre_lat - half_h,
        config.centre_lng + half_w,
        config.centre_lat + half_h,
    )
    district_geometry, district_inner = jittered(outer, rng, *INSETS[Level.DISTRICT])
    district = AreaSpec(
        Level.DISTRICT,
        config.district_code,
        config.district_name,
        None,
        district_geometry,
        address=f"{config.city_name}{config.district_name}",
    )
    plan.areas.append(district)

    for s, street_cell in enumerate(geo.split(district_inner, config.streets)):
        s_geometry, s_inner = jittered(street_cell, rng, *INSETS[Level.STREET])
        s_name = street_name(s)
        street = AreaSpec(
            Level.STREET,
            f"{district.code}{s + 1:03d}",
            s_name,
            district.code,
            s_geometry,
            address=f"{config.district_name}{s_name}",
        )
        plan.areas.append(street)
        for c, community_cell in enumerate(geo.split(s_inner, config.communities_per_street)):
            c_geometry, c_inner = jittered(community_cell, rng, *INSETS[Level.COMMUNITY])
            c_name = names.community(s, c)
            community = AreaSpec(
                Level.COMMUNITY,
                f"{street.code}{c + 1:03d}",
                c_name,
                street.code,
                c_geometry,
                address=f"{street.address}{c_name}",
            )
            plan.areas.append(community)
            building_number = 0
            for g, grid_cell in enumerate(geo.split(c_inner, config.grids_per_community)):
                g_geometry, g_inner = jittered(grid_cell, rng, *INSETS[Level.GRID])
                g_name = f"第{chinese_number(g + 1)}网格"
                grid = AreaSpec(
                    Level.GRID,
                    f"{community.code}{g + 1:03d}",
                    g_name,
                    community.code,
                    g_geometry,
                    address=f"{community.address}{g_name}",
                )
                plan.areas.append(grid)
                grid_inner[grid.code] = g_inner
                footprints[grid.code] = []
                for b, slot in enumerate(geo.split(g_inner, config.buildings_per_grid)):
                    building_number += 1
                    footprint = _footprint(slot, rng, geo)
                    footprints[grid.code].append(footprint)
                    households = rng.randint(24, 120)
                    building = AreaSpec(
                        Level.BUILDING,
                        f"{grid.code}{b + 1:03d}",
                        f"{building_number}幢",
                        grid.code,
                        rect_polygon(footprint),
                        address=f"{community.address}{building_number}幢",
                        households=households,
                    )
                    plan.areas.append(building)
                    plan.areas.extend(_units(building, footprint, config.units_per_building))

    _add_organisations(plan, names)
    _add_places(plan, rng, grid_inner, footprints)
    _add_users(plan, names)
    # Drawn last so that the names and places above stay those of earlier plans.
    _add_more_departments(plan, names)
    return plan


def _footprint(slot: Rect, rng: random.Random, geo: _Geo) -> Rect:
    """A building of about 30 x 15 m somewhere in its slot (smaller if the slot is)."""
    slot_w, slot_h = geo.size_m(slot)
    length = min(30.0 * rng.uniform(0.85, 1.2), slot_w * 0.7)
    depth = min(15.0 * rng.uniform(0.85, 1.2), slot_h * 0.7)
    slack_w, slack_h = slot_w - length, slot_h - depth
    west, south, _east, _north = slot
    x0 = west + (slack_w * rng.uniform(0.15, 0.85)) / geo.m_per_deg_lng
    y0 = south + (slack_h * rng.uniform(0.15, 0.85)) / M_PER_DEG_LAT
    return (
        _r(x0),
        _r(y0),
        _r(x0 + length / geo.m_per_deg_lng),
        _r(y0 + depth / M_PER_DEG_LAT),
    )


def _units(building: AreaSpec, footprint: Rect, count: int) -> list[AreaSpec]:
    """Units side by side along the building's long (east-west) side."""
    west, south, east, north = footprint
    edges = [_r(west + (east - west) * i / count) for i in range(count)] + [east]
    households = building.households or 0
    base, extra = divmod(households, count)
    return [
        AreaSpec(
            Level.UNIT,
            f"{building.code}{u + 1:02d}",
            f"{u + 1}单元",
            building.code,
            rect_polygon((edges[u], south, edges[u + 1], north)),
            address=f"{building.address}{u + 1}单元",
            households=base + (1 if u < extra else 0),
        )
        for u in range(count)
    ]


def _add_organisations(plan: DemoPlan, names: _Names) -> None:
    config = plan.config
    district = plan.areas_of(Level.DISTRICT)[0]
    district_name = config.district_name
    short_district = district_name.removesuffix("区")
    buildings_by_community: dict[str, list[str]] = {}
    for b in plan.areas_of(Level.BUILDING):
        buildings_by_community.setdefault(b.code[:12], []).append(b.code)

    def org(key: str, name: str, kind: str, served: list[str], address: str) -> None:
        plan.organisations.append(
            OrganisationSpec(key, name, kind, names.person(), names.mobile(), address, served)
        )

    for community in plan.areas_of(Level.COMMUNITY):
        org(
            f"property:{community.code}",
            f"杭州{short_name(community.name)}物业管理有限公司",
            OrganisationKind.PROPERTY,
            buildings_by_community.get(community.code, []),
            community.address,
        )
    district_departments = [
        ("fire", f"{district_name}消防救援大队", OrganisationKind.FIRE),
        ("housing", f"{district_name}住房和城乡建设局", OrganisationKind.HOUSING),
        ("gas", f"杭州燃气{short_district}分公司", OrganisationKind.GAS),
        ("market", f"{district_name}市场监督管理局", OrganisationKind.MARKET_SUPERVISION),
        ("emergency", f"{district_name}应急管理局", OrganisationKind.EMERGENCY),
        ("water", f"杭州水务{short_district}排水管理所", OrganisationKind.WATER),
        ("experts", f"{district_name}安全生产专家组", OrganisationKind.EXPERT_PANEL),
    ]
    for key, name, kind in district_departments:
        org(key, name, kind, [district.code], district.address)
    for street in plan.areas_of(Level.STREET):
        short = short_name(street.name)
        org(
            f"police:{street.code}",
            f"{district_name}公安分局{short}派出所",
            OrganisationKind.POLICE,
            [street.code],
            street.address,
        )
        org(
            f"urban:{street.code}",
            f"{short}城管中队",
            OrganisationKind.URBAN_MANAGEMENT,
            [street.code],
            street.address,
        )


def _add_more_departments(plan: DemoPlan, names: _Names) -> None:
    """The departments that the remaining subclasses of the default taxonomy are
    routed to (trees, civil affairs, schools, power), so every hazard of the demo is
    dispatched automatically."""
    config = plan.config
    district = plan.areas_of(Level.DISTRICT)[0]
    short_district = config.district_name.removesuffix("区")
    for key, name, kind in [
        ("landscaping", f"{config.district_name}园林绿化管理中心", OrganisationKind.LANDSCAPING),
        ("education", f"{config.district_name}教育局", OrganisationKind.EDUCATION),
        ("power", f"国网杭州市{short_district}区供电公司", OrganisationKind.POWER),
    ]:
        plan.organisations.append(
            OrganisationSpec(
                key, name, kind, names.person(), names.mobile(), district.address, [district.code]
            )
        )
    for street in plan.areas_of(Level.STREET):
        plan.organisations.append(
            OrganisationSpec(
                f"civil_affairs:{street.code}",
                f"{short_name(street.name)}街道社会事务办",
                OrganisationKind.CIVIL_AFFAIRS,
                names.person(),
                names.mobile(),
                street.address,
                [street.code],
            )
        )


def _add_places(
    plan: DemoPlan,
    rng: random.Random,
    grid_inner: dict[str, Rect],
    footprints: dict[str, list[Rect]],
) -> None:
    grids_by_parent: dict[str, list[AreaSpec]] = {}
    for grid in plan.areas_of(Level.GRID):
        grids_by_parent.setdefault(grid.code[:12], []).append(grid)
        grids_by_parent.setdefault(grid.code[:9], []).append(grid)
    communities_by_street: dict[str, list[AreaSpec]] = {}
    for community in plan.areas_of(Level.COMMUNITY):
        communities_by_street.setdefault(community.code[:9], []).append(community)

    def place(name: str, kind: str, parent_code: str) -> None:
        grid = rng.choice(grids_by_parent[parent_code])
        lng, lat = _free_point(rng, grid_inner[grid.code], footprints[grid.code])
        community_address = grid.address.removesuffix(grid.name)
        plan.places.append(PlaceSpec(name, kind, lng, lat, grid.code, community_address))

    for street in plan.areas_of(Level.STREET):
        short = short_name(street.name)
        place(f"{plan.config.district_name}{short}中心小学", PlaceKind.SCHOOL, street.code)
        place(f"{short}幼儿园", PlaceKind.KINDERGARTEN, street.code)
        place(f"{short}农贸市场", PlaceKind.MARKET, street.code)
        place(f"{short}美食街", PlaceKind.RESTAURANT_STREET, street.code)
        low_lying = rng.choice(communities_by_street[street.code])
        place(f"{low_lying.name}低洼院落", PlaceKind.LOW_LYING_YARD, low_lying.code)
    for community in plan.areas_of(Level.COMMUNITY):
        place(f"{community.name}老年活动中心", PlaceKind.ELDERLY_CENTRE, community.code)
        place(f"{community.name}电动自行车充电棚", PlaceKind.CHARGING_SHED, community.code)


def _free_point(rng: random.Random, inner: Rect, taken: list[Rect]) -> tuple[float, float]:
    """A point inside the grid's inner rectangle, preferably outside its buildings."""
    west, south, east, north = inner
    lng, lat = (west + east) / 2, (south + north) / 2
    for _attempt in range(50):
        lng = rng.uniform(west, east)
        lat = rng.uniform(south, north)
        if not any(w <= lng <= e and s <= lat <= n for w, s, e, n in taken):
            break
    return _r(lng), _r(lat)


# The fixed demo accounts and their roles (where each sits: see _add_users).
DEMO_USERS: list[tuple[str, str | None]] = [
    ("admin", None),
    ("district_admin", Role.DISTRICT_ADMIN),
    ("street_admin", Role.STREET_ADMIN),
    ("community_admin", Role.COMMUNITY_ADMIN),
    ("safety_officer", Role.SAFETY_OFFICER),
    ("grid_worker", Role.GRID_WORKER),
    ("grid_worker2", Role.GRID_WORKER),
    ("property_manager", Role.PROPERTY_MANAGER),
    ("department", Role.DEPARTMENT),
    ("building_leader", Role.BUILDING_LEADER),
    ("expert", Role.EXPERT),
    ("evaluator", Role.EVALUATOR),
    ("resident", Role.RESIDENT),
]
DEMO_USERNAMES = [username for username, _role in DEMO_USERS]


def _add_users(plan: DemoPlan, names: _Names) -> None:
    district = plan.areas_of(Level.DISTRICT)[0]
    street = plan.areas_of(Level.STREET)[0]
    community = plan.areas_of(Level.COMMUNITY)[0]
    grids = plan.areas_of(Level.GRID)
    building = plan.areas_of(Level.BUILDING)[0]
    second_grid = grids[1] if len(grids) > 1 else grids[0]
    where: dict[str, dict[str, Any]] = {
        "admin": {"is_staff": True, "is_superuser": True},
        "district_admin": {
            "area_code": district.code,
            "is_staff": True,
            "view_personal_data": True,
        },
        "street_admin": {"area_code": street.code, "is_staff": True, "view_personal_data": True},
        "community_admin": {"area_code": community.code, "is_staff": True},
        "safety_officer": {"area_code": community.code},
        "grid_worker": {"area_code": grids[0].code},
        "grid_worker2": {"area_code": second_grid.code},
        "property_manager": {"organisation_key": f"property:{community.code}"},
        "department": {"organisation_key": "fire"},
        "building_leader": {"area_code": building.code},
        "expert": {"organisation_key": "experts"},
        "evaluator": {"area_code": street.code},
        "resident": {"home_building_code": building.code},
    }
    for username, role in DEMO_USERS:
        plan.users.append(
            UserSpec(
                username=username,
                full_name=names.person(),
                mobile=names.mobile(),
                role=role,
                **where[username],
            )
        )


# --- writing a plan ----------------------------------------------------------------------


@dataclass
class DemoResult:
    created: bool
    counts: dict[str, int]
    plan: DemoPlan | None = None
    hazards: HazardResult | None = None


def demo_exists(config: DemoConfig | None = None) -> bool:
    config = config or DemoConfig()
    return Area.objects.filter(code=config.district_code).exists()


@transaction.atomic
def build_demo(config: DemoConfig | None = None, now: datetime | None = None) -> DemoResult:
    """Write the demo district, then ``config.hazards`` hazards reported over the year
    before ``now`` (default: the current time).

    When the district exists already, its areas and people are left alone; hazards
    are written only if it has none yet (a district seeded before hazards existed).
    """
    config = config or DemoConfig()
    config.validate()
    hazards = HazardConfig(count=config.hazards, seed=config.seed, now=now)
    if demo_exists(config):
        result = DemoResult(created=False, counts=_counts(config))
        if config.hazards and not district_has_hazards(config.district_code):
            result.hazards = generate_hazards(config.district_code, hazards)
            result.counts = _counts(config)
            seed_engagement(config.district_code, now=now, seed=config.seed)
        # emergency readiness came later than some seeded districts: added once
        seed_emergency(config.district_code, now=now)
        return result
    plan = build_plan(config)
    areas = _write_areas(plan)
    organisations = _write_organisations(plan, areas)
    _write_places(plan, areas)
    _write_users(plan, areas, organisations)
    result = DemoResult(created=True, counts=_counts(config), plan=plan)
    if config.hazards:
        result.hazards = generate_hazards(config.district_code, hazards)
        result.counts = _counts(config)
    # ratings, points and campaigns of the demo resident (anxin.demo.engagement)
    seed_engagement(config.district_code, now=now, seed=config.seed)
    # warning rules, supplies, plans, drills and a weather warning in force
    seed_emergency(config.district_code, now=now)
    return result


def _counts(config: DemoConfig) -> dict[str, int]:
    district = Area.objects.filter(code=config.district_code).first()
    if district is None:
        return {}
    below = Area.objects.filter(path__startswith=district.path)
    counts = {level: below.filter(level=level).count() for level in LEVEL_ORDER}
    counts["places"] = Place.objects.filter(area__path__startswith=district.path).count()
    counts["organisations"] = (
        Organisation.objects.filter(served_areas__path__startswith=district.path).distinct().count()
    )
    counts["hazards"] = Hazard.objects.filter(area_path__startswith=district.path).count()
    return counts


def _write_areas(plan: DemoPlan) -> dict[str, Area]:
    """Bulk-create level by level, computing what ``Area.save`` computes; then move
    the tree version as the ``post_save`` signal does (bulk_create sends none)."""
    from anxin.areas.signals import bump_tree_version

    by_code: dict[str, Area] = {}
    for level in LEVEL_ORDER:
        rows: list[Area] = []
        for spec in plan.areas_of(level):
            parent = by_code[spec.parent_code] if spec.parent_code else None
            area = Area(
                level=spec.level,
                code=spec.code,
                name=spec.name,
                parent=parent,
                geometry=spec.geometry,
                address=spec.address,
                households=spec.households,
            )
            # the same fields, computed the same way, as Area.save
            area.path = (parent.path if parent else "/") + f"{area.code}/"
            area.depth = area.path.count("/") - 1
            area.centroid_lat, area.centroid_lng = centroid_of(area.geometry)
            rows.append(area)
        Area.objects.bulk_create(rows, batch_size=500)
        if any(a.pk is None for a in rows):  # a backend that returns no ids
            ids = dict(
                Area.objects.filter(code__in=[a.code for a in rows]).values_list("code", "pk")
            )
            for a in rows:
                a.pk = ids[a.code]
        by_code.update((a.code, a) for a in rows)
    bump_tree_version(sender=Area)
    return by_code


def _write_organisations(plan: DemoPlan, areas: dict[str, Area]) -> dict[str, Organisation]:
    through = Organisation.served_areas.through
    result: dict[str, Organisation] = {}
    links: list[Any] = []
    for spec in plan.organisations:
        organisation = Organisation.objects.create(
            name=spec.name,
            kind=spec.kind,
            contact_name=spec.contact_name,
            contact_phone=spec.contact_phone,
            address=spec.address,
        )
        result[spec.key] = organisation
        links.extend(
            through(organisation_id=organisation.pk, area_id=areas[code].pk)
            for code in spec.served_codes
        )
    through.objects.bulk_create(links, batch_size=1000)
    return result


def _write_places(plan: DemoPlan, areas: dict[str, Area]) -> None:
    for spec in plan.places:
        Place.objects.create(
            name=spec.name,
            kind=spec.kind,
            geometry={"type": "Point", "coordinates": [spec.lng, spec.lat]},
            area=areas[spec.area_code],
            address=spec.address,
        )


def _write_users(
    plan: DemoPlan, areas: dict[str, Area], organisations: dict[str, Organisation]
) -> None:
    personal_data = Permission.objects.get(
        content_type__app_label="accounts", codename="view_personal_data"
    )
    for spec in plan.users:
        if User.objects.filter(username=spec.username).exists():
            continue  # an account of that name was made by hand: leave it alone
        user = create_user(
            username=spec.username,
            password=DEMO_PASSWORD,
            full_name=spec.full_name,
            mobile=spec.mobile,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
        if spec.view_personal_data:
            user.user_permissions.add(personal_data)
        if spec.home_building_code:
            user.home_building = areas[spec.home_building_code]
            user.save(update_fields=["home_building"])
        if spec.role is not None:
            grant_membership(
                user=user,
                role=spec.role,
                area=areas[spec.area_code] if spec.area_code else None,
                organisation=organisations[spec.organisation_key]
                if spec.organisation_key
                else None,
            )


# --- the logins, for the command, the README and the start script ---------------------------


@dataclass(frozen=True)
class LoginRow:
    username: str
    password: str
    role: str
    where: str
    mobile: str


def demo_logins() -> list[LoginRow]:
    """The demo accounts present in the database, in a fixed order."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_USERNAMES).prefetch_related(
            "memberships__area", "memberships__organisation", "home_building"
        )
    }
    rows: list[LoginRow] = []
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        memberships = [m for m in user.memberships.all() if m.is_active]
        if user.is_superuser and not memberships:
            role, where = str(_("Superuser")), str(_("everything"))
        elif memberships:
            m = memberships[0]
            role = str(m.get_role_display())
            if m.area is not None:
                where = area_label(m.area)
            elif m.organisation is not None:
                where = m.organisation.name
            elif user.home_building is not None:
                where = area_label(user.home_building)
            else:
                where = "—"
        else:
            role, where = "—", "—"
        rows.append(LoginRow(username, DEMO_PASSWORD, role, where, user.mobile or ""))
    return rows


def area_label(area: Area) -> str:
    """保俶社区第一网格 rather than a bare 第一网格: grids, buildings and units are
    named with their community."""
    if area.level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        return area.name
    names = dict(Area.objects.filter(code__in=area.ancestor_codes()).values_list("level", "name"))
    parts = [names.get(Level.COMMUNITY, "")]
    parts += [names[level] for level in (Level.BUILDING, Level.UNIT) if level in names]
    if area.level == Level.GRID:
        parts.append(area.name)
    return "".join(parts)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_logins(rows: list[LoginRow]) -> str:
    """The logins as an aligned text table (CJK characters count double)."""
    header = (
        str(_("Username")),
        str(_("Password")),
        str(_("Mobile")),
        str(_("Role")),
        str(_("Area or organisation")),
    )
    table = [header] + [(r.username, r.password, r.mobile, r.role, r.where) for r in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(row) for row in table[1:])])
