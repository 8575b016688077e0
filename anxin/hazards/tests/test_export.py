"""The Excel ledger: opens with openpyxl and holds exactly the rows the user may
export, in the ledger layout, with the list's filters."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from anxin.hazards.models import Hazard
from anxin.testing.reports import report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hazards(personas: Any) -> list[Hazard]:
    return [
        report(
            personas.grid_worker,
            (30.015, 120.007),
            risk_colour="red",
            address="测试地址",
            photo=True,
        ),
        report(personas.grid_worker, (30.016, 120.008), address="测试地址", photo=True),
        report(personas.grid_worker_b, (30.025, 120.03), address="测试地址", photo=True),
        report(personas.street_admin_b, (30.025, 120.07), address="测试地址", photo=True),
    ]


def sheet_of(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content)).active


def export(user: Any, query: str = "", language: str = "zh-hans") -> Any:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client.get(f"/hazards/export.xlsx{query}")


def data_rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] is not None]


@pytest.mark.parametrize(
    "role", ["grid_worker", "safety_officer", "street_admin", "district_admin", "evaluator"]
)
def test_export_holds_exactly_the_rows_the_user_may_export(
    personas: Any, hazards: list[Hazard], role: str
) -> None:
    user = getattr(personas, role)
    rows = data_rows(sheet_of(export(user)))
    expected = set(Hazard.objects.restrict(user, "export").values_list("code", flat=True))
    assert {row[1] for row in rows} == expected
    assert len(rows) == len(expected)
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))  # 序号


def test_ledger_has_a_title_row_then_headings(personas: Any, hazards: list[Hazard]) -> None:
    sheet = sheet_of(export(personas.grid_worker, language="en"))
    assert str(sheet["A1"].value).startswith("Hazard ledger · exported ")
    assert sheet["B1"].value is None
    assert len([c for c in sheet[2] if c.value]) == 18
    assert sheet.freeze_panes == "A3"


def test_ledger_headings_follow_the_language(personas: Any, hazards: list[Hazard]) -> None:
    sheet = sheet_of(export(personas.grid_worker, language="en"))
    headings = [c.value for c in sheet[2]]
    assert headings[:12] == [
        "No.",
        "Hazard code",
        "Category",
        "Risk level",
        "Address",
        "Grid",
        "Found at",
        "Responsible organisation",
        "Rectification deadline",
        "Status",
        "Overdue",
        "Closed at",
    ]
    red = next(r for r in data_rows(sheet) if r[1] == hazards[0].code)
    assert red[3] == "Red (major)"
    assert red[9] == "Reported"
    assert red[10] == "No"


def test_export_applies_the_list_filters(personas: Any, hazards: list[Hazard]) -> None:
    rows = data_rows(sheet_of(export(personas.district_admin, "?colour=red")))
    assert [row[1] for row in rows] == [hazards[0].code]


def test_roles_without_export_get_403_with_a_reason(personas: Any, hazards: list[Hazard]) -> None:
    for user in (personas.building_leader, personas.expert, personas.resident):
        response = export(user, language="en")
        assert response.status_code == 403
        assert b"not export" in response.content
