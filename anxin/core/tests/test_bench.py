"""The benchmark's minimal insert: token-authenticated, one row, 201."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from anxin.accounts.models import User
from anxin.core.bench import MinimalInsert, minimal_insert_plain, urlpatterns
from anxin.core.models import BenchRow

pytestmark = pytest.mark.django_db


VIEWS: dict[str, Any] = {"rest": MinimalInsert.as_view(), "plain": minimal_insert_plain}


def post(token: str | None, kind: str = "rest") -> tuple[int, dict[str, object]]:
    request = RequestFactory().post(
        "/bench/minimal-insert", data="{}", content_type="application/json"
    )
    if token:
        request.META["HTTP_AUTHORIZATION"] = f"Token {token}"
    response = VIEWS[kind](request)
    if hasattr(response, "render"):
        response.render()
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize("kind", ["rest", "plain"])
def test_a_token_holder_inserts_one_row(kind):
    user = User.objects.create(username="bench")
    token = Token.objects.create(user=user)

    status, body = post(token.key, kind)

    assert status == 201
    row = BenchRow.objects.get()
    assert body == {"id": row.pk}
    assert row.name == user.username


@pytest.mark.parametrize("kind", ["rest", "plain"])
@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_without_a_valid_token_nothing_is_inserted(token, kind):
    status, _body = post(token, kind)

    assert status in (401, 403)
    assert not BenchRow.objects.exists()


def test_the_url_is_off_unless_the_setting_is_on():
    assert urlpatterns == []  # BENCH_ENDPOINTS defaults to off
