"""GeoJSON export and import of the org tree (action and management commands)."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from anxin.accounts.choices import AuditVerb
from anxin.accounts.models import AuditEntry
from anxin.areas.actions import AreaImportError, import_feature_collection
from anxin.areas.models import Area, Place
from anxin.areas.selectors import export_feature_collection
from anxin.organisations.models import Organisation
from anxin.testing.factories import rect

pytestmark = pytest.mark.django_db

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]
    ],
}


def feature(code: str, level: str, parent_code: str | None, name: str = "新区域") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": rect(120.0, 30.0, 120.01, 30.01),
        "properties": {
            "code": code,
            "name": name,
            "name_en": "",
            "level": level,
            "parent_code": parent_code,
            "address": "",
            "households": None,
        },
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def empty_the_tree() -> None:
    Place.objects.all().delete()
    Organisation.objects.all().delete()
    for depth in sorted(set(Area.objects.values_list("depth", flat=True)), reverse=True):
        Area.objects.filter(depth=depth).delete()
    assert not Area.objects.exists()


def snapshot() -> list[tuple[str, str, str, str | None, Any]]:
    return [
        (a.code, a.level, a.name, a.parent.code if a.parent else None, a.geometry)
        for a in Area.objects.select_related("parent").order_by("code")
    ]


def test_export_lists_parents_before_children(tree):
    data = export_feature_collection(Area.objects.all())
    assert data["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in data["features"]]
    assert len(codes) == Area.objects.count()
    for f in data["features"]:
        parent_code = f["properties"]["parent_code"]
        if parent_code:
            assert codes.index(parent_code) < codes.index(f["properties"]["code"])


def test_round_trip_into_an_empty_database(tree):
    # given the exported tree and an empty database
    before = snapshot()
    data = json.loads(json.dumps(export_feature_collection(Area.objects.all())))
    empty_the_tree()
    # when the file is imported
    result = import_feature_collection(data)
    # then the same codes, names, parents and geometries exist again
    assert (result.created, result.updated) == (len(before), 0)
    assert snapshot() == before
    building = Area.objects.get(code=tree.building_a1a.code)
    assert building.path == tree.building_a1a.path
    assert building.depth == tree.building_a1a.depth
    audit = AuditEntry.objects.get(verb=AuditVerb.AREAS_IMPORTED)
    assert audit.detail == {"created": len(before), "updated": 0}


def test_one_bad_feature_saves_nothing_and_names_it(tree):
    # given a file of new areas where the third feature is a bow-tie polygon
    street = tree.district.code + "003"
    community = street + "001"
    bad = feature(street + "002", "community", street)
    bad["geometry"] = BOW_TIE
    data = collection(
        feature(street, "street", tree.district.code),
        feature(community, "community", street),
        bad,
        feature(community + "001", "grid", community),
    )
    count = Area.objects.count()
    # when it is imported
    with pytest.raises(AreaImportError) as caught:
        import_feature_collection(data)
    # then nothing is saved and the error names the feature, its code and field
    assert Area.objects.count() == count
    assert not AuditEntry.objects.filter(verb=AuditVerb.AREAS_IMPORTED).exists()
    errors = caught.value.feature_errors
    assert len(errors) == 1
    assert errors[0]["feature"] == 2
    assert errors[0]["code"] == street + "002"
    assert errors[0]["field"] == "geometry"
    assert errors[0]["message"]


def test_all_errors_are_reported_together(tree):
    street = tree.district.code + "003"
    data = collection(
        feature(street, "street", tree.district.code),
        feature("33010600", "street", tree.district.code),  # wrong length
        feature(street, "street", tree.district.code),  # duplicate code in the file
        feature(street + "001001", "grid", street),  # grid under a street
        feature("330106004001", "community", "330106004"),  # unknown parent
        feature("330106003002", "community", None),  # missing parent
        feature("330106003003", "community", "330106003", name=""),  # missing name
        {**feature("330106003004", "community", "330106003"), "geometry": None},
        {"type": "Feature", "properties": {"code": "330106003005", "name": "x", "level": "x"}},
        feature("330106003006", "community", "330106002"),  # code does not nest
    )
    with pytest.raises(AreaImportError) as caught:
        import_feature_collection(data)
    found = {(e["feature"], e["field"]) for e in caught.value.feature_errors}
    assert found == {
        (1, "code"),
        (2, "code"),
        (3, "parent_code"),
        (4, "parent_code"),
        (5, "parent_code"),
        (6, "name"),
        (7, "geometry"),
        (8, "level"),
        (8, "geometry"),
        (9, "code"),
    }
    assert not Area.objects.filter(code=street).exists()


def test_parent_must_come_before_its_children(tree):
    street = tree.district.code + "003"
    data = collection(
        feature(street + "001", "community", street),
        feature(street, "street", tree.district.code),
    )
    with pytest.raises(AreaImportError) as caught:
        import_feature_collection(data)
    assert [(e["feature"], e["field"]) for e in caught.value.feature_errors] == [(0, "parent_code")]


def test_not_a_feature_collection_is_refused(db):
    bad_files: list[Any] = [{"type": "Feature"}, {"type": "FeatureCollection"}, [], "x"]
    for data in bad_files:
        with pytest.raises(AreaImportError) as caught:
            import_feature_collection(data)
        assert caught.value.feature_errors[0]["feature"] is None


def test_reimport_updates_names_and_keeps_ids(tree):
    # given the exported tree with a renamed grid and a changed household count
    ids = dict(Area.objects.values_list("code", "pk"))
    data = export_feature_collection(Area.objects.all())
    for f in data["features"]:
        if f["properties"]["code"] == tree.grid_a1a.code:
            f["properties"]["name"] = "改名网格"
            f["properties"]["households"] = 321
    # when it is imported again
    result = import_feature_collection(data)
    # then every area is updated in place
    assert (result.created, result.updated) == (0, len(ids))
    assert dict(Area.objects.values_list("code", "pk")) == ids
    grid = Area.objects.get(code=tree.grid_a1a.code)
    assert (grid.name, grid.households) == ("改名网格", 321)


def test_reimport_without_update_leaves_existing_areas(tree):
    data = export_feature_collection(Area.objects.filter(pk=tree.grid_a1a.pk))
    data["features"][0]["properties"]["name"] = "改名网格"
    result = import_feature_collection(data, update_existing=False)
    assert (result.created, result.updated, result.skipped) == (0, 0, 1)
    assert Area.objects.get(pk=tree.grid_a1a.pk).name == tree.grid_a1a.name


def test_an_existing_code_cannot_move_to_another_parent(tree):
    # grid_b1a's code is unique in the tree; claim it belongs to community A1
    moved = feature(tree.grid_b1a.code, "grid", tree.community_a1.code)
    with pytest.raises(AreaImportError) as caught:
        import_feature_collection(collection(moved))
    fields = {e["field"] for e in caught.value.feature_errors}
    assert "parent_code" in fields
    assert Area.objects.get(pk=tree.grid_b1a.pk).parent_id == tree.community_b1.pk


def test_dry_run_counts_without_saving(tree):
    street = tree.district.code + "003"
    data = collection(
        feature(street, "street", tree.district.code),
        feature(tree.grid_a1a.code, "grid", tree.community_a1.code, name="改名"),
    )
    result = import_feature_collection(data, dry_run=True)
    assert (result.created, result.updated) == (1, 1)
    assert not Area.objects.filter(code=street).exists()
    assert Area.objects.get(pk=tree.grid_a1a.pk).name == tree.grid_a1a.name


def test_actor_may_only_import_within_managed_areas(personas, tree):
    inside = feature(tree.community_a1.code + "009", "grid", tree.community_a1.code)
    outside = feature(tree.community_b1.code + "009", "grid", tree.community_b1.code)
    with pytest.raises(AreaImportError) as caught:
        import_feature_collection(collection(inside, outside), actor=personas.street_admin)
    assert [(e["feature"], e["field"]) for e in caught.value.feature_errors] == [(1, "code")]
    result = import_feature_collection(collection(inside), actor=personas.street_admin)
    assert result.created == 1
    audit = AuditEntry.objects.get(verb=AuditVerb.AREAS_IMPORTED)
    assert audit.actor == personas.street_admin


# --- management commands ----------------------------------------------------------


def test_export_command_writes_the_subtree_as_utf8(tree, tmp_path):
    out = io.StringIO()
    call_command("export_areas", "--root", tree.street_a.code, stdout=out)
    text = out.getvalue()
    assert "北山街道" in text  # not escaped
    codes = [f["properties"]["code"] for f in json.loads(text)["features"]]
    assert set(codes) == set(tree.street_a.descendants().values_list("code", flat=True))
    assert codes[0] == tree.street_a.code

    target = tmp_path / "tree.geojson"
    call_command("export_areas", "-o", str(target), stderr=io.StringIO())
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["features"]) == Area.objects.count()


def test_export_command_refuses_an_unknown_root(db):
    with pytest.raises(CommandError):
        call_command("export_areas", "--root", "999999", stdout=io.StringIO())


def test_import_command_round_trip(tree, tmp_path):
    target = tmp_path / "tree.geojson"
    call_command("export_areas", "-o", str(target), stderr=io.StringIO())
    before = snapshot()
    empty_the_tree()

    out = io.StringIO()
    with translation.override("en"):
        call_command("import_areas", str(target), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue()
    assert not Area.objects.exists()

    out = io.StringIO()
    with translation.override("en"):
        call_command("import_areas", str(target), stdout=out)
    assert f"{len(before)} area(s) created, 0 updated" in out.getvalue()
    assert snapshot() == before


def test_import_command_prints_each_error_and_fails(tree, tmp_path):
    data = export_feature_collection(Area.objects.all())
    bad = copy.deepcopy(data["features"][3])
    bad["properties"]["code"] = bad["properties"]["code"] + "9"
    data["features"].append(bad)
    target = tmp_path / "bad.geojson"
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    names = dict(Area.objects.values_list("code", "name"))
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("import_areas", str(target), stdout=io.StringIO(), stderr=err)
    index = len(data["features"]) - 1
    assert f"feature {index} ({bad['properties']['code']}): code:" in err.getvalue()
    assert "nothing was imported" in str(caught.value)
    assert dict(Area.objects.values_list("code", "name")) == names


def test_import_command_refuses_a_file_that_is_not_json(db, tmp_path):
    target = tmp_path / "bad.geojson"
    target.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_areas", str(target), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_areas", str(tmp_path / "missing.geojson"), stdout=io.StringIO())
