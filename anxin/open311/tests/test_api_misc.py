from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from anxin.open311.models import Open311Client
from anxin.open311.tests.conftest import xml_errors, xml_object
from anxin.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def test_discovery(client: Client) -> None:
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    body = response.json()
    assert body["contact"] and body["key_service"] and body["changeset"]
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    xml = client.get(f"{BASE}/discovery.xml")
    assert xml["Content-Type"].startswith("text/xml")
    assert xml_object(xml.content, "discovery") == body


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_tokens_are_not_issued(client: Client, fmt: str) -> None:
    response = client.get(f"{BASE}/tokens/12345.{fmt}")
    assert response.status_code == 404
    errors = response.json() if fmt == "json" else xml_errors(response.content)
    assert errors[0]["code"] == 404
    assert errors[0]["description"]


@pytest.mark.parametrize(
    "path", ["nothing.json", "services.csv", "requests/abc/def.json", "services/0101/extra"]
)
def test_unknown_resources_are_open311_404s_not_html(client: Client, path: str) -> None:
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()[0]["code"] == 404


def test_a_wrong_method_is_405_with_an_error_body(client: Client) -> None:
    response = client.delete(f"{BASE}/requests.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert response.json()[0]["code"] == 405
    assert client.post(f"{BASE}/services.xml").status_code == 405


def test_api_keys_are_random_and_unique(personas: Any) -> None:
    a = Open311Client.objects.create(name="a", user=personas.resident)
    b = Open311Client.objects.create(name="b", user=personas.resident)
    assert len(a.api_key) >= 40
    assert a.api_key != b.api_key


def test_create_open311_client_command_prints_the_key(personas: Any) -> None:
    out = StringIO()
    call_command("create_open311_client", "City app", "--user", "grid_worker", stdout=out)
    client = Open311Client.objects.get(name="City app")
    assert out.getvalue().strip() == client.api_key
    assert client.user == personas.grid_worker
    assert client.is_active


def test_create_open311_client_command_refuses_bad_input(personas: Any) -> None:
    with pytest.raises(CommandError, match="--user"):
        call_command("create_open311_client", "City app", "--user", "nobody")
    call_command("create_open311_client", "City app", "--user", "resident", stdout=StringIO())
    with pytest.raises(CommandError, match="NAME"):
        call_command("create_open311_client", "City app", "--user", "resident")
    assert Open311Client.objects.count() == 1


def test_admin_shows_the_key_read_only_and_can_issue_a_new_one(personas: Any) -> None:
    admin: Any = UserFactory(username="root", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    client = Open311Client.objects.create(name="City app", user=personas.resident)
    page = browser.get(f"/admin/open311/open311client/{client.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert client.api_key in html
    assert 'name="api_key"' not in html
    old_key = client.api_key
    browser.post(
        "/admin/open311/open311client/",
        {"action": "issue_new_keys", "_selected_action": [client.pk]},
    )
    client.refresh_from_db()
    assert client.api_key != old_key
    assert len(client.api_key) >= 40
