"""The default taxonomy (DESIGN §4) is loaded by migration 0002 on every fresh database."""

from __future__ import annotations

import pytest

from anxin.organisations.choices import OrganisationKind
from anxin.taxonomy.actions import read_categories_file
from anxin.taxonomy.choices import REQUIRED_FIELD_CHOICES, DeadlinePolicy, RiskColour
from anxin.taxonomy.models import Category

pytestmark = pytest.mark.django_db

MAIN_CLASSES = {
    "01": "消防",
    "02": "治安",
    "03": "设施",
    "04": "环境",
    "05": "特殊群体",
    "06": "季节性",
    "07": "燃气",
    "08": "房屋结构",
}


def test_fresh_database_has_the_eight_main_classes():
    # given a fresh test database built by the migrations
    # when the main classes are read
    mains = dict(Category.objects.filter(parent__isnull=True).values_list("code", "name_zh"))
    # then they are exactly the eight of DESIGN §4
    assert mains == MAIN_CLASSES


def test_fresh_database_has_at_least_forty_subclasses_under_their_main_class():
    subclasses = list(Category.objects.filter(parent__isnull=False).select_related("parent"))
    assert len(subclasses) >= 40
    per_main = dict.fromkeys(MAIN_CLASSES, 0)
    for category in subclasses:
        assert category.parent is not None
        assert len(category.code) == 4
        assert category.code.startswith(category.parent.code)
        per_main[category.parent.code] += 1
    assert all(count >= 3 for count in per_main.values()), per_main


def test_every_subclass_carries_valid_defaults():
    for category in Category.objects.filter(parent__isnull=False):
        assert category.name_zh.strip(), category.code
        assert category.name_en.strip(), category.code
        assert category.keywords.strip(), category.code
        assert category.risk_colour in RiskColour.values, category.code
        assert category.responsible_kind in OrganisationKind.values, category.code
        assert category.deadline_policy in DeadlinePolicy.values, category.code
        assert category.required_fields, category.code
        assert set(category.required_fields) <= set(REQUIRED_FIELD_CHOICES), category.code
        assert category.duplicate_radius_m > 0, category.code
        assert category.duplicate_window_days > 0, category.code
        category.full_clean()  # the model's own rules agree with the data


def test_main_classes_carry_names_and_keywords_only():
    for category in Category.objects.filter(parent__isnull=True):
        assert category.name_zh and category.name_en and category.keywords
        assert category.risk_colour == ""
        assert category.responsible_kind == ""


def test_realistic_defaults_for_well_known_subclasses():
    by_name = {c.name_zh: c for c in Category.objects.filter(parent__isnull=False)}
    gas_leak = by_name["燃气泄漏或管道被占压"]
    assert (gas_leak.risk_colour, gas_leak.deadline_policy) == ("red", "immediate")
    assert gas_leak.responsible_kind == "gas"
    assert by_name["违规存放易燃易爆危险品"].risk_colour == "red"
    assert by_name["电动自行车进楼入户或飞线充电"].risk_colour == "orange"
    assert by_name["垃圾堆积"].risk_colour == "blue"
    assert by_name["消防通道堵塞"].code == "0101"
    manhole = by_name["井盖缺失或破损"]
    assert (manhole.duplicate_radius_m, manhole.duplicate_window_days) == (30, 14)
    waterlogging = by_name["易涝积水点"]
    assert (waterlogging.duplicate_radius_m, waterlogging.duplicate_window_days) == (200, 3)
    assert waterlogging.deadline_policy == "seasonal"
    assert set(
        Category.objects.filter(code__startswith="06", parent__isnull=False).values_list(
            "deadline_policy", flat=True
        )
    ) == {"seasonal"}


def test_subclass_codes_follow_the_table_order():
    for main in MAIN_CLASSES:
        codes = list(
            Category.objects.filter(parent__code=main)
            .order_by("code")
            .values_list("code", flat=True)
        )
        assert codes == [f"{main}{n:02d}" for n in range(1, len(codes) + 1)]


def test_database_matches_the_shipped_file():
    shipped = {entry["code"]: entry for entry in read_categories_file()}
    stored = {c.code: c for c in Category.objects.all()}
    assert set(stored) == set(shipped)
    for code, entry in shipped.items():
        assert stored[code].name_zh == entry["name_zh"]
        assert stored[code].name_en == entry["name_en"]
