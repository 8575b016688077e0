"""load_categories and the load_taxonomy command upsert by code, all or nothing."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from anxin.taxonomy.actions import load_categories, read_categories_file
from anxin.taxonomy.models import Category

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Category.objects.order_by("code").values_list(
            "id", "code", "parent_id", "name_zh", "name_en", "keywords", "risk_colour"
        )
    )


@pytest.fixture
def shipped() -> list[dict[str, Any]]:
    return copy.deepcopy(read_categories_file())


def subclass(code: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": code,
        "parent_code": code[:2],
        "name_zh": "测试隐患",
        "name_en": "Test hazard",
        "keywords": "ceshi cs",
        "risk_colour": "yellow",
        "responsible_kind": "property",
        "required_fields": ["photo", "location"],
    }
    entry.update(overrides)
    return entry


def test_loading_the_shipped_data_again_changes_nothing():
    # given the database the migration loaded
    before = snapshot()
    # when the default taxonomy is loaded twice more
    first = load_categories()
    second = load_categories()
    # then nothing is created or updated and no duplicates appear
    assert first == (0, 0)
    assert second == (0, 0)
    assert snapshot() == before


def test_reload_restores_an_edited_name_but_keeps_id_and_code(shipped):
    # given an admin renamed the fire-lane subclass and changed its colour
    fire_lane = Category.objects.get(code="0101")
    original_id, original_name = fire_lane.pk, fire_lane.name_zh
    Category.objects.filter(pk=fire_lane.pk).update(name_zh="改过的名字", risk_colour="red")
    # when the taxonomy is reloaded
    created, updated = load_categories(shipped)
    # then that one row is updated in place
    assert (created, updated) == (0, 1)
    fire_lane = Category.objects.get(code="0101")
    assert fire_lane.pk == original_id
    assert fire_lane.name_zh == original_name
    assert fire_lane.risk_colour == "yellow"


def test_reload_updates_names_and_defaults_from_a_new_file(shipped):
    fire_lane_id = Category.objects.get(code="0101").pk
    count = Category.objects.count()
    entry = next(e for e in shipped if e["code"] == "0101")
    entry.update(name_en="Fire lane obstructed", duplicate_radius_m=80, keywords="xftd")
    assert load_categories(shipped) == (0, 1)
    fire_lane = Category.objects.get(code="0101")
    assert (fire_lane.pk, fire_lane.name_en) == (fire_lane_id, "Fire lane obstructed")
    assert (fire_lane.duplicate_radius_m, fire_lane.keywords) == (80, "xftd")
    assert Category.objects.count() == count


def test_new_main_class_and_subclass_are_created(shipped):
    shipped += [
        {"code": "09", "parent_code": None, "name_zh": "其他", "name_en": "Other"},
        subclass("0901"),
    ]
    assert load_categories(shipped) == (2, 0)
    new = Category.objects.get(code="0901")
    assert new.parent is not None and new.parent.code == "09"
    assert new.required_fields == ["photo", "location"]
    assert new.is_active


def test_a_subclass_may_join_an_existing_main_class():
    assert load_categories([subclass("0199")]) == (1, 0)
    assert Category.objects.get(code="0199").parent == Category.objects.get(code="01")


def test_reload_leaves_is_active_alone_unless_the_data_says_so(shipped):
    Category.objects.filter(code="0101").update(is_active=False)
    load_categories(shipped)
    assert not Category.objects.get(code="0101").is_active
    next(e for e in shipped if e["code"] == "0101")["is_active"] = True
    load_categories(shipped)
    assert Category.objects.get(code="0101").is_active


@pytest.mark.parametrize(
    ("bad_entry", "key"),
    [
        (subclass("010"), "010.code"),
        (subclass("01011"), "01011.code"),
        (subclass("01AB"), "01AB.code"),
        (subclass("0109", risk_colour="purple"), "0109.risk_colour"),
        (subclass("0109", responsible_kind="plumber"), "0109.responsible_kind"),
        (subclass("0109", required_fields=["photo", "selfie"]), "0109.required_fields"),
        (subclass("0109", deadline_policy="someday"), "0109.deadline_policy"),
        (subclass("0109", duplicate_radius_m=-5), "0109.duplicate_radius_m"),
        (subclass("0109", name_zh=""), "0109.name_zh"),
        (subclass("0109", colour="red"), "0109.colour"),
        (subclass("0109", parent_code="02"), "0109.parent_code"),
        (subclass("9901"), "9901.parent_code"),
    ],
)
def test_bad_entry_names_code_and_field_and_saves_nothing(shipped, bad_entry, key):
    # given the shipped data with one edited row, one new valid row and one bad row
    before = snapshot()
    next(e for e in shipped if e["code"] == "0101")["name_en"] = "Should not be saved"
    shipped += [subclass("0198"), bad_entry]
    # when it is loaded
    with pytest.raises(ValidationError) as raised:
        load_categories(shipped)
    # then the error names the code and the field, and nothing changed
    assert key in raised.value.message_dict
    code, field = key.split(".")
    assert any(code in m and field in m for m in raised.value.message_dict[key])
    assert snapshot() == before


def test_main_class_may_not_carry_subclass_defaults():
    with pytest.raises(ValidationError) as raised:
        load_categories(
            [{"code": "09", "name_zh": "其他", "name_en": "Other", "risk_colour": "red"}]
        )
    assert "09.risk_colour" in raised.value.message_dict
    assert not Category.objects.filter(code="09").exists()


def test_command_prints_counts(tmp_path: Path, shipped):
    Category.objects.filter(code="0101").update(name_zh="改过的名字")
    shipped.append(subclass("0199"))
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(shipped, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("load_taxonomy", "--file", str(path), stdout=out)
    assert "Created 1 and updated 1 categories." in out.getvalue()
    assert Category.objects.get(code="0101").name_zh == "消防通道堵塞"


def test_command_with_default_file_changes_nothing_on_a_fresh_database():
    out = StringIO()
    call_command("load_taxonomy", stdout=out)
    assert "Created 0 and updated 0 categories." in out.getvalue()


def test_command_refuses_a_bad_file_and_saves_nothing(tmp_path: Path):
    before = snapshot()
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps([subclass("0101", name_zh="新名字"), subclass("0109", risk_colour="pink")]),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as raised:
        call_command("load_taxonomy", "--file", str(path), stdout=StringIO())
    assert "0109" in str(raised.value) and "risk_colour" in str(raised.value)
    assert snapshot() == before


def test_command_refuses_a_file_that_is_not_json(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_taxonomy", "--file", str(path), stdout=StringIO())
