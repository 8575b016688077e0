"""Sign-up on the phone with a one-time SMS code: the happy path and every bad input.

Given a mobile number, when the person asks for a code, then an SMS with a
6-digit code goes out through the SMS channel (the log backend here) and only
a hash of it is stored; with the right code, matching strong passwords and a
building of the tree, an account is made, the person is logged in and lands
on /m/. Every refusal names the field in the person's language and changes
nothing."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from anxin.accounts.choices import AuditVerb, Scope
from anxin.accounts.models import AuditEntry, Membership, User
from anxin.residents.choices import CODE_MAX_TRIES
from anxin.residents.models import SignupCode
from anxin.residents.tests.conftest import client_for

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
PASSWORD = "Safe-home-2026"
HTMX = {"HTTP_HX_REQUEST": "true"}


def send_code(client: Any, mobile: str = MOBILE, htmx: bool = True) -> Any:
    extra = HTMX if htmx else {}
    return client.post("/m/signup/", {"action": "send_code", "mobile": mobile}, **extra)


def last_code(outbox: Any, mobile: str = MOBILE) -> str:
    texts = [m["text"] for m in outbox if m["to"] == mobile]
    assert texts, "no SMS was sent"
    found = re.search(r"(?<!\d)\d{6}(?!\d)", texts[-1])
    assert found is not None, texts[-1]
    return found.group(0)


def sign_up(client: Any, tree: Any, **changes: Any) -> Any:
    data = {
        "mobile": MOBILE,
        "code": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": "赵安心",
        "home_building": str(tree.building_a1a.pk),
    }
    data.update(changes)
    return client.post("/m/signup/", data)


def field_errors(response: Any, field: str) -> str:
    """The text of the error list rendered under one field."""
    html = response.content.decode()
    found = re.search(rf'id="id_{field}-errors"[^>]*>(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else ""


def test_page_has_the_two_steps(tree: Any) -> None:
    response = client_for().get("/m/signup/")
    html = response.content.decode()
    assert response.status_code == 200
    for fragment in (
        'id="signup-form"',
        'name="mobile"',
        'id="id_mobile"',
        'id="send-code"',
        'id="id_code"',
        'id="id_password1"',
        'id="id_password2"',
        'id="id_full_name"',
        '<select name="home_building" id="id_home_building"',
        f'<option value="{tree.building_a1a.pk}">',
        '<optgroup label="北山街道 · 保俶社区">',
        'id="signup-submit" type="submit">Sign up</button>',
    ):
        assert fragment in html, fragment
    # step 2 waits for the code
    assert re.search(r'id="signup-step2"[^>]*hidden', html)


def test_happy_path_sends_a_code_makes_a_resident_and_logs_in(
    tree: Any, sms_log: Any, caplog: Any
) -> None:
    client = client_for()
    with caplog.at_level(logging.INFO, logger="anxin.notifications.sms"):
        response = send_code(client)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "anxin-code-sent"
    assert "A code was sent to 139****5678" in response.content.decode()
    code = last_code(sms_log)
    # the development backend logs the message with the code
    logged = [r.getMessage() for r in caplog.records if r.name == "anxin.notifications.sms"]
    assert logged == [f"SMS to {MOBILE}: {sms_log[-1]['text']}"]
    assert code in logged[0]
    # only a hash is stored
    row = SignupCode.objects.get()
    assert row.mobile == MOBILE and code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)

    response = sign_up(client, tree, code=code)
    assert response.status_code == 302
    assert response["Location"] == "/m/"
    user = User.objects.get(mobile=MOBILE)
    assert user.full_name == "赵安心"
    assert user.home_building_id == tree.building_a1a.pk
    assert user.username != MOBILE  # usernames are shown where mobiles are masked
    assert user.check_password(PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.area_id, membership.scope) == (
        "resident",
        tree.community_a1.pk,
        Scope.SELF,
    )
    assert user.roles == {"resident"}
    verbs = set(
        AuditEntry.objects.filter(object_id__in=[str(user.pk), str(membership.pk)]).values_list(
            "verb", flat=True
        )
    )
    assert {AuditVerb.LOGIN, AuditVerb.MEMBERSHIP_GRANTED} <= verbs
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/m/").status_code == 200
    row.refresh_from_db()
    assert row.used_at is not None
    # the code is used up: it does not make a second account
    other = client_for()
    response = sign_up(other, tree, code=code, mobile=MOBILE)
    assert response.status_code == 400
    assert User.objects.filter(mobile=MOBILE).count() == 1


def test_without_javascript_the_page_comes_back_with_step_two(tree: Any, sms_log: Any) -> None:
    client = client_for()
    response = send_code(client, mobile=" 139-1234-5678 ", htmx=False)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="signup-step2" class="m-step" data-code-step>' in html  # not hidden
    assert "A code was sent to 139****5678" in html
    code = last_code(sms_log)
    response = sign_up(client, tree, code=code, full_name="")
    assert response.status_code == 302
    assert User.objects.get(mobile=MOBILE).full_name == ""


@pytest.mark.parametrize("mobile", ["12345", "23912345678", "1391234567a", "", "139123456789"])
def test_bad_mobile_is_named_and_no_code_is_sent(tree: Any, sms_log: Any, mobile: str) -> None:
    response = send_code(client_for(), mobile=mobile)
    assert "mainland China mobile number of 11 digits" in field_errors(response, "mobile")
    assert SignupCode.objects.count() == 0
    assert list(sms_log) == []


def test_wrong_code_counts_a_try_and_makes_nothing(tree: Any, sms_log: Any) -> None:
    client = client_for()
    send_code(client)
    code = last_code(sms_log)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = sign_up(client, tree, code=wrong)
    assert response.status_code == 400
    assert "The code is wrong. 4 more tries with this code." in field_errors(response, "code")
    assert SignupCode.objects.get().attempts == 1
    assert not User.objects.filter(mobile=MOBILE).exists()
    # what the person typed is kept (except passwords)
    html = response.content.decode()
    assert f'value="{MOBILE}"' in html and 'value="赵安心"' in html
    assert PASSWORD not in html


def test_missing_code_and_no_code_asked(tree: Any) -> None:
    response = sign_up(client_for(), tree, code="")
    assert "Enter the code sent to your phone." in field_errors(response, "code")
    response = sign_up(client_for(), tree, code="123456")
    assert "Ask for a code first." in field_errors(response, "code")
    assert not User.objects.exists() or not User.objects.filter(mobile=MOBILE).exists()


def test_expired_code_is_refused(tree: Any, sms_log: Any) -> None:
    client = client_for()
    send_code(client)
    code = last_code(sms_log)
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=5)):
        response = sign_up(client, tree, code=code)
    assert response.status_code == 400
    assert "The code has expired. Ask for a new one." in field_errors(response, "code")
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_five_wrong_tries_use_the_code_up(tree: Any, sms_log: Any) -> None:
    client = client_for()
    send_code(client)
    code = last_code(sms_log)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, CODE_MAX_TRIES + 1):
        response = sign_up(client, tree, code=wrong)
        assert SignupCode.objects.get().attempts == attempt
    assert "this code is now used up" in field_errors(response, "code")
    # even the right code no longer works
    response = sign_up(client, tree, code=code)
    assert "Too many wrong tries with this code." in field_errors(response, "code")
    assert SignupCode.objects.get().attempts == CODE_MAX_TRIES
    assert not User.objects.filter(mobile=MOBILE).exists()
    # a new code (after the wait) works
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        send_code(client)
        response = sign_up(client, tree, code=last_code(sms_log))
    assert response.status_code == 302
    assert User.objects.filter(mobile=MOBILE).exists()


def test_a_new_code_only_after_sixty_seconds(tree: Any, sms_log: Any) -> None:
    client = client_for()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send_code(client)
    first = last_code(sms_log)
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        response = send_code(client)
    assert response.status_code == 200
    assert "Ask again in 40 seconds." in field_errors(response, "mobile")
    assert "HX-Trigger" not in response
    assert SignupCode.objects.count() == 1 and len(sms_log) == 1
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        response = send_code(client)
        assert response["HX-Trigger"] == "anxin-code-sent"
        assert SignupCode.objects.count() == 2 and len(sms_log) == 2
        # only the newest code counts
        second = last_code(sms_log)
        if second != first:
            response = sign_up(client, tree, code=first)
            assert "The code is wrong." in field_errors(response, "code")
        response = sign_up(client, tree, code=second)
    assert response.status_code == 302


def test_mismatched_and_weak_passwords_are_named_and_the_code_stays(
    tree: Any, sms_log: Any
) -> None:
    client = client_for()
    send_code(client)
    code = last_code(sms_log)
    response = sign_up(client, tree, code=code, password2="Another-pass-2026")
    assert response.status_code == 400
    assert "The two passwords are not the same." in field_errors(response, "password2")
    response = sign_up(client, tree, code=code, password1="123", password2="123")
    errors = field_errors(response, "password1")
    assert "too short" in errors and "too common" in errors and "entirely numeric" in errors
    response = sign_up(client, tree, code=code, password1=MOBILE, password2=MOBILE)
    assert "too similar" in field_errors(response, "password1")
    assert not User.objects.filter(mobile=MOBILE).exists()
    # none of this used a try of the code, which still works
    assert SignupCode.objects.get().attempts == 0
    assert sign_up(client, tree, code=code).status_code == 302


def test_errors_are_in_the_users_language(tree: Any, sms_log: Any) -> None:
    client = client_for(language="zh-hans")
    send_code(client)
    response = sign_up(client, tree, code=last_code(sms_log), password1="123", password2="123")
    assert "这个密码太常见了。" in field_errors(response, "password1")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_registered_mobile_is_told_to_log_in(tree: Any, personas: Any, sms_log: Any) -> None:
    taken = personas.resident.mobile
    response = send_code(client_for(), mobile=taken)
    assert "already registered" in field_errors(response, "mobile")
    html = response.content.decode()
    assert "This mobile number is already registered. Log in instead." in html
    assert 'id="login-instead" href="/m/login/"' in html
    assert list(sms_log) == []
    # signing up with it anyway is refused too
    response = sign_up(client_for(), tree, mobile=taken, code="123456")
    assert response.status_code == 400
    assert "already registered" in field_errors(response, "mobile")
    assert 'href="/m/login/"' in response.content.decode()
    assert User.objects.filter(mobile=taken).count() == 1


@pytest.mark.parametrize("building", ["grid", "missing", "text", "empty"])
def test_building_outside_the_tree_is_refused(tree: Any, sms_log: Any, building: str) -> None:
    value = {
        "grid": str(tree.grid_a1a.pk),
        "missing": "999999",
        "text": "1幢",
        "empty": "",
    }[building]
    client = client_for()
    send_code(client)
    response = sign_up(client, tree, code=last_code(sms_log), home_building=value)
    assert response.status_code == 400
    assert "Choose your building from the list." in field_errors(response, "home_building")
    assert not User.objects.filter(mobile=MOBILE).exists()
    assert SignupCode.objects.get().attempts == 0


def test_daily_limit_protects_a_number_from_floods(tree: Any, sms_log: Any) -> None:
    client = client_for()
    start = timezone.now()
    for i in range(10):
        with time_machine.travel(start + timedelta(minutes=2 * i), tick=False):
            assert send_code(client)["HX-Trigger"] == "anxin-code-sent"
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        response = send_code(client)
    assert "Too many codes were sent to this number today." in field_errors(response, "mobile")
    assert len(sms_log) == 10


def test_one_address_cannot_spend_the_sms_budget_on_many_numbers(tree: Any, sms_log: Any) -> None:
    client = client_for()  # every request comes from 127.0.0.1
    numbers = [f"1390000{i:04d}" for i in range(21)]
    for number in numbers[:20]:
        assert send_code(client, mobile=number)["HX-Trigger"] == "anxin-code-sent"
    response = send_code(client, mobile=numbers[20])
    assert "Too many codes were asked for from this network." in field_errors(response, "mobile")
    assert len(sms_log) == 20
    assert not SignupCode.objects.filter(mobile=numbers[20]).exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert send_code(client, mobile=numbers[20])["HX-Trigger"] == "anxin-code-sent"


def test_sms_gateway_down_keeps_nothing_and_says_so(tree: Any, settings: Any, sms_log: Any) -> None:
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/"  # nothing listens on the discard port
    settings.NOTIFY_HTTP_TIMEOUT_SECONDS = 2.0
    response = send_code(client_for())
    assert "could not be sent just now" in field_errors(response, "mobile")
    assert SignupCode.objects.count() == 0  # the person may ask again at once


def test_logged_in_people_skip_the_sign_up(personas: Any) -> None:
    response = client_for(personas.resident).get("/m/signup/")
    assert response.status_code == 302 and response["Location"] == "/m/"
