"""Emergency readiness in the demo: the default warning rules, a store with stock
and two teams per street, one plan for each common hazard class per street,
drills, training and the safety-month calendar, and a rainstorm warning from
the weather service (CAP) in force, whose flood warning proposes the flood plan.

Idempotent: when the district has plans already, nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from anxin.accounts.choices import Role
from anxin.accounts.models import User
from anxin.areas.choices import Level
from anxin.areas.models import Area
from anxin.emergency.actions import plans, readiness, responses, supplies, weather
from anxin.emergency.choices import HazardClass
from anxin.emergency.models import EmergencyPlan
from anxin.emergency.samples import weather_cap
from anxin.warnings.actions import ensure_default_rules

# supply kind, name, unit, quantity, minimum, days to expiry (None: none)
STOCK = (
    ("sandbag", "沙袋", "袋", 300, 100, None),
    ("pump", "排水泵", "台", 6, 2, None),
    ("extinguisher", "干粉灭火器", "具", 40, 20, 400),
    ("first_aid_kit", "急救包", "个", 12, 10, 20),  # expiring within the alert window
    ("generator", "应急发电机", "台", 2, 1, None),
    ("life_jacket", "救生衣", "件", 8, 10, None),  # below its minimum
    ("gas_detector", "便携式燃气检测仪", "台", 4, 2, None),
)

# class, level, title suffix, steps (title, stage, role, minutes), supplies (kind, quantity)
PLANS: tuple[
    tuple[str, str, str, list[tuple[str, str, str, int | None]], list[tuple[str, int]]], ...
] = (
    (
        HazardClass.FLOOD,
        "red",
        "防汛防台应急预案",
        [
            ("通知低洼院落居民转移车辆和贵重物品", "started", Role.GRID_WORKER, 60),
            ("防汛抢险队到低洼院落待命", "started", Role.COMMUNITY_ADMIN, 60),
            ("沙袋封堵地下车库和单元入口", "handling", Role.COMMUNITY_ADMIN, 120),
            ("排水泵就位抽排积水", "handling", "", 180),
            ("清点物资并归还仓库", "recovery", Role.COMMUNITY_ADMIN, None),
        ],
        [("sandbag", 100), ("pump", 2), ("life_jacket", 6)],
    ),
    (
        HazardClass.FIRE,
        "red",
        "火灾事故应急预案",
        [
            ("拨打119并组织楼内人员疏散", "started", Role.GRID_WORKER, 10),
            ("微型消防站携灭火器到场处置初起火灾", "started", Role.COMMUNITY_ADMIN, 15),
            ("清理消防通道引导消防车", "handling", Role.GRID_WORKER, 20),
            ("安置受灾住户", "recovery", Role.COMMUNITY_ADMIN, None),
        ],
        [("extinguisher", 10), ("first_aid_kit", 2)],
    ),
    (
        HazardClass.GAS,
        "red",
        "燃气泄漏应急预案",
        [
            ("通知燃气公司关闭总阀", "started", Role.COMMUNITY_ADMIN, 10),
            ("疏散周边楼栋居民，禁止明火和开关电器", "started", Role.GRID_WORKER, 15),
            ("检测燃气浓度", "handling", Role.SAFETY_OFFICER, 30),
            ("复查管线后恢复供气", "recovery", Role.SAFETY_OFFICER, None),
        ],
        [("gas_detector", 2)],
    ),
    (
        HazardClass.EXTREME_WEATHER,
        "orange",
        "高温寒潮应急预案",
        [
            ("走访独居老人", "started", Role.GRID_WORKER, 240),
            ("开放避暑（取暖）点", "handling", Role.COMMUNITY_ADMIN, 360),
        ],
        [("generator", 1)],
    ),
    (
        HazardClass.BUILDING_COLLAPSE,
        "red",
        "房屋倒塌应急预案",
        [
            ("设置警戒区并疏散", "started", Role.GRID_WORKER, 15),
            ("通知住建部门和专家到场鉴定", "started", Role.COMMUNITY_ADMIN, 30),
            ("搜救和临时安置", "handling", Role.COMMUNITY_ADMIN, 60),
        ],
        [("first_aid_kit", 4), ("generator", 1)],
    ),
    (
        HazardClass.MASS_EVENT,
        "orange",
        "人员密集场所踩踏应急预案",
        [
            ("疏导人流，设置单向通道", "started", Role.GRID_WORKER, 15),
            ("医疗救护点就位", "handling", Role.COMMUNITY_ADMIN, 30),
        ],
        [("first_aid_kit", 4)],
    ),
)


@dataclass
class EmergencyResult:
    plans: int = 0
    stores: int = 0
    warning_id: int | None = None


def _first(role: str, district: Area) -> User | None:
    return (
        User.objects.filter(
            memberships__role=role,
            memberships__is_active=True,
            memberships__area__path__startswith=district.path,
        )
        .order_by("pk")
        .first()
    )


def seed_emergency(district_code: str, now: datetime | None = None) -> EmergencyResult:
    """Write the demo's emergency readiness for the district (once)."""
    result = EmergencyResult()
    district = Area.objects.filter(code=district_code).first()
    if district is None:
        return result
    ensure_default_rules(district)
    if EmergencyPlan.objects.filter(area__path__startswith=district.path).exists():
        return result
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        streets = list(Area.objects.filter(level=Level.STREET, path__startswith=district.path))
        for street in sorted(streets, key=lambda a: a.path):
            _seed_street(street, admin, today)
            result.stores += 1
            result.plans += len(PLANS)
        _seed_calendar(district, admin, today)
        result.warning_id = _seed_weather(district, now)
    return result


def _seed_street(street: Area, admin: Any, today: date) -> None:
    # a store is a named place; the demo's places lie in grids
    grid = (
        Area.objects.filter(level=Level.GRID, path__startswith=street.path).order_by("code").first()
    )
    store_area = grid or street
    store = supplies.create_store(
        admin,
        {
            "area": store_area.code,
            "name": f"{street.name}应急物资仓库",
            "lat": store_area.centroid_lat,
            "lng": store_area.centroid_lng,
            "address": store_area.address or street.name,
        },
    )
    items: dict[str, int] = {}
    for kind, name, unit, quantity, minimum, expiry_days in STOCK:
        item = supplies.add_supply(
            admin,
            {
                "store": store.pk,
                "kind": kind,
                "name": name,
                "unit": unit,
                "quantity": quantity,
                "minimum_stock": minimum,
                "expires_on": (today + timedelta(days=expiry_days)).isoformat()
                if expiry_days
                else "",
                "last_checked_on": (today - timedelta(days=20)).isoformat(),
            },
        )
        items[kind] = item.pk
    flood_team = plans.save_team(
        admin,
        {
            "area": street.code,
            "name": f"{street.name}防汛抢险队",
            "kind": "flood_control",
            "members": 16,
            "duty_phone": "0571-87000110",
        },
    )
    plans.save_team(
        admin,
        {
            "area": street.code,
            "name": f"{street.name}微型消防站",
            "kind": "fire_volunteer",
            "members": 8,
        },
    )
    plans.save_team(
        admin,
        {
            "area": store_area.code,
            "name": f"{store_area.name}平安志愿者",
            "kind": "volunteer",
            "members": 30,
        },
    )
    flood_plan = None
    for hazard_class, level, title, steps, stock in PLANS:
        plan = plans.create_plan(
            admin,
            {
                "area": street.code,
                "hazard_class": hazard_class,
                "level": level,
                "title": f"{street.name}{title}",
                "summary": f"{street.name}{title}：分级响应，先人后物。",
                "steps": [
                    {"title": t, "stage": stage, "role": role, "deadline_minutes": minutes}
                    for t, stage, role, minutes in steps
                ],
                "supplies": [{"item": items[kind], "quantity": q} for kind, q in stock],
                "teams": [flood_team.pk] if hazard_class == HazardClass.FLOOD else [],
                "notify_roles": [Role.COMMUNITY_ADMIN, Role.GRID_WORKER, Role.SAFETY_OFFICER],
            },
        )
        if hazard_class == HazardClass.FLOOD:
            flood_plan = plan
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    held = readiness.plan_drill(
        admin,
        {
            "area": street.code,
            "title": f"{street.name}防汛演练",
            "scheduled_on": (quarter_start - timedelta(days=30)).isoformat(),
            "plan": flood_plan.pk if flood_plan else None,
        },
    )
    readiness.record_drill(
        admin,
        held.pk,
        {
            "held_on": (quarter_start - timedelta(days=30)).isoformat(),
            "findings": "集合用时15分钟；地下车库挡水板数量不足，已补充采购。",
            "participant_count": 26,
        },
    )
    readiness.plan_drill(
        admin,
        {
            "area": street.code,
            "title": f"{street.name}消防疏散演练",
            "scheduled_on": (today + timedelta(days=14)).isoformat(),
        },
    )
    readiness.record_training(
        admin,
        {
            "area": street.code,
            "title": "网格员应急处置培训",
            "held_on": (today - timedelta(days=10)).isoformat(),
            "trainer": "区应急管理局",
            "hours": "3",
            "volunteers": 18,
        },
    )


def _seed_calendar(district: Area, admin: Any, today: date) -> None:
    year = today.year if today.month <= 6 else today.year + 1
    for day, title, kind, venue in (
        (1, "安全生产月启动仪式", "campaign", "区政府广场"),
        (8, "燃气安全进社区宣讲", "lecture", "社区党群服务中心"),
        (16, "全国安全宣传咨询日", "consultation", "西湖文化广场"),
        (22, "高层住宅消防疏散演练", "drill", "保俶社区"),
        (28, "电动自行车充电隐患联合检查", "inspection", "各社区充电棚"),
    ):
        readiness.add_activity(
            admin,
            {
                "area": district.code,
                "title": title,
                "kind": kind,
                "starts_at": timezone.make_aware(datetime(year, 6, day, 9, 0)).isoformat(),
                "venue": venue,
                "organiser": "区安委办",
            },
        )


def _seed_weather(district: Area, now: datetime) -> int | None:
    """A rainstorm warning from the weather service, in force now: its flood
    warning tells residents near the low-lying yards and proposes the flood plan."""
    document = weather_cap(
        identifier=f"demo-{district.code}-{timezone.localtime(now):%Y%m%d}",
        area_code=district.code,
        area_name=district.name,
        now=now,
        onset_in=timedelta(hours=6),
    )
    result = weather.import_cap(document, source="demo")
    warning = result.alerts[0].flood_warning if result.alerts else None
    if warning is None:
        return None
    responses.propose_for_warning(warning.pk)
    return warning.pk
