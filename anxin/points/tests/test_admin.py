"""The points rules are configuration an administrator edits in the admin."""

from __future__ import annotations

from typing import Any

import pytest

from anxin.points.actions import rule_points
from anxin.points.models import PointRule
from anxin.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Any) -> Any:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/points/pointrule/",
        "/admin/points/campaign/",
        "/admin/points/campaign/add/",
        "/admin/points/pointentry/",
        "/admin/ratings/rating/",
        "/admin/knowledge/article/",
        "/admin/knowledge/article/add/",
        "/admin/knowledge/article/?categories__id__exact=1",
    ],
)
def test_admin_pages_open(admin_client: Any, url: str) -> None:
    assert admin_client.get(url).status_code == 200


def test_a_rule_is_changed_in_the_admin(admin_client: Any) -> None:
    rule = PointRule.objects.get(kind="report_verified")
    response = admin_client.post(
        f"/admin/points/pointrule/{rule.pk}/change/",
        {"points": "12", "is_active": "on", "description": "核实属实"},
    )
    assert response.status_code == 302, response.content[:500]
    assert rule_points("report_verified") == 12
    admin_client.post(
        f"/admin/points/pointrule/{rule.pk}/change/", {"points": "12", "description": "停用"}
    )
    assert rule_points("report_verified") is None
