"""The accounts admin: scoped lists, masking, membership validation, read-only audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client

from anxin.accounts.choices import AuditVerb
from anxin.accounts.models import AuditEntry, LoginFailure, Membership, User
from anxin.testing.clients import client_for
from anxin.testing.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def new_user(**fields: Any) -> User:
    user: User = UserFactory(**fields)  # type: ignore[assignment]
    return user


ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def staff(user: User, *codenames: str) -> User:
    """Make ``user`` staff with the given ``app_label.codename`` permissions."""
    user.is_staff = True
    user.save()
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions or memberships


@pytest.fixture
def superuser(db: Any) -> User:
    return new_user(username="root", is_staff=True, is_superuser=True, full_name="管理员")


# --- branding, language ---------------------------------------------------------------


def test_admin_index_is_chinese_by_default_with_branding(superuser: User) -> None:
    body = client_for(superuser).get("/admin/", headers=ZH).content.decode()
    assert "安心 · 社区安全隐患管理平台" in body
    assert "站点管理" in body
    assert "账号与角色" in body  # the accounts app
    assert "组织架构" in body  # the areas app
    assert 'action="/i18n/setlang/"' in body
    assert "简体中文" in body and "English" in body


def test_admin_index_in_english_on_request(superuser: User) -> None:
    body = client_for(superuser).get("/admin/", headers=EN).content.decode()
    assert "Anxin community safety" in body
    assert "Site administration" in body
    assert "Accounts and roles" in body


def test_language_switcher_choice_sticks_over_accept_language(superuser: User) -> None:
    client = client_for(superuser)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"}, headers=ZH)
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    body = client.get("/admin/", headers=ZH).content.decode()
    assert "Site administration" in body
    assert "站点管理" not in body


def test_login_page_has_the_switcher_and_branding() -> None:
    body = Client().get("/admin/login/", headers=ZH).content.decode()
    assert "安心 · 社区安全隐患管理平台" in body
    assert 'action="/i18n/setlang/"' in body


# --- users: scope and masking -------------------------------------------------------------


def test_superuser_sees_all_users_with_roles(superuser: User, personas: Any) -> None:
    body = client_for(superuser).get("/admin/accounts/user/", headers=ZH).content.decode()
    for username in ("street_admin", "street_admin_b", "grid_worker", "resident"):
        assert f">{username}<" in body
    assert "网格员" in body  # the roles column, translated


def test_staff_see_only_users_in_their_scope(personas: Any) -> None:
    viewer = staff(personas.street_admin, "accounts.view_user")
    body = client_for(viewer).get("/admin/accounts/user/", headers=ZH).content.decode()
    assert ">grid_worker<" in body
    assert ">community_admin<" in body
    assert ">street_admin_b<" not in body
    assert ">district_admin<" not in body
    # Out of scope answers like a missing row.
    other = personas.street_admin_b
    response = client_for(viewer).get(f"/admin/accounts/user/{other.pk}/change/")
    assert response.status_code == 302  # admin redirects "does not exist" to the index
    assert response["Location"] == "/admin/"


def test_resident_personal_data_masked_without_permission(personas: Any) -> None:
    resident = personas.resident
    resident.memberships.update(area=personas.street_admin.memberships.get().area)
    viewer = staff(personas.street_admin, "accounts.view_user")

    mobile = resident.mobile
    masked = f"{mobile[:3]}****{mobile[-4:]}"

    body = client_for(viewer).get("/admin/accounts/user/", headers=ZH).content.decode()

    assert ">resident<" in body
    assert "王**" in body and masked in body
    assert "王小明" not in body and mobile not in body
    assert not AuditEntry.objects.filter(verb=AuditVerb.VIEW_PERSONAL_DATA).exists()
    # The change form masks too.
    change = client_for(viewer).get(f"/admin/accounts/user/{resident.pk}/change/", headers=ZH)
    assert change.status_code == 200
    assert mobile not in change.content.decode()
    assert masked in change.content.decode()


def test_resident_personal_data_shown_and_audited_with_permission(
    superuser: User, personas: Any
) -> None:
    body = client_for(superuser).get("/admin/accounts/user/", headers=ZH).content.decode()

    assert "王小明" in body and personas.resident.mobile in body
    audited = AuditEntry.objects.filter(verb=AuditVerb.VIEW_PERSONAL_DATA, actor=superuser)
    # Residents and users without a staff role; not the viewer's own row.
    assert set(audited.values_list("object_id", flat=True)) == {
        str(personas.resident.pk),
        str(personas.resident_b.pk),
        str(personas.outsider.pk),
    }


def test_staff_names_are_not_masked(superuser: User, personas: Any) -> None:
    viewer = staff(personas.district_admin, "accounts.view_user")
    body = client_for(viewer).get("/admin/accounts/user/", headers=ZH).content.decode()
    assert personas.grid_worker.mobile in body


def test_non_superuser_cannot_grant_superuser(personas: Any) -> None:
    editor = staff(personas.street_admin, "accounts.view_user", "accounts.change_user")
    target = personas.grid_worker
    client = client_for(editor)
    page = client.get(f"/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


# --- memberships ------------------------------------------------------------------------


def _membership_post(user: User, role: str, area: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "user": user.pk,
        "role": role,
        "area": area.pk if area is not None else "",
        "organisation": "",
        "scope": "",
        "is_active": "on",
        **extra,
    }


def test_membership_clean_error_shown_on_area_field(superuser: User, tree: Any) -> None:
    user = new_user(username="newbie")
    response = client_for(superuser).post(
        "/admin/accounts/membership/add/",
        _membership_post(user, "grid_worker", tree.community_a1),
        headers=EN,
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["area"] == ["A Grid worker must be bound to a Grid, not a Community."]
    assert not Membership.objects.filter(user=user).exists()


def test_membership_clean_error_in_chinese(superuser: User, tree: Any) -> None:
    user = new_user(username="newbie")
    response = client_for(superuser).post(
        "/admin/accounts/membership/add/",
        _membership_post(user, "grid_worker", tree.community_a1),
        headers=ZH,
    )
    assert "网格员必须绑定到网格，不能绑定到社区。" in response.content.decode()


def test_membership_added_through_admin_is_audited(superuser: User, tree: Any) -> None:
    user = new_user(username="newbie")
    response = client_for(superuser).post(
        "/admin/accounts/membership/add/", _membership_post(user, "grid_worker", tree.grid_a1a)
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.scope == "ORG_AND_BELOW"
    entry = AuditEntry.objects.get(verb=AuditVerb.MEMBERSHIP_GRANTED)
    assert entry.actor == superuser
    assert entry.object_id == str(membership.pk)


def test_staff_cannot_grant_a_role_outside_their_street(personas: Any, tree: Any) -> None:
    editor = staff(
        personas.street_admin,
        "accounts.view_membership",
        "accounts.add_membership",
        "accounts.view_user",
    )
    user = new_user(username="newbie")
    Membership.objects.create(user=user, role="resident", area=tree.grid_a1a)
    response = client_for(editor).post(
        "/admin/accounts/membership/add/",
        _membership_post(user, "grid_worker", tree.grid_b1a),
        headers=EN,
    )
    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(user=user, role="grid_worker").exists()


def test_membership_inline_on_user_page_validates_too(superuser: User, tree: Any) -> None:
    user = new_user(username="newbie", mobile="13700000001")
    client = client_for(superuser)
    data = {
        "username": "newbie",
        "full_name": "新人",
        "mobile": "13700000001",
        "email": "",
        "home_building": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-role": "grid_worker",
        "memberships-0-area": str(tree.community_a1.pk),
        "memberships-0-organisation": "",
        "memberships-0-scope": "",
        "memberships-0-is_active": "on",
        "memberships-0-user": str(user.pk),
    }
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data, headers=EN)
    assert response.status_code == 200
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert inline_errors[0]["area"] == ["A Grid worker must be bound to a Grid, not a Community."]
    assert not Membership.objects.filter(user=user).exists()

    data["memberships-0-area"] = str(tree.grid_a1a.pk)
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data, headers=EN)
    assert response.status_code == 302
    assert Membership.objects.get(user=user).area == tree.grid_a1a
    assert AuditEntry.objects.filter(verb=AuditVerb.MEMBERSHIP_GRANTED).count() == 1


def test_membership_list_is_scoped(personas: Any) -> None:
    viewer = staff(personas.street_admin, "accounts.view_membership")
    body = client_for(viewer).get("/admin/accounts/membership/", headers=ZH).content.decode()
    assert "grid_worker" in body
    assert "street_admin_b" not in body


# --- audit log and failed logins: read-only -----------------------------------------------


def test_audit_log_is_read_only(superuser: User, personas: Any) -> None:
    entry = AuditEntry.objects.create(actor=personas.grid_worker, verb=AuditVerb.LOGIN)
    client = client_for(superuser)

    listing = client.get("/admin/accounts/auditentry/?verb=login", headers=ZH)
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "审计日志" in body and ">grid_worker<" in body

    assert client.get("/admin/accounts/auditentry/add/").status_code == 403
    change = client.get(f"/admin/accounts/auditentry/{entry.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_log_of_staff_is_limited_to_users_they_manage(personas: Any) -> None:
    AuditEntry.objects.create(actor=personas.grid_worker, verb=AuditVerb.LOGIN)
    AuditEntry.objects.create(actor=personas.street_admin_b, verb=AuditVerb.LOGIN)
    viewer = staff(personas.street_admin, "accounts.view_auditentry")
    body = client_for(viewer).get("/admin/accounts/auditentry/", headers=EN).content.decode()
    assert ">grid_worker<" in body
    assert ">street_admin_b<" not in body


def test_failed_logins_are_read_only_and_filter_by_date(superuser: User) -> None:
    LoginFailure.objects.create(login="someone", ip_address="10.1.1.1")
    client = client_for(superuser)
    listing = client.get("/admin/accounts/loginfailure/", headers=ZH)
    assert listing.status_code == 200
    assert "someone" in listing.content.decode()
    assert "今天" in listing.content.decode()  # the date filter
    assert client.get("/admin/accounts/loginfailure/add/").status_code == 403


# --- login form ------------------------------------------------------------------------------


def test_admin_login_says_when_locked_out(superuser: User) -> None:
    client = Client()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        client.post("/admin/login/", {"username": "root", "password": "wrong"}, headers=EN)
    response = client.post(
        "/admin/login/", {"username": "root", "password": TEST_PASSWORD}, headers=EN
    )
    assert response.status_code == 200
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
