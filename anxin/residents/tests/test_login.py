"""Logging in on the phone, and residents sent to /m/ from the workbench."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from anxin.accounts.choices import AuditVerb
from anxin.accounts.models import AuditEntry
from anxin.residents.tests.conftest import client_for
from anxin.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_has_the_form(tree: Any) -> None:
    html = client_for().get("/m/login/").content.decode()
    for fragment in ('id="m-login-form"', 'id="id_username"', 'id="id_password"', 'type="submit"'):
        assert fragment in html
    assert 'href="/m/signup/"' in html


@pytest.mark.parametrize("login", ["username", "mobile"])
def test_resident_logs_in_with_username_or_mobile_and_lands_on_my_reports(
    personas: Any, login: str
) -> None:
    resident = personas.resident
    client = client_for()
    response = client.post(
        "/m/login/", {"username": getattr(resident, login), "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert client.session["_auth_user_id"] == str(resident.pk)
    assert AuditEntry.objects.filter(actor=resident, verb=AuditVerb.LOGIN).exists()


def test_wrong_password_and_lockout_as_on_the_workbench(personas: Any) -> None:
    client = client_for()
    response = client.post("/m/login/", {"username": "resident", "password": "wrong"})
    assert response.status_code == 200
    assert "password is wrong" in response.content.decode()
    assert 'value="resident"' in response.content.decode()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        client.post("/m/login/", {"username": "resident", "password": "wrong"})
    response = client.post("/m/login/", {"username": "resident", "password": TEST_PASSWORD})
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_next_is_kept_and_staff_go_to_the_workbench(personas: Any) -> None:
    client = client_for()
    response = client.post(
        "/m/login/",
        {"username": "resident", "password": TEST_PASSWORD, "next": "/m/board/"},
    )
    assert response["Location"] == "/m/board/"
    response = client_for().post(
        "/m/login/", {"username": "grid_worker", "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/"


def test_pages_need_a_login_on_the_phone(tree: Any) -> None:
    for url in ("/m/", "/m/profile/", "/m/reports/1/"):
        response = client_for().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/m/login/?next={url}")


def test_residents_logging_in_on_the_workbench_go_to_the_phone_app(personas: Any) -> None:
    response = client_for().post("/login/", {"username": "resident", "password": TEST_PASSWORD})
    assert response["Location"] == "/m/"
    # staff still go home; an explicit next is honoured for everyone
    response = client_for().post(
        "/login/", {"username": "safety_officer", "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/"
    response = client_for().post(
        "/login/", {"username": "resident", "password": TEST_PASSWORD, "next": "/inbox/"}
    )
    assert response["Location"] == "/inbox/"


def test_root_sends_residents_to_the_phone_app(personas: Any) -> None:
    response = client_for(personas.resident).get("/")
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert client_for(personas.safety_officer).get("/").status_code == 200
    assert client_for().get("/").status_code == 200


def test_profile_shows_name_building_preferences_and_log_out(personas: Any, tree: Any) -> None:
    resident = personas.resident
    resident.home_building = tree.building_a1a
    resident.save()
    client = client_for(resident)
    html = client.get("/m/profile/").content.decode()
    assert "王小明" in html
    assert "保俶社区 · 1幢" in html
    assert 'href="/inbox/preferences/"' in html
    assert resident.mobile not in html  # shown masked
    assert f"{resident.mobile[:3]}****{resident.mobile[-4:]}" in html
    response = client.post("/m/logout/")
    assert response.status_code == 302 and response["Location"] == "/m/login/"
    assert "_auth_user_id" not in client.session
