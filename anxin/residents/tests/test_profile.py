"""The resident's account page: name and home building can be changed (they moved),
the resident membership follows the home, the change is audited; bad input
changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from anxin.accounts.choices import AuditVerb
from anxin.accounts.models import AuditEntry, Membership
from anxin.residents.tests.conftest import client_for

pytestmark = pytest.mark.django_db


def errors_of(response: Any, field: str) -> str:
    found = re.search(rf'id="id_{field}-errors"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else ""


@pytest.fixture
def moving(personas: Any, tree: Any) -> Any:
    """The resident lives in building A1a, with the resident role on community A1."""
    resident = personas.resident
    resident.home_building = tree.building_a1a
    resident.save(update_fields=["home_building"])
    Membership.objects.filter(user=resident).update(area=tree.community_a1)
    return resident


def test_a_resident_who_moved_changes_building_and_the_role_follows(moving: Any, tree: Any) -> None:
    client = client_for(moving)
    page = client.get("/m/profile/").content.decode()
    assert 'id="profile-form"' in page
    assert f'<option value="{tree.building_a1a.pk}" selected>' in page

    response = client.post(
        "/m/profile/", {"full_name": "王小明", "home_building": tree.building_b1a.pk}
    )
    assert response.status_code == 302 and response["Location"] == "/m/profile/"
    moving.refresh_from_db()
    assert moving.home_building_id == tree.building_b1a.pk
    assert list(Membership.objects.filter(user=moving).values_list("area_id", flat=True)) == [
        tree.community_b1.pk
    ]
    audit = AuditEntry.objects.get(verb=AuditVerb.PROFILE_CHANGED)
    assert audit.detail["home_building"] == [tree.building_a1a.code, tree.building_b1a.code]
    assert audit.detail["name_changed"] is False
    assert "王小明" not in str(audit.detail)  # the name is personal data
    page = client.get("/m/profile/").content.decode()
    assert "Your profile was saved." in page
    assert "古荡社区" in page  # the new home community is shown
    # The role moved for every later request too (memberships are cached per
    # process until the user's memberships_version moves).
    me = client.get("/api/v1/me/").json()
    assert [m["area_code"] for m in me["memberships"]] == [tree.community_b1.code]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"home_building": ""}, "home_building", "Choose your building from the list."),
        ({"home_building": "999999"}, "home_building", "Choose your building from the list."),
        ({"home_building": "grid"}, "home_building", "Choose your building from the list."),
        ({"full_name": "王" * 61, "home_building": "a1a"}, "full_name", "At most 60 characters."),
    ],
)
def test_bad_input_says_why_and_changes_nothing(
    moving: Any, tree: Any, data: dict[str, Any], field: str, message: str
) -> None:
    values = {"a1a": tree.building_a1a.pk, "grid": tree.grid_a1b.pk}
    data = {k: values.get(v, v) for k, v in data.items()}
    response = client_for(moving).post("/m/profile/", data)
    assert response.status_code == 400
    assert message in errors_of(response, field)
    moving.refresh_from_db()
    assert moving.home_building_id == tree.building_a1a.pk and moving.full_name == "王小明"
    assert list(Membership.objects.filter(user=moving).values_list("area_id", flat=True)) == [
        tree.community_a1.pk
    ]
    assert not AuditEntry.objects.filter(verb=AuditVerb.PROFILE_CHANGED).exists()


def test_the_profile_needs_a_login() -> None:
    response = client_for().post("/m/profile/", {"home_building": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
