"""A small emergency set-up on the test tree (``anxin.testing.factories.Tree``),
shared by the tests of this app and the cross-app and browser tests."""

from __future__ import annotations

from typing import Any

from anxin.areas.choices import PlaceKind
from anxin.areas.models import Place
from anxin.emergency.actions import plans, supplies
from anxin.emergency.models import EmergencyPlan, EmergencyTeam, SupplyItem
from anxin.warnings.actions import ensure_default_rules

# The REST endpoints of emergency readiness (under /api/v1/).
ENDPOINTS = (
    "supplies",
    "supply-movements",
    "emergency-teams",
    "emergency-plans",
    "emergency-responses",
    "response-tasks",
    "response-reviews",
    "drills",
    "trainings",
    "safety-activities",
    "weather-alerts",
)

FLOOD_STEPS = [
    {
        "title": "通知低洼院落居民转移车辆",
        "stage": "started",
        "role": "grid_worker",
        "deadline_minutes": 60,
    },
    {
        "title": "沙袋封堵地下车库入口",
        "stage": "handling",
        "role": "community_admin",
        "deadline_minutes": 120,
    },
    {"title": "排水泵就位抽水", "stage": "handling", "role": "", "deadline_minutes": 180},
    {"title": "清点物资归还仓库", "stage": "recovery", "role": "community_admin"},
]


class Readiness:
    """``mark`` goes into every name and title (the leak walks look for it)."""

    def __init__(self, tree: Any, personas: Any, mark: str = "") -> None:
        self.tree = tree
        self.people = personas
        ensure_default_rules(tree.district)
        # the yard lies 100 m east of building 1 of grid A1a (120.005–120.01, 30.01–30.02)
        self.yard = Place.objects.create(
            name=f"{mark}保俶低洼院落",
            kind=PlaceKind.LOW_LYING_YARD,
            area=tree.grid_a1a,
            geometry={"type": "Point", "coordinates": [120.0085 + tree.shift, 30.015]},
        )
        personas.resident.home_building = tree.building_a1a
        personas.resident.save(update_fields=["home_building"])
        self.store = supplies.create_store(
            personas.street_admin,
            {
                "area": tree.community_a1.code,
                "name": f"{mark}保俶社区应急物资仓库",
                "lat": 30.016,
                "lng": 120.006 + tree.shift,
            },
        )
        self.sandbags: SupplyItem = supplies.add_supply(
            personas.street_admin,
            {
                "store": self.store.pk,
                "kind": "sandbag",
                "name": f"{mark}沙袋",
                "unit": "袋",
                "quantity": 100,
                "minimum_stock": 30,
            },
        )
        self.pumps: SupplyItem = supplies.add_supply(
            personas.street_admin,
            {
                "store": self.store.pk,
                "kind": "pump",
                "name": f"{mark}排水泵",
                "unit": "台",
                "quantity": 4,
                "minimum_stock": 2,
            },
        )
        self.team: EmergencyTeam = plans.save_team(
            personas.street_admin,
            {
                "area": tree.street_a.code,
                "name": f"{mark}北山街道防汛抢险队",
                "kind": "flood_control",
                "members": 12,
            },
        )
        self.flood_plan: EmergencyPlan = plans.create_plan(
            personas.street_admin,
            {
                "area": tree.street_a.code,
                "hazard_class": "flood",
                "level": "red",
                "title": f"{mark}北山街道防汛应急预案",
                "summary": f"{mark}暴雨、台风期间低洼院落防汛。",
                "steps": FLOOD_STEPS,
                "supplies": [
                    {"item": self.sandbags.pk, "quantity": 40},
                    {"item": self.pumps.pk, "quantity": 2},
                ],
                "teams": [self.team.pk],
                "notify_roles": ["community_admin", "grid_worker"],
            },
        )


def populate(tree: Any, people: Any, mark: str = "") -> Readiness:
    """Rows of every emergency kind in one district, for the leak walks: stores
    and movements, a team, a plan, a response proposed by a CAP weather alert,
    started, supplied and ended (with its review), a task, a drill, a training
    record and a safety-month activity. Run with on-commit callbacks executed."""
    from datetime import timedelta

    from django.utils import timezone

    from anxin.emergency.actions import readiness, responses, weather
    from anxin.emergency.models import EmergencyResponse
    from anxin.emergency.samples import weather_cap

    ready = Readiness(tree, people, mark)
    result = weather.import_cap(
        weather_cap(
            identifier=f"leak-{tree.district.code}",
            area_code=tree.district.code,
            area_name=f"{mark}{tree.district.name}",
        ),
        user=people.district_admin,
    )
    warning = result.alerts[0].flood_warning
    assert warning is not None
    responses.propose_for_warning(warning.pk)
    response = EmergencyResponse.objects.get(warning=warning, area=tree.street_a)
    responses.start_response(people.street_admin, response.pk, "II")
    supplies.issue(people.street_admin, ready.sandbags.pk, 5, response.pk)
    responses.add_task(
        people.street_admin,
        response.pk,
        {"title": f"{mark}巡查", "assignee": people.grid_worker.pk},
    )
    responses.change_stage(people.street_admin, response.pk, "end", f"{mark}结束")
    today = timezone.localdate()
    readiness.plan_drill(
        people.street_admin,
        {"area": tree.street_a.code, "title": f"{mark}防汛演练", "scheduled_on": today.isoformat()},
    )
    readiness.record_training(
        people.street_admin,
        {
            "area": tree.street_a.code,
            "title": f"{mark}应急培训",
            "held_on": today.isoformat(),
            "attendees": [people.grid_worker.pk],
        },
    )
    readiness.add_activity(
        people.street_admin,
        {
            "area": tree.street_a.code,
            "title": f"{mark}安全咨询日",
            "kind": "consultation",
            "starts_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    return ready
