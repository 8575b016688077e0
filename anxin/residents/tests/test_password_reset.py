"""A resident who forgot the password sets a new one with a code sent to the
account's mobile number; the code of a sign-up cannot be used for it, bad input
changes nothing, and the change is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from anxin.accounts.choices import AuditVerb
from anxin.accounts.models import AuditEntry, LoginFailure
from anxin.residents import actions
from anxin.residents.choices import CodePurpose
from anxin.residents.models import SignupCode
from anxin.residents.tests.conftest import client_for
from anxin.residents.tests.test_signup import HTMX, field_errors, last_code
from anxin.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

MOBILE = "13700001234"
NEW_PASSWORD = "Another-home-2026"


@pytest.fixture
def resident(personas: Any) -> Any:
    person = personas.resident
    person.mobile = MOBILE
    person.save(update_fields=["mobile"])
    return person


def send_code(client: Any, mobile: str = MOBILE) -> Any:
    return client.post("/m/password/", {"action": "send_code", "mobile": mobile}, **HTMX)


def reset(client: Any, code: str, **changes: Any) -> Any:
    data = {"mobile": MOBILE, "code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return client.post("/m/password/", {**data, **changes})


def test_a_new_password_with_the_code_and_the_lockout_is_lifted(
    resident: Any, sms_log: Any
) -> None:
    for _ in range(6):  # someone tried to guess: the account is locked out
        LoginFailure.objects.create(login=MOBILE)
    assert 'id="reset-link"' in client_for().get("/m/login/").content.decode()
    client = client_for()
    sent = send_code(client)
    assert sent["HX-Trigger"] == "anxin-code-sent"
    text = [m["text"] for m in sms_log if m["to"] == MOBILE][-1]
    assert "set a new password" in text
    response = reset(client, last_code(sms_log, MOBILE))
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert client.session[SESSION_KEY] == str(resident.pk)  # logged in
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD) and not resident.check_password(TEST_PASSWORD)
    assert AuditEntry.objects.filter(verb=AuditVerb.PASSWORD_RESET, actor=resident).count() == 1
    assert not LoginFailure.objects.filter(login=MOBILE).exists()
    assert SignupCode.objects.get(mobile=MOBILE).used_at is not None
    # the code is used up
    again = reset(client_for(), last_code(sms_log, MOBILE), password1="x", password2="x")
    assert again.status_code == 400


def test_a_number_without_an_account_is_sent_to_sign_up(resident: Any, sms_log: Any) -> None:
    response = send_code(client_for(), mobile="13811112222")
    html = response.content.decode()
    assert "No account uses this mobile number." in html
    assert 'id="signup-instead"' in html
    assert len(sms_log) == 0 and not SignupCode.objects.exists()


def test_a_sign_up_code_does_not_set_a_password(resident: Any) -> None:
    SignupCode.objects.create(
        mobile=MOBILE,
        purpose=CodePurpose.SIGNUP,
        code_hash=actions._hash(MOBILE, "123456"),
        created_at=timezone.now(),
        expires_at=timezone.now() + actions.CODE_TTL,
    )
    response = reset(client_for(), "123456")
    assert response.status_code == 400
    assert "Ask for a code first." in field_errors(response, "code")
    resident.refresh_from_db()
    assert resident.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "Different-2026"}, "password2", "The two passwords are not the same."),
        ({"password1": "", "password2": ""}, "password1", "Choose a password."),
        ({"password1": "123", "password2": "123"}, "password1", "too short"),
        ({"code": "000000"}, "code", "The code is wrong."),
    ],
)
def test_bad_input_says_why_and_changes_nothing(
    resident: Any, sms_log: Any, changes: dict[str, str], field: str, message: str
) -> None:
    client = client_for()
    send_code(client)
    sent = last_code(sms_log, MOBILE)
    changes = dict(changes)
    code = changes.pop("code", sent)
    if code == sent and field == "code":  # the wrong code happens to be the right one
        code = "111111"
    response = reset(client, code, **changes)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    resident.refresh_from_db()
    assert resident.check_password(TEST_PASSWORD)
    assert not AuditEntry.objects.filter(verb=AuditVerb.PASSWORD_RESET).exists()
    row = SignupCode.objects.get(mobile=MOBILE)
    assert row.used_at is None
    assert row.attempts == (1 if field == "code" else 0)  # only a wrong code is a try
