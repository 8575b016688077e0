"""The taxonomy is editable in the admin; codes stay fixed once created."""

from __future__ import annotations

import pytest
from django.test import Client

from anxin.accounts.models import User
from anxin.taxonomy.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    user = User.objects.create_user(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_changelist_lists_and_filters_categories(admin_client_):
    response = admin_client_.get("/admin/taxonomy/category/", {"main_class": "07"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "燃气泄漏或管道被占压" in body
    assert "消防通道堵塞" not in body


def test_changelist_searches_keywords(admin_client_):
    response = admin_client_.get("/admin/taxonomy/category/", {"q": "xftd"})
    assert response.status_code == 200
    assert "消防通道堵塞" in response.content.decode()


def test_main_class_page_shows_its_subclasses(admin_client_):
    fire = Category.objects.get(code="01")
    response = admin_client_.get(f"/admin/taxonomy/category/{fire.pk}/change/")
    assert response.status_code == 200
    assert "消防通道堵塞" in response.content.decode()


def test_editing_keeps_the_code(admin_client_):
    # given the fire-lane subclass
    fire_lane = Category.objects.get(code="0101")
    # when an admin posts a new name and (trying) a new code
    response = admin_client_.post(
        f"/admin/taxonomy/category/{fire_lane.pk}/change/",
        {
            "code": "0199",
            "name_zh": "消防车通道被占用",
            "name_en": "Fire lane blocked",
            "keywords": fire_lane.keywords,
            "is_active": "on",
            "risk_colour": "orange",
            "responsible_kind": "property",
            "required_fields": ["photo", "location"],
            "duplicate_radius_m": "50",
            "duplicate_window_days": "7",
            "deadline_policy": "by_colour",
            "deadline_days": "",
            "ordering": "10",
        },
    )
    # then the name and colour change, the code does not
    assert response.status_code == 302
    fire_lane.refresh_from_db()
    assert (fire_lane.code, fire_lane.name_zh, fire_lane.risk_colour) == (
        "0101",
        "消防车通道被占用",
        "orange",
    )
    assert fire_lane.required_fields == ["photo", "location"]


def test_adding_a_subclass_with_a_bad_colour_is_refused(admin_client_):
    fire = Category.objects.get(code="01")
    response = admin_client_.post(
        "/admin/taxonomy/category/add/",
        {
            "code": "0199",
            "parent": str(fire.pk),
            "name_zh": "测试",
            "name_en": "Test",
            "keywords": "",
            "is_active": "on",
            "risk_colour": "",
            "responsible_kind": "fire",
            "required_fields": ["photo"],
            "duplicate_radius_m": "50",
            "duplicate_window_days": "7",
            "deadline_policy": "by_colour",
            "deadline_days": "",
            "ordering": "0",
        },
    )
    assert response.status_code == 200
    assert not Category.objects.filter(code="0199").exists()


def test_code_is_read_only_on_an_existing_row_but_editable_on_a_new_one(admin_client_):
    fire_lane = Category.objects.get(code="0101")
    change = admin_client_.get(f"/admin/taxonomy/category/{fire_lane.pk}/change/")
    assert change.status_code == 200
    assert 'name="code"' not in change.content.decode()
    add = admin_client_.get("/admin/taxonomy/category/add/")
    assert add.status_code == 200
    assert 'name="code"' in add.content.decode()
