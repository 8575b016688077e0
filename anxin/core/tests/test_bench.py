"""The benchmark's minimal insert: token-authenticated, one row, 201."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from anxin.accounts.models import User
from anxin.core.bench import minimal_insert, urlpatterns
from anxin.core.models import BenchRow

pytestmark = pytest.mark.django_db


def post(token: str | None) -> tuple[int, dict[str, object]]:
    request = RequestFactory().post(
        "/bench/minimal-insert", data="{}", content_type="application/json"
    )
    if token:
        request.META["HTTP_AUTHORIZATION"] = f"Token {token}"
    response = minimal_insert(request)
    return response.status_code, json.loads(response.content)


def test_a_token_holder_inserts_one_row():
    user = User.objects.create(username="bench")
    token = Token.objects.create(user=user)

    status, body = post(token.key)

    assert status == 201
    row = BenchRow.objects.get()
    assert body == {"id": row.pk}
    assert row.name == user.username


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_without_a_valid_token_nothing_is_inserted(token):
    status, _body = post(token)

    assert status == 401
    assert not BenchRow.objects.exists()


def test_the_url_is_off_unless_the_setting_is_on():
    assert urlpatterns == []  # BENCH_ENDPOINTS defaults to off
