"""Warnings out of the box: the default rule set for every level, rules set on a
form that shows only the parameters of the chosen kind with a preview of the
last 90 days, a flood warning raised by hand, and the warnings in force on
every staff home."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from anxin.hazards.models import Hazard
from anxin.warnings.actions import DEFAULT_RULES, ensure_default_rules
from anxin.warnings.choices import KIND_PARAMETERS, RuleKind
from anxin.warnings.models import RiskWarning, WarningRule

pytestmark = pytest.mark.django_db


def test_the_default_rules_cover_every_level_and_every_kind(tree):
    created = ensure_default_rules(tree.district)
    assert {r.kind for r in created} == set(RuleKind.values)
    assert {r.level for r in created} == {"blue", "yellow", "orange", "red"}
    assert ensure_default_rules(tree.district) == []  # idempotent
    rule = WarningRule.objects.get(area=tree.district, kind="cluster")
    rule.min_count = 9
    rule.save()
    ensure_default_rules(tree.district)
    assert WarningRule.objects.get(pk=rule.pk).min_count == 9  # an edit is kept


def test_the_migration_installs_the_defaults_on_every_district(tree):
    migration = import_module("anxin.warnings.migrations.0002_default_rules")
    migration.install(django_apps, None)
    migration.install(django_apps, None)
    kinds = list(WarningRule.objects.filter(area=tree.district).values_list("kind", flat=True))
    assert sorted(kinds) == sorted(RuleKind.values)
    assert len(DEFAULT_RULES) == len(migration.DEFAULTS)
    for kind, level, parameters in migration.DEFAULTS:
        rule = WarningRule.objects.get(area=tree.district, kind=kind)
        assert rule.level == level
        for name, value in parameters.items():
            assert getattr(rule, name) == value


@pytest.mark.parametrize("kind", RuleKind.values)
def test_the_form_shows_only_the_parameters_of_the_chosen_kind(personas, client, kind):
    client.force_login(personas.street_admin)
    fragment = client.get("/warnings/rules/params/", {"kind": kind}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    shown = {name for name in KIND_PARAMETERS[kind] if f'name="{name}"' in html}
    hidden = {
        name
        for name in (
            "min_count",
            "radius_m",
            "window_days",
            "cluster_within",
            "threshold",
            "count_per",
        )
        if name not in KIND_PARAMETERS[kind] and f'name="{name}"' in html
    }
    assert shown == set(KIND_PARAMETERS[kind]) and hidden == set()
    page = client.get("/warnings/rules/new/", {"kind": kind}).content.decode()
    assert "<script>" not in page and "hx-on" not in page and "onchange" not in page
    assert 'hx-get="/warnings/rules/params/"' in page


def test_the_preview_replays_the_last_90_days(tree, personas, report, client):
    old = timezone.now() - timedelta(days=10)
    for offset in range(5):  # five fire hazards 10 days ago within 200 m
        hazard = report("0101", lat=30.015 + offset * 0.0002, lng=120.007)
        Hazard.objects.filter(pk=hazard.pk).update(reported_at=old + timedelta(hours=offset))
    ancient = report("0101", lat=30.015, lng=120.007)
    Hazard.objects.filter(pk=ancient.pk).update(reported_at=timezone.now() - timedelta(days=200))
    client.force_login(personas.street_admin)
    form = {
        "area": tree.street_a.code,
        "kind": "cluster",
        "min_count": "5",
        "radius_m": "200",
        "window_days": "30",
        "cluster_within": "radius",
        "is_active": "on",
    }
    preview = client.post("/warnings/rules/preview/", form, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "1" in text and "保俶社区" in text
    single = client.post(
        "/warnings/rules/preview/", {**form, "kind": "single"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert single.count("<li>") == 5  # the 200-day-old one is outside the window
    bad = client.post(
        "/warnings/rules/preview/", {**form, "min_count": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "form-errors" in bad
    assert not WarningRule.objects.exists()  # a preview saves nothing


def test_rules_are_created_and_edited_on_the_form(tree, personas, client):
    client.force_login(personas.street_admin)
    refused = client.post(
        "/warnings/rules/new/",
        {"area": tree.street_a.code, "kind": "threshold", "threshold": "0", "count_per": "grid"},
    )
    assert refused.status_code == 422 and not WarningRule.objects.exists()
    made = client.post(
        "/warnings/rules/new/",
        {
            "area": tree.street_a.code,
            "kind": "threshold",
            "threshold": "2",
            "count_per": "community",
            "is_active": "on",
        },
    )
    assert made.status_code == 302
    rule = WarningRule.objects.get()
    assert (rule.threshold, rule.count_per, rule.level) == (2, "community", "red")
    edit = client.get(f"/warnings/rules/{rule.pk}/").content.decode()
    assert 'name="threshold"' in edit and 'name="radius_m"' not in edit
    client.post(
        f"/warnings/rules/{rule.pk}/",
        {"kind": "threshold", "threshold": "4", "count_per": "community"},
    )
    rule.refresh_from_db()
    assert rule.threshold == 4 and rule.is_active is False  # the box was left unticked
    client.force_login(personas.community_admin)
    assert client.get("/warnings/rules/new/").status_code == 403
    assert client.get(f"/warnings/rules/{rule.pk}/").status_code == 403
    client.force_login(personas.street_admin_b)
    assert client.get(f"/warnings/rules/{rule.pk}/").status_code == 404


def test_the_rules_page_offers_the_defaults_and_installs_them(tree, personas, client):
    client.force_login(personas.district_admin)
    page = client.get("/warnings/rules/").content.decode()
    assert "/warnings/rules/defaults/" in page
    client.post("/warnings/rules/defaults/", {"area": tree.district.code})
    assert WarningRule.objects.filter(area=tree.district).count() == len(RuleKind.values)
    assert "/warnings/rules/defaults/" not in client.get("/warnings/rules/").content.decode()
    empty = client.get("/warnings/").content.decode()
    assert "8" in empty and "/warnings/rules/" in empty  # says rules are in force


def test_a_flood_warning_is_raised_on_the_workbench(tree, personas, client, committed):
    client.force_login(personas.street_admin)
    form = client.get("/warnings/flood/new/").content.decode()
    assert f'value="{tree.street_a.code}"' in form and f'value="{tree.district.code}"' not in form
    blank = client.post("/warnings/flood/new/", {"area": tree.street_a.code, "message": ""})
    assert blank.status_code == 422 and not RiskWarning.objects.exists()
    answer = committed(
        client.post,
        "/warnings/flood/new/",
        {
            "area": tree.street_a.code,
            "message": "今晚暴雨，低洼院落注意防汛",
            "idempotency_key": "k1",
        },
    )
    warning = RiskWarning.objects.get(kind="flood_warning")
    assert answer.status_code == 302 and answer["Location"] == f"/warnings/{warning.pk}/"
    committed(
        client.post,
        "/warnings/flood/new/",
        {
            "area": tree.street_a.code,
            "message": "今晚暴雨，低洼院落注意防汛",
            "idempotency_key": "k1",
        },
    )
    assert RiskWarning.objects.count() == 1  # a double submit raises it once
    client.force_login(personas.grid_worker)
    assert client.get("/warnings/flood/new/").status_code == 403


def test_warnings_in_force_are_on_every_staff_home_of_the_area(tree, personas, client, committed):
    from anxin.warnings.actions import raise_flood_warning

    committed(raise_flood_warning, tree.district, None, "全区暴雨红色预警")
    for person in (personas.street_admin, personas.grid_worker, personas.building_leader):
        client.force_login(person)
        home = client.get("/").content.decode()
        assert "warnings-in-force" in home and "西湖区" in home, person.username
    warning = RiskWarning.objects.get()
    client.force_login(personas.grid_worker)
    assert client.get(f"/warnings/{warning.pk}/").status_code == 200
    assert client.post(f"/warnings/{warning.pk}/acknowledge/").status_code == 400  # not theirs
    client.force_login(personas.district_admin)
    assert client.post(f"/warnings/{warning.pk}/acknowledge/").status_code == 302
    client.force_login(personas.resident)
    assert "warnings-in-force" not in client.get("/m/").content.decode()
