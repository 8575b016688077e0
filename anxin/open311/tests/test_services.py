from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from anxin.open311.tests.conftest import xml_errors, xml_list, xml_object
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import active_subclasses

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def test_services_lists_every_active_subclass_and_validates(client: Client, schemas: Any) -> None:
    # given the taxonomy loaded by migration, one subclass switched off
    Category.objects.filter(code="0102").update(is_active=False)
    # when
    response = client.get(f"{BASE}/services.json")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    schemas.validate("services.json", body)
    codes = [s["service_code"] for s in body]
    assert codes == list(active_subclasses().values_list("code", flat=True))
    assert "0102" not in codes
    assert all(len(code) == 4 for code in codes)
    fire_lane = next(s for s in body if s["service_code"] == "0101")
    assert fire_lane["service_name"] == "消防通道堵塞"
    assert fire_lane["group"] == "消防"
    assert fire_lane["metadata"] is True
    assert fire_lane["type"] == "realtime"
    assert "xftd" in fire_lane["keywords"].split(", ")


def test_services_without_extension_is_json(client: Client, schemas: Any) -> None:
    response = client.get(f"{BASE}/services")
    assert response.status_code == 200
    schemas.validate("services.json", response.json())


@pytest.mark.parametrize(
    ("query", "headers"),
    [("?locale=en", {}), ("?locale=en_US", {}), ("", {"HTTP_ACCEPT_LANGUAGE": "en"})],
)
def test_service_names_in_the_request_language(
    client: Client, query: str, headers: dict[str, str]
) -> None:
    response = client.get(f"{BASE}/services.json{query}", **headers)  # type: ignore[arg-type]
    fire_lane = next(s for s in response.json() if s["service_code"] == "0101")
    assert fire_lane["service_name"] == "Fire lane blocked"
    assert fire_lane["group"] == "Fire safety"


def test_locale_parameter_wins_over_accept_language(client: Client) -> None:
    response = client.get(f"{BASE}/services.json?locale=zh_CN", HTTP_ACCEPT_LANGUAGE="en")
    fire_lane = next(s for s in response.json() if s["service_code"] == "0101")
    assert fire_lane["service_name"] == "消防通道堵塞"


def test_services_xml_has_the_same_content(client: Client, schemas: Any) -> None:
    as_json = client.get(f"{BASE}/services.json").json()
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    as_xml = xml_list(response.content, "services", "service")
    schemas.validate("services.json", as_xml)
    assert as_xml == as_json


def test_service_definition_is_built_from_the_subclass(client: Client, schemas: Any) -> None:
    # 0101 fire lane blocked requires photo, location and address
    response = client.get(f"{BASE}/services/0101.json?locale=en")
    assert response.status_code == 200
    body = response.json()
    schemas.validate("service-definition.json", body)
    assert body["service_code"] == "0101"
    attributes = {a["code"]: a for a in body["attributes"]}
    assert [a["code"] for a in body["attributes"]] == [
        "risk_colour",
        "grade",
        "quantity",
        "address_detail",
        "completeness_note",
    ]
    colour = attributes["risk_colour"]
    assert colour["datatype"] == "singlevaluelist"
    assert [v["key"] for v in colour["values"]] == ["blue", "yellow", "orange", "red"]
    assert colour["values"][0]["name"] == "Blue (low)"
    assert colour["required"] is False
    assert [v["key"] for v in attributes["grade"]["values"]] == ["ordinary", "major"]
    assert attributes["quantity"]["datatype"] == "string"
    assert attributes["quantity"]["required"] is False
    assert attributes["address_detail"]["datatype"] == "text"
    assert attributes["address_detail"]["required"] is True
    note = attributes["completeness_note"]
    assert note["variable"] is False
    assert "photo" in note["description"]


def test_quantity_is_required_where_the_subclass_requires_it(client: Client) -> None:
    Category.objects.filter(code="0101").update(required_fields=["quantity"])
    body = client.get(f"{BASE}/services/0101.json").json()
    attributes = {a["code"]: a for a in body["attributes"]}
    assert attributes["quantity"]["required"] is True
    assert attributes["address_detail"]["required"] is False
    assert "completeness_note" not in attributes


def test_service_definition_xml_has_the_same_content(client: Client, schemas: Any) -> None:
    as_json = client.get(f"{BASE}/services/0101.json").json()
    response = client.get(f"{BASE}/services/0101.xml")
    assert response["Content-Type"].startswith("text/xml")
    as_xml = xml_object(response.content, "service_definition")
    schemas.validate("service-definition.json", as_xml)
    assert as_xml == as_json


@pytest.mark.parametrize("code", ["9999", "01", "abc"])
def test_unknown_service_code_is_404_with_an_error_array(client: Client, code: str) -> None:
    response = client.get(f"{BASE}/services/{code}.json")
    assert response.status_code == 404
    body = response.json()
    assert body[0]["code"] == 404
    assert code in body[0]["description"]


def test_unknown_service_code_in_xml(client: Client) -> None:
    response = client.get(f"{BASE}/services/9999.xml")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/xml")
    errors = xml_errors(response.content)
    assert errors[0]["code"] == 404


def test_another_jurisdiction_is_404(client: Client, settings: Any) -> None:
    assert client.get(f"{BASE}/services.json?jurisdiction_id=anxin.local").status_code == 200
    response = client.get(f"{BASE}/services.json?jurisdiction_id=sf.gov")
    assert response.status_code == 404
    assert "jurisdiction_id" in response.json()[0]["description"]
    settings.OPEN311_JURISDICTION_ID = "xihu.hangzhou"
    assert client.get(f"{BASE}/services.json?jurisdiction_id=xihu.hangzhou").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=anxin.local").status_code == 404
