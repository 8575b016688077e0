"""Login with username or mobile, lockout after repeated failures, argon2 hashes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.utils import timezone

from anxin.accounts.actions import create_user
from anxin.accounts.choices import AuditVerb
from anxin.accounts.models import AuditEntry, LoginFailure, User
from anxin.testing.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def new_user(**fields: Any) -> User:
    user: User = UserFactory(**fields)  # type: ignore[assignment]
    return user


WRONG = "not-the-password"


def _login(login: str, password: str) -> User | None:
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.0.0.7")
    user = authenticate(request, username=login, password=password)
    return user


def _fail_until_locked(login: str) -> None:
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        assert _login(login, WRONG) is None


@pytest.fixture
def alice() -> User:
    return new_user(username="Alice", mobile="13912345678")


def test_username_login_works(alice: User) -> None:
    assert _login("Alice", TEST_PASSWORD) == alice


def test_mobile_login_works(alice: User) -> None:
    assert _login("13912345678", TEST_PASSWORD) == alice


def test_wrong_password_and_unknown_user_are_refused_and_counted(alice: User) -> None:
    assert _login("Alice", WRONG) is None
    assert _login("nobody", TEST_PASSWORD) is None
    assert set(LoginFailure.objects.values_list("login", flat=True)) == {"alice", "nobody"}
    assert LoginFailure.objects.filter(ip_address="10.0.0.7").count() == 2


def test_inactive_user_is_refused(alice: User) -> None:
    alice.is_active = False
    alice.save()
    assert _login("Alice", TEST_PASSWORD) is None


def test_correct_password_refused_while_locked_out_until_window_passes(alice: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        _fail_until_locked("Alice")
        # The right password no longer opens the account...
        assert _login("Alice", TEST_PASSWORD) is None
        traveller.shift(timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1))
        assert _login("alice", TEST_PASSWORD) is None  # login names are case-insensitive
        # ...until the window has passed since the last failure.
        traveller.shift(timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
        assert _login("Alice", TEST_PASSWORD) == alice


def test_lockout_covers_both_username_and_mobile(alice: User) -> None:
    _fail_until_locked("Alice")
    assert _login("13912345678", TEST_PASSWORD) is None

    LoginFailure.objects.all().delete()
    _fail_until_locked("13912345678")
    assert _login("Alice", TEST_PASSWORD) is None


def test_lockout_of_one_login_name_does_not_lock_others(alice: User) -> None:
    bob = new_user(username="bob")
    _fail_until_locked("Alice")
    assert _login("bob", TEST_PASSWORD) == bob


def test_failures_below_the_limit_do_not_lock(alice: User) -> None:
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES - 1):
        _login("Alice", WRONG)
    assert _login("Alice", TEST_PASSWORD) == alice


def test_successful_login_clears_failures(alice: User) -> None:
    client = Client()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES - 1):
        client.login(username="Alice", password=WRONG)
        client.login(username="13912345678", password=WRONG)
    assert LoginFailure.objects.count() == 2 * (settings.LOGIN_LOCKOUT_FAILURES - 1)

    assert client.login(username="Alice", password=TEST_PASSWORD)

    assert LoginFailure.objects.count() == 0
    assert AuditEntry.objects.filter(actor=alice, verb=AuditVerb.LOGIN).count() == 1
    # With the slate clean, new failures start counting from zero again.
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES - 1):
        _login("Alice", WRONG)
    assert _login("Alice", TEST_PASSWORD) == alice


def test_locked_out_audit_entry_written_once(alice: User) -> None:
    _fail_until_locked("Alice")
    _login("Alice", WRONG)
    _login("Alice", TEST_PASSWORD)

    entries = AuditEntry.objects.filter(verb=AuditVerb.LOCKED_OUT)
    assert entries.count() == 1
    assert entries.get().detail == {"login": "alice"}
    assert entries.get().ip_address == "10.0.0.7"


def test_admin_login_form_refuses_a_locked_out_user(alice: User) -> None:
    alice.is_staff = True
    alice.save()
    client = Client()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        client.post("/admin/login/", {"username": "Alice", "password": WRONG})

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "Alice", "password": TEST_PASSWORD}
    )

    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_passwords_are_stored_with_argon2() -> None:
    user = create_user(username="carol", password="Very-long-passphrase-42")
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert user.check_password("Very-long-passphrase-42")
