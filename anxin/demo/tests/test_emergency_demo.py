"""The demo shows emergency readiness to a newcomer: rules for every level, a
warning in force, stores with stock, one plan per common class, drills,
training and the safety month; seeding again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from anxin.emergency.choices import HazardClass
from anxin.emergency.models import (
    Drill,
    EmergencyPlan,
    EmergencyResponse,
    SafetyActivity,
    SupplyItem,
    TrainingRecord,
    WeatherAlert,
)
from anxin.warnings.choices import RuleKind, WarningStatus
from anxin.warnings.models import RiskWarning, WarningRule

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", "--hazards", "0", stdout=StringIO())


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            WarningRule,
            RiskWarning,
            SupplyItem,
            EmergencyPlan,
            EmergencyResponse,
            Drill,
            TrainingRecord,
            SafetyActivity,
            WeatherAlert,
        )
    )


def test_the_demo_has_rules_a_warning_in_force_stock_and_plans(client):
    seed()
    assert set(WarningRule.objects.values_list("kind", flat=True)) == set(RuleKind.values)
    in_force = RiskWarning.objects.exclude(status=WarningStatus.RESOLVED)
    assert in_force.filter(kind="flood_warning").exists()
    assert SupplyItem.objects.filter(kind="sandbag", quantity__gt=0).count() == 2
    for street_plans in (
        EmergencyPlan.objects.filter(area__code=code) for code in ("330106001", "330106002")
    ):
        assert set(street_plans.values_list("hazard_class", flat=True)) == set(HazardClass.values)
    assert EmergencyResponse.objects.filter(stage="proposed").exists()
    assert Drill.objects.filter(status="held").exists() and TrainingRecord.objects.exists()
    assert SafetyActivity.objects.filter(starts_at__month=6).count() == 5
    before = counts()
    seed()
    assert counts() == before
    from anxin.accounts.models import User

    client.force_login(User.objects.get(username="street_admin"))
    home = client.get("/").content.decode()
    assert "warnings-in-force" in home
    assert "沙袋" in client.get("/emergency/supplies/").content.decode()
