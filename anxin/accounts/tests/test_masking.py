from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from anxin.accounts.models import AuditEntry, Membership
from anxin.accounts.selectors import mask_mobile, mask_name

pytestmark = pytest.mark.django_db


def test_mask_helpers():
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_mobile(None) is None


@pytest.fixture
def resident_at_home(personas, tree):
    resident = personas.resident
    Membership.objects.filter(user=resident).update(area=tree.building_a1a)
    resident.refresh_from_db()
    return resident


def grant_personal_data(user):
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))


def user_row(client, viewer, subject):
    client.force_authenticate(viewer)
    response = client.get(f"/api/v1/users/{subject.pk}/")
    assert response.status_code == 200
    return response.json()


def test_grid_worker_sees_residents_masked_and_nothing_is_audited(
    personas, resident_at_home, api_client
):
    row = user_row(api_client, personas.grid_worker, resident_at_home)
    assert row["full_name"] == "王**"
    assert row["mobile"] == mask_mobile(resident_at_home.mobile)
    assert resident_at_home.mobile not in str(row)
    listing = api_client.get("/api/v1/users/").json()
    assert resident_at_home.mobile not in str(listing)
    assert not AuditEntry.objects.filter(verb="view_personal_data").exists()


def test_permission_unmasks_and_every_view_is_audited(personas, resident_at_home, api_client):
    grant_personal_data(personas.street_admin)
    row = user_row(api_client, personas.street_admin, resident_at_home)
    assert row["full_name"] == "王小明"
    assert row["mobile"] == resident_at_home.mobile
    entries = AuditEntry.objects.filter(verb="view_personal_data", actor=personas.street_admin)
    assert [(e.object_type, e.object_id) for e in entries] == [
        ("accounts.user", str(resident_at_home.pk))
    ]
    listing = api_client.get("/api/v1/users/").json()
    assert resident_at_home.mobile in str(listing)
    assert entries.all().count() == 2


def test_evaluator_stays_masked_even_with_the_permission(personas, resident_at_home, api_client):
    grant_personal_data(personas.evaluator)
    row = user_row(api_client, personas.evaluator, resident_at_home)
    assert row["mobile"] == mask_mobile(resident_at_home.mobile)
    assert (
        not AuditEntry.objects.exists()
        or not AuditEntry.objects.filter(verb="view_personal_data").exists()
    )


def test_staff_contacts_are_not_masked(personas, api_client):
    row = user_row(api_client, personas.safety_officer, personas.grid_worker)
    assert row["mobile"] == personas.grid_worker.mobile


def test_own_data_is_never_masked(personas, api_client):
    row = user_row(api_client, personas.resident, personas.resident)
    assert row["mobile"] == personas.resident.mobile
