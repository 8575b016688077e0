from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from jsonschema import validate

from anxin.hazards.models import Hazard
from anxin.open311.models import ServiceRequest
from anxin.open311.tests.conftest import INSIDE_A1A, xml_errors, xml_list
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"
# The answer to POST requests (GeoReport v2): an array of one object.
POST_ANSWER = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id", "service_notice", "account_id"],
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "service_notice": {"type": ["string", "null"]},
            "account_id": {"type": ["string", "null"]},
        },
        "not": {"required": ["token"]},
    },
}


def form(client: Any, **extra: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {
        "api_key": client.api_key,
        "service_code": "0101",
        **INSIDE_A1A,
        "address_string": "保俶路1号",
        "description": "消防通道被私家车占用",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, data: dict[str, Any], url: str = URL, **kwargs: Any) -> Any:
    """Form-encoded, as the spec says."""
    from urllib.parse import urlencode

    return client.post(
        url, urlencode(data), content_type="application/x-www-form-urlencoded", **kwargs
    )


def test_post_creates_one_hazard_through_report_hazard(
    client: Client, hotline: Any, service_account: Any, schemas: Any
) -> None:
    # given
    data = form(
        hotline,
        **{
            "attribute[risk_colour]": "orange",
            "attribute[grade]": "major",
            "attribute[quantity]": "3辆车",
            "attribute[address_detail]": "1幢东侧",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13800001111",
            "email": "wang@example.com",
            "device_id": "phone-42",
            "account_id": "acc-7",
            "media_url": "https://example.com/p/1.jpg",
            "jurisdiction_id": "anxin.local",
        },
    )
    # when
    response = post(Client(enforce_csrf_checks=True), data)
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    validate(body, POST_ANSWER)
    hazard = Hazard.objects.get()
    assert body[0]["service_request_id"] == str(hazard.uuid)
    assert body[0]["account_id"] == "acc-7"
    assert hazard.code in body[0]["service_notice"]
    assert hazard.source == "open311"
    assert hazard.reporter == service_account
    assert hazard.category.code == "0101"
    assert hazard.status == "reported"
    assert hazard.grid is not None and hazard.grid.code.endswith("001001001")
    assert hazard.risk_colour == "orange"
    assert hazard.grade == "major"
    assert hazard.quantity == "3辆车"
    assert hazard.address == "保俶路1号 1幢东侧"
    assert hazard.reporter_name == "王小明"
    assert hazard.reporter_phone == "13800001111"
    record = ServiceRequest.objects.get()
    assert record.hazard == hazard
    assert record.client == hotline
    assert record.media_url == "https://example.com/p/1.jpg"
    assert (record.email, record.device_id, record.account_id) == (
        "wang@example.com",
        "phone-42",
        "acc-7",
    )
    # and the client reads its request back, schema-valid
    read = client.get(f"/open311/v2/requests/{hazard.uuid}.json", {"api_key": hotline.api_key})
    assert read.status_code == 200
    schemas.validate("requests.json", read.json())
    assert read.json()[0]["status"] == "open"


def test_multipart_is_accepted_and_a_media_file_is_stored(
    client: Client, hotline: Any, settings: Any, tmp_path: Any, schemas: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    data: dict[str, Any] = form(hotline)
    data["media"] = photo()
    response = client.post(URL, data)  # multipart/form-data
    assert response.status_code == 200, response.content
    hazard = Hazard.objects.get()
    attachment = hazard.attachments.get()
    assert attachment.phase == "found"
    assert attachment.public_file
    read = client.get(f"/open311/v2/requests/{hazard.uuid}.json", {"api_key": hotline.api_key})
    schemas.validate("requests.json", read.json())
    assert read.json()[0]["media_url"].endswith(f"/api/v1/attachments/{attachment.pk}/public/")


def test_server_owned_fields_are_ignored(client: Client, hotline: Any) -> None:
    data = form(
        hotline,
        status="closed",
        requested_datetime="2001-01-01T00:00:00Z",
        service_request_id="00000000-0000-0000-0000-000000000000",
        agency_responsible="Nobody",
    )
    response = post(client, data)
    assert response.status_code == 200
    hazard = Hazard.objects.get()
    assert hazard.status == "reported"
    assert str(hazard.uuid) != "00000000-0000-0000-0000-000000000000"
    assert abs((timezone.now() - hazard.reported_at).total_seconds()) < 60
    assert hazard.responsible_organisation is None


def test_post_answer_in_xml(client: Client, hotline: Any) -> None:
    response = post(client, form(hotline), url="/open311/v2/requests.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    answer = xml_list(response.content, "service_requests", "request")
    validate(answer, POST_ANSWER)
    assert answer[0]["service_request_id"] == str(Hazard.objects.get().uuid)
    assert answer[0]["account_id"] is None


@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_missing_or_invalid_api_key_is_403(client: Client, hotline: Any, key: str | None) -> None:
    response = post(client, form(hotline, api_key=key))
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert not Hazard.objects.exists()


def test_inactive_client_or_service_account_is_403(
    client: Client, hotline: Any, service_account: Any
) -> None:
    service_account.is_active = False
    service_account.save()
    response = post(client, form(hotline))
    assert response.status_code == 403
    assert not Hazard.objects.exists()


@pytest.mark.parametrize("code", ["9999", "01"])
def test_unknown_service_code_is_404(client: Client, hotline: Any, code: str) -> None:
    response = post(client, form(hotline, service_code=code))
    assert response.status_code == 404
    body = response.json()
    assert body == [{"code": 404, "description": body[0]["description"]}]
    assert code in body[0]["description"]
    assert not Hazard.objects.exists()


def test_missing_service_code_is_400(client: Client, hotline: Any) -> None:
    response = post(client, form(hotline, service_code=None))
    assert response.status_code == 400
    assert "service_code" in response.json()[0]["description"]


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        ("abc", "120.007"),
        ("95", "120.007"),
        ("nan", "120.007"),
        ("30.015", "inf"),
        ("30.015", None),
    ],
)
def test_bad_lat_or_long_is_400(client: Client, hotline: Any, lat: str, lng: str | None) -> None:
    response = post(client, form(hotline, lat=lat, long=lng))
    assert response.status_code == 400
    body = response.json()
    assert body[0]["code"] == 400
    assert "lat" in body[0]["description"] or "long" in body[0]["description"]
    assert not Hazard.objects.exists()


def test_a_point_outside_the_district_is_400(client: Client, hotline: Any) -> None:
    response = post(client, form(hotline, lat="31.2", long="121.4"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    description = response.json()[0]["description"]
    assert description.startswith("lat/long: ")
    assert "outside" in description
    assert not Hazard.objects.exists()


def test_an_address_without_a_point_is_400_explaining_why(client: Client, hotline: Any) -> None:
    response = post(
        client,
        form(hotline, lat=None, long=None),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    description = response.json()[0]["description"]
    assert "lat and long" in description
    assert "西湖区" in description  # the district the point must lie in
    assert not Hazard.objects.exists()


def test_a_required_address_is_enforced(client: Client, hotline: Any) -> None:
    # 0101 requires an address: address_string or attribute[address_detail]
    response = post(client, form(hotline, address_string=None))
    assert response.status_code == 400
    assert "attribute[address_detail]" in response.json()[0]["description"]
    ok = post(client, form(hotline, address_string=None, **{"attribute[address_detail]": "1幢"}))
    assert ok.status_code == 200
    assert Hazard.objects.get().address == "1幢"


def test_several_errors_at_once(client: Client, hotline: Any) -> None:
    data = form(
        hotline,
        lat="north",
        email="not-an-email",
        media_url="ftp://example.com/x",
        **{"attribute[risk_colour]": "purple", "attribute[colour]": "red"},
    )
    response = post(client, data)
    assert response.status_code == 400
    described = " | ".join(e["description"] for e in response.json())
    for name in ("lat", "email", "media_url", "attribute[risk_colour]", "attribute[colour]"):
        assert name in described
    assert {e["code"] for e in response.json()} == {400}
    assert not Hazard.objects.exists()


def test_hazard_validation_errors_are_mapped_to_open311_parameters(
    client: Client, hotline: Any
) -> None:
    response = post(client, form(hotline, description="长" * 4001))
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("description: ")


def test_another_jurisdiction_is_404(client: Client, hotline: Any) -> None:
    response = post(client, form(hotline, jurisdiction_id="elsewhere"))
    assert response.status_code == 404
    assert not Hazard.objects.exists()


def test_errors_come_in_the_request_language(client: Client, hotline: Any) -> None:
    response = post(client, form(hotline, lat="abc"), url=f"{URL}?locale=en")
    assert response["Content-Language"] == "en"
    assert "is not a number" in response.json()[0]["description"]


def test_an_invalid_form_in_xml(client: Client, hotline: Any) -> None:
    response = post(client, form(hotline, lat="abc"), url="/open311/v2/requests.xml")
    assert response.status_code == 400
    assert xml_errors(response.content)[0]["code"] == 400


def test_an_unreadable_body_is_400(client: Client, hotline: Any) -> None:
    response = client.post(
        f"{URL}?api_key={hotline.api_key}",
        b'--nope\r\nContent-Disposition: form-data; name="lat"\r\n\r\n30',
        content_type="multipart/form-data",  # no boundary
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert not Hazard.objects.exists()
