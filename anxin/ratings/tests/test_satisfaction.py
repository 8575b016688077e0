"""Satisfaction figures (满意度): count, average and share of 4–5, on the org node
page and from the API, within the viewer's scope."""

from __future__ import annotations

from typing import Any

import pytest

from anxin.accounts.models import User
from anxin.ratings import actions
from anxin.ratings.models import Rating
from anxin.ratings.selectors import satisfaction, satisfaction_for_node
from anxin.ratings.tests.helpers import closed
from anxin.testing.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def resident() -> User:
    return member(UserFactory(), role="resident")


@pytest.fixture
def rated(personas: Any, tree: Any) -> list[int]:
    """Three closed hazards in community A1 rated 5, 4 and 2 by their reporters,
    and one in street B rated 1."""
    scores = []
    for n, score in enumerate((5, 4, 2)):
        reporter = resident()
        hazard = closed(personas, reporter=reporter, lat=30.011 + n * 0.002)
        actions.rate_hazard(hazard.pk, reporter, score)
        scores.append(score)
    # street B: a grid worker and safety officer of community B1 close it
    worker_b = member(UserFactory(), role="grid_worker", area=tree.grid_b1a)
    officer_b = member(UserFactory(), role="safety_officer", area=tree.community_b1)

    class B:
        grid_worker = worker_b
        safety_officer = officer_b

    reporter_b = resident()
    hazard_b = closed(B, reporter=reporter_b, lat=30.015, lng=120.055)
    actions.rate_hazard(hazard_b.pk, reporter_b, 1)
    return scores


def test_satisfaction_figures(rated: list[int], tree: Any) -> None:
    a1 = satisfaction(tree.community_a1)
    assert (a1.count, a1.average, a1.satisfied) == (3, 3.67, 2)
    assert a1.satisfied_share == pytest.approx(2 / 3)
    assert a1.satisfied_percent == 66.7
    district = satisfaction(tree.district)
    assert (district.count, district.average, district.satisfied) == (4, 3.0, 2)
    assert satisfaction(Rating.objects.filter(score=5)).count == 1
    empty = satisfaction(tree.grid_a1b)
    assert (empty.count, empty.average, empty.satisfied_share) == (0, None, None)


def test_satisfaction_is_scoped_to_the_viewer(rated: list[int], personas: Any, tree: Any) -> None:
    assert satisfaction_for_node(personas.district_admin, tree.district).count == 4
    # the street A admin asking about the whole district sees street A's ratings only
    assert satisfaction_for_node(personas.street_admin, tree.district).count == 3
    assert satisfaction_for_node(personas.street_admin_b, tree.district).count == 1


def test_node_page_shows_satisfaction(
    client: Any, rated: list[int], personas: Any, tree: Any
) -> None:
    client.force_login(personas.community_admin)
    response = client.get(f"/org/{tree.community_a1.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="stat-value" id="satisfaction-rate">66.7%</span>' in html
    assert 'data-count="3"' in html
    assert "2 of 3 ratings are 4 or 5; average 3.7 of 5" in html
    client.force_login(personas.grid_worker_b)
    empty = client.get(f"/org/{tree.grid_a1b.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="satisfaction-rate">—<' in empty and "No ratings yet" in empty


def test_api_satisfaction_reproduces_the_page(
    api_client: Any, rated: list[int], personas: Any, tree: Any
) -> None:
    api_client.force_authenticate(personas.community_admin)
    body = api_client.get("/api/v1/ratings/satisfaction/", {"area": tree.community_a1.code}).json()
    assert body == {
        "count": 3,
        "average": 3.67,
        "satisfied": 2,
        "satisfied_share": pytest.approx(2 / 3),
        "satisfied_from": 4,
    }
    api_client.force_authenticate(personas.district_admin)
    assert api_client.get("/api/v1/ratings/satisfaction/").json()["count"] == 4
    api_client.force_authenticate(personas.street_admin_b)
    assert api_client.get("/api/v1/ratings/satisfaction/").json()["count"] == 1
