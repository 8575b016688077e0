"""``manage.py create_member``: a user with a role, or a clear error and no rows."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import translation

from anxin.accounts.models import AuditEntry, Membership, User

pytestmark = pytest.mark.django_db

PASSWORD = "Tea-garden-2026"


@pytest.fixture(autouse=True)
def not_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def create_member(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("create_member", *args, stdout=out)
    return out.getvalue()


def test_creates_the_user_and_grants_the_membership(tree):
    output = create_member(
        "wangfang",
        "--role",
        "grid_worker",
        "--area",
        tree.grid_a1a.code,
        "--password",
        PASSWORD,
        "--mobile",
        "13912345678",
        "--full-name",
        "王芳",
    )

    user = User.objects.get(username="wangfang")
    assert user.full_name == "王芳"
    assert not user.is_staff
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.area, membership.scope) == (
        "grid_worker",
        tree.grid_a1a,
        "ORG_AND_BELOW",
    )
    assert AuditEntry.objects.filter(verb="membership_granted", object_id=membership.pk).exists()
    assert "wangfang" in output
    assert authenticate(username="wangfang", password=PASSWORD) == user
    assert authenticate(username="13912345678", password=PASSWORD) == user


def test_an_existing_user_gets_another_role_without_a_password(tree):
    create_member(
        "li", "--role", "grid_worker", "--area", tree.grid_a1a.code, "--password", PASSWORD
    )

    create_member("li", "--role", "property_manager", "--organisation", tree.property_a.name)
    create_member("li", "--role", "department", "--organisation", str(tree.fire.pk), "--staff")

    user = User.objects.get(username="li")
    assert set(user.memberships.values_list("role", flat=True)) == {
        "grid_worker",
        "property_manager",
        "department",
    }
    assert user.is_staff
    assert authenticate(username="li", password=PASSWORD) == user


def test_granting_the_same_role_again_changes_nothing(tree):
    args = ("zhao", "--role", "safety_officer", "--area", tree.community_a1.code)
    create_member(*args, "--password", PASSWORD)

    output = create_member(*args)

    assert Membership.objects.filter(user__username="zhao").count() == 1
    assert "nothing was changed" in output


def test_scope_can_be_narrowed(tree):
    create_member(
        "qian",
        "--role",
        "community_admin",
        "--area",
        tree.community_a1.code,
        "--scope",
        "ORG",
        "--password",
        PASSWORD,
    )
    assert Membership.objects.get(user__username="qian").scope == "ORG"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--role", "boss", "--area", "330106001001001"], "--role"),
        (["--role", "grid_worker", "--area", "999999999999999"], "--area"),
        (["--role", "grid_worker", "--area", "330106001"], "--area"),
        (["--role", "grid_worker"], "--area"),
        (["--role", "building_leader", "--area", "330106001001001"], "--area"),
        (["--role", "property_manager"], "--organisation"),
        (["--role", "department", "--organisation", "no such department"], "--organisation"),
        (["--role", "grid_worker", "--area", "330106001001001", "--mobile", "12345"], "--mobile"),
        (["--role", "grid_worker", "--area", "330106001001001", "--scope", "WORLD"], "--scope"),
        (["--role", "evaluator"], "--area"),
    ],
    ids=[
        "unknown-role",
        "unknown-area",
        "street-for-grid-worker",
        "no-area",
        "grid-for-building-leader",
        "no-organisation",
        "unknown-organisation",
        "bad-mobile",
        "unknown-scope",
        "evaluator-without-area",
    ],
)
def test_bad_input_names_the_option_and_saves_nothing(tree, args, option):
    with pytest.raises(CommandError) as raised:
        create_member("newbie", *args, "--password", PASSWORD)

    assert str(raised.value).startswith(option), str(raised.value)
    assert not User.objects.filter(username="newbie").exists()
    assert not Membership.objects.filter(user__username="newbie").exists()


def test_a_new_user_needs_a_password_when_not_in_a_terminal(tree):
    with pytest.raises(CommandError, match="--password"):
        create_member("nopass", "--role", "grid_worker", "--area", tree.grid_a1a.code)
    assert not User.objects.filter(username="nopass").exists()


def test_a_weak_password_is_refused(tree):
    with pytest.raises(CommandError, match="--password"):
        create_member(
            "weak", "--role", "grid_worker", "--area", tree.grid_a1a.code, "--password", "123"
        )
    assert not User.objects.filter(username="weak").exists()


def test_a_taken_mobile_is_refused(tree, personas):
    with pytest.raises(CommandError, match="--mobile"):
        create_member(
            "twin",
            "--role",
            "grid_worker",
            "--area",
            tree.grid_a1a.code,
            "--password",
            PASSWORD,
            "--mobile",
            personas.resident.mobile,
        )
    assert not User.objects.filter(username="twin").exists()


def test_a_failed_grant_leaves_an_existing_user_unchanged(tree):
    create_member(
        "sun", "--role", "grid_worker", "--area", tree.grid_a1a.code, "--password", PASSWORD
    )

    with pytest.raises(CommandError, match="--area"):
        create_member(
            "sun",
            "--role",
            "grid_worker",
            "--area",
            tree.street_a.code,
            "--mobile",
            "13700007777",
            "--full-name",
            "孙悟",
            "--password",
            "Another-pass-2026",
        )

    user = User.objects.get(username="sun")
    assert user.mobile is None and user.full_name == ""
    assert authenticate(username="sun", password=PASSWORD) == user
    assert user.memberships.count() == 1
