from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from anxin.hazards import actions as hazard_actions
from anxin.hazards.models import Hazard
from anxin.open311 import selectors
from anxin.open311.tests.conftest import report, walk_to_closed, xml_errors, xml_list

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture
def board(personas: Any, settings: Any, tmp_path: Any) -> dict[str, Hazard]:
    """An open hazard, a closed one not publicised, a closed publicised one (grid
    A1a), and an open one in grid A1b."""
    settings.MEDIA_ROOT = tmp_path
    return {
        "open": report(personas.resident, description="楼道堆放杂物"),
        "closed_private": walk_to_closed(report(personas.resident), personas, publicise=False),
        "public": walk_to_closed(report(personas.resident), personas),
        "other_grid": report(personas.resident, (30.015, 120.027)),
    }


def ids(response: Any) -> set[str]:
    return {r["service_request_id"] for r in response.json()}


def test_without_a_key_only_publicised_closed_hazards_are_shown(
    client: Client, board: dict[str, Hazard], schemas: Any
) -> None:
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    body = response.json()
    schemas.validate("requests.json", body)
    assert ids(response) == {str(board["public"].uuid)}
    public = body[0]
    hazard = board["public"]
    assert public["status"] == "closed"
    assert public["status_notes"].startswith("closed: ")
    assert public["service_code"] == "0101"
    assert public["service_name"] == "消防通道堵塞"
    assert hazard.responsible_organisation is not None
    assert public["agency_responsible"] == hazard.responsible_organisation.name
    assert public["address"] == "1幢东侧"
    assert public["lat"] == pytest.approx(30.015)
    assert public["long"] == pytest.approx(120.007)
    assert public["expected_datetime"] is not None
    photo = hazard.attachments.get(phase="rectify_after")
    assert public["media_url"] == f"http://testserver/api/v1/attachments/{photo.pk}/public/"
    assert "extended_attributes" not in public


def test_one_request_by_id(client: Client, board: dict[str, Hazard], schemas: Any) -> None:
    public = board["public"]
    response = client.get(f"{BASE}/requests/{public.uuid}.json")
    assert response.status_code == 200
    body = response.json()
    schemas.validate("requests.json", body)
    assert len(body) == 1
    assert body[0]["service_request_id"] == str(public.uuid)


@pytest.mark.parametrize("which", ["open", "closed_private"])
def test_a_request_you_may_not_see_is_404(
    client: Client, board: dict[str, Hazard], which: str
) -> None:
    response = client.get(f"{BASE}/requests/{board[which].uuid}.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


@pytest.mark.parametrize("bad_id", ["12345", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_request_id_is_404(client: Client, board: dict[str, Hazard], bad_id: str) -> None:
    response = client.get(f"{BASE}/requests/{bad_id}.xml")
    assert response.status_code == 404
    assert xml_errors(response.content)[0]["code"] == 404


def test_a_grid_workers_client_sees_only_that_grid(
    client: Client, board: dict[str, Hazard], grid_client: Any, schemas: Any
) -> None:
    response = client.get(f"{BASE}/requests.json", {"api_key": grid_client.api_key})
    assert response.status_code == 200
    schemas.validate("requests.json", response.json())
    assert ids(response) == {
        str(board["open"].uuid),
        str(board["closed_private"].uuid),
        str(board["public"].uuid),
    }
    other = board["other_grid"].uuid
    detail = client.get(f"{BASE}/requests/{other}.json", {"api_key": grid_client.api_key})
    assert detail.status_code == 404
    mine = client.get(f"{BASE}/requests/{board['open'].uuid}.json?api_key={grid_client.api_key}")
    assert mine.status_code == 200
    assert mine.json()[0]["status"] == "open"
    assert mine.json()[0]["status_notes"].startswith("reported: ")
    assert mine.json()[0]["agency_responsible"] is None
    assert mine.json()[0]["media_url"] is None


def test_status_filter(client: Client, board: dict[str, Hazard], grid_client: Any) -> None:
    key = grid_client.api_key
    opened = client.get(f"{BASE}/requests.json", {"api_key": key, "status": "open"})
    closed = client.get(f"{BASE}/requests.json", {"api_key": key, "status": "closed"})
    both = client.get(f"{BASE}/requests.json", {"api_key": key, "status": "open,closed"})
    assert ids(opened) == {str(board["open"].uuid)}
    assert ids(closed) == {str(board["closed_private"].uuid), str(board["public"].uuid)}
    assert ids(both) == ids(opened) | ids(closed)


def test_rejected_and_merged_count_as_closed(
    client: Client, personas: Any, grid_client: Any
) -> None:
    hazard = report(personas.resident)
    hazard_actions.transition(hazard.pk, personas.grid_worker, "reject", reason="误报")
    response = client.get(
        f"{BASE}/requests.json", {"api_key": grid_client.api_key, "status": "closed"}
    )
    assert ids(response) == {str(hazard.uuid)}
    assert response.json()[0]["status_notes"].startswith("rejected: ")


def test_status_notes_carry_the_state_and_deadline(
    client: Client, personas: Any, grid_client: Any
) -> None:
    hazard = report(personas.resident)
    hazard_actions.transition(hazard.pk, personas.grid_worker, "verify")
    hazard = Hazard.objects.get(pk=hazard.pk)
    if hazard.status == "verified":
        hazard = hazard_actions.transition(hazard.pk, personas.safety_officer, "verify")
    hazard = hazard_actions.transition(hazard.pk, personas.property_manager, "accept")
    body = client.get(
        f"{BASE}/requests/{hazard.uuid}.json?locale=en&api_key={grid_client.api_key}"
    ).json()
    deadline = timezone.localtime(hazard.deadline).date()
    assert body[0]["status_notes"] == f"rectifying: Being rectified, deadline {deadline}"
    assert body[0]["expected_datetime"] == timezone.localtime(hazard.deadline).isoformat(
        timespec="seconds"
    )


@pytest.mark.parametrize("status", ["pending", "open,done"])
def test_unknown_status_is_400(client: Client, status: str) -> None:
    response = client.get(f"{BASE}/requests.json", {"status": status})
    assert response.status_code == 400
    assert "status" in response.json()[0]["description"]


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "garbage"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"end_date": "2026-11-01T00:00:00Z", "start_date": "2026-11-20T00:00:00Z"},
        {"start_date": "0001-01-01T00:00:00+14:00"},
        {"service_request_id": "abc"},
    ],
)
def test_bad_filters_are_400_not_500(client: Client, query: dict[str, str]) -> None:
    response = client.get(f"{BASE}/requests.json", query)
    assert response.status_code == 400
    body = response.json()
    assert body[0]["code"] == 400
    assert next(iter(query)) in " ".join(e["description"] for e in body)


def test_garbage_start_date_in_xml(client: Client) -> None:
    response = client.get(f"{BASE}/requests.xml?start_date=garbage")
    assert response.status_code == 400
    errors = xml_errors(response.content)
    assert errors[0]["code"] == 400
    assert "start_date" in errors[0]["description"]


def test_without_dates_only_the_last_90_days(
    client: Client, personas: Any, grid_client: Any
) -> None:
    recent = report(personas.resident)
    old = report(personas.resident, category="0103")
    Hazard.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=100))
    key = grid_client.api_key
    assert ids(client.get(f"{BASE}/requests.json", {"api_key": key})) == {str(recent.uuid)}
    since = (timezone.now() - timedelta(days=120)).isoformat()
    wide = client.get(f"{BASE}/requests.json", {"api_key": key, "start_date": since})
    assert ids(wide) == {str(recent.uuid), str(old.uuid)}
    until = (timezone.now() - timedelta(days=50)).strftime("%Y-%m-%d")
    ended = client.get(f"{BASE}/requests.json", {"api_key": key, "end_date": until})
    assert ids(ended) == {str(old.uuid)}
    # service_request_id overrides the other filters, the date window included
    by_id = client.get(
        f"{BASE}/requests.json",
        {"api_key": key, "service_request_id": f"{old.uuid},{recent.uuid}", "status": "closed"},
    )
    assert ids(by_id) == {str(recent.uuid), str(old.uuid)}


def test_an_unescaped_plus_in_a_date_is_understood(
    client: Client, personas: Any, grid_client: Any
) -> None:
    hazard = report(personas.resident)
    start = timezone.localtime(hazard.reported_at - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S+08:00"
    )
    response = client.get(f"{BASE}/requests.json?api_key={grid_client.api_key}&start_date={start}")
    assert response.status_code == 200
    assert ids(response) == {str(hazard.uuid)}


def test_service_code_filter(client: Client, personas: Any, grid_client: Any) -> None:
    fire_lane = report(personas.resident, category="0101")
    ebike = report(personas.resident, category="0103")
    key = grid_client.api_key
    response = client.get(f"{BASE}/requests.json", {"api_key": key, "service_code": "0103"})
    assert ids(response) == {str(ebike.uuid)}
    both = client.get(f"{BASE}/requests.json", {"api_key": key, "service_code": "0101,0103"})
    assert ids(both) == {str(fire_lane.uuid), str(ebike.uuid)}
    unknown = client.get(f"{BASE}/requests.json", {"service_code": "0101,9999"})
    assert unknown.status_code == 404
    assert "9999" in unknown.json()[0]["description"]


def test_at_most_the_limit(
    client: Client, personas: Any, grid_client: Any, monkeypatch: Any
) -> None:
    hazards = [report(personas.resident, category=c) for c in ("0101", "0103", "0104")]
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 2)
    response = client.get(f"{BASE}/requests.json", {"api_key": grid_client.api_key})
    assert ids(response) == {str(hazards[2].uuid), str(hazards[1].uuid)}


def test_extensions_add_our_state_and_stay_schema_valid(
    client: Client, personas: Any, grid_client: Any, schemas: Any
) -> None:
    hazard = report(personas.resident)
    response = client.get(
        f"{BASE}/requests.json", {"api_key": grid_client.api_key, "extensions": "true"}
    )
    body = response.json()
    schemas.validate("requests.json", body)
    assert body[0]["extended_attributes"] == {
        "anxin_status": "reported",
        "risk_colour": hazard.risk_colour,
        "code": hazard.code,
    }


def test_absent_values_are_null_never_empty(
    client: Client, personas: Any, grid_client: Any, schemas: Any
) -> None:
    report(personas.resident, description="", address="")
    body = client.get(f"{BASE}/requests.json", {"api_key": grid_client.api_key}).json()
    schemas.validate("requests.json", body)
    for name in ("description", "address", "media_url", "agency_responsible", "address_id"):
        assert body[0][name] is None
    assert "" not in body[0].values()


def test_requests_xml_has_the_same_content(
    client: Client, board: dict[str, Hazard], grid_client: Any, schemas: Any
) -> None:
    query = {"api_key": grid_client.api_key, "extensions": "true"}
    as_json = client.get(f"{BASE}/requests.json", query).json()
    response = client.get(f"{BASE}/requests.xml", query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    as_xml = xml_list(response.content, "service_requests", "request")
    schemas.validate("requests.json", as_xml)
    assert as_xml == as_json
    one = client.get(f"{BASE}/requests/{board['public'].uuid}.xml")
    single = xml_list(one.content, "service_requests", "request")
    schemas.validate("requests.json", single)
    assert [r["service_request_id"] for r in single] == [str(board["public"].uuid)]


def test_an_invalid_key_on_get_is_403(client: Client, board: dict[str, Hazard]) -> None:
    response = client.get(f"{BASE}/requests.json", {"api_key": "wrong"})
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403


def test_an_inactive_client_is_refused(
    client: Client, board: dict[str, Hazard], grid_client: Any
) -> None:
    grid_client.is_active = False
    grid_client.save()
    response = client.get(f"{BASE}/requests.json", {"api_key": grid_client.api_key})
    assert response.status_code == 403
