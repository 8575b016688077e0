"""A user's memberships are cached per process, keyed by ``memberships_version``:
every change is seen by the next request, in any process, and nothing else is
re-read on each request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from anxin.accounts import actions
from anxin.accounts.choices import Role, Scope
from anxin.accounts.models import Membership, User

pytestmark = pytest.mark.django_db


def token_client(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def area_codes(client) -> set[str]:
    response = client.get("/api/v1/areas/", {"page_size": 500})
    assert response.status_code == 200
    return {row["code"] for row in response.json()["results"]}


def membership_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        area_codes(client)
    return [q["sql"] for q in queries if "accounts_membership" in q["sql"]]


def test_memberships_are_read_once_until_they_change(personas, tree, api_client):
    client = token_client(api_client, personas.grid_worker)
    assert membership_queries(client), "the first request loads them"
    assert membership_queries(client) == [], "later requests use the cached ones"


def test_a_grant_made_by_another_process_counts_at_the_next_request(personas, tree, api_client):
    client = token_client(api_client, personas.grid_worker)
    before = area_codes(client)
    assert tree.street_a.code not in before
    # What another process does: its own signal handlers ran there, not here,
    # so only the row and the version number change under this process.
    Membership.objects.bulk_create(
        [
            Membership(
                user=personas.grid_worker,
                role=Role.STREET_ADMIN,
                area=tree.street_a,
                scope=Scope.ORG_AND_BELOW,
            )
        ]
    )
    User.objects.filter(pk=personas.grid_worker.pk).update(
        memberships_version=F("memberships_version") + 1
    )
    after = area_codes(client)
    assert tree.street_a.code in after
    assert before < after


def test_a_revoked_membership_ends_access_at_the_next_request(personas, tree, api_client):
    client = token_client(api_client, personas.grid_worker)
    url = f"/api/v1/areas/{tree.building_a1a.code}/"
    assert client.get(url).status_code == 200
    actions.revoke_membership(personas.grid_worker.memberships.get())
    assert client.get(url).status_code == 404
    assert area_codes(client) == set()


def test_a_renamed_area_shows_at_the_next_request(personas, tree, api_client):
    client = token_client(api_client, personas.grid_worker)
    names = [m["area_name"] for m in client.get("/api/v1/me/").json()["memberships"]]
    assert names == [tree.grid_a1a.name]
    tree.grid_a1a.name = "新名字网格"
    tree.grid_a1a.save()
    names = [m["area_name"] for m in client.get("/api/v1/me/").json()["memberships"]]
    assert names == ["新名字网格"]


def test_saving_a_user_read_earlier_keeps_the_newer_version(personas, tree):
    stale = User.objects.get(pk=personas.resident.pk)
    actions.grant_membership(
        user=personas.resident, role=Role.BUILDING_LEADER, area=tree.building_a1a
    )
    moved = User.objects.get(pk=personas.resident.pk).memberships_version
    assert moved > stale.memberships_version
    stale.full_name = "王五"
    stale.save()
    fresh = User.objects.get(pk=personas.resident.pk)
    assert (fresh.full_name, fresh.memberships_version) == ("王五", moved)
    assert Role.BUILDING_LEADER in fresh.roles
