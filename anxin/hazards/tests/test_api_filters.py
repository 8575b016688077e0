"""List filters on a file's own columns: the right files, newest first, and no
DISTINCT (which made PostgreSQL sort every matching file before taking a page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.hazards import actions
from anxin.hazards.models import Hazard

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_status_and_colour_filters_list_each_file_once_newest_first(personas, api_client):
    reported = [
        actions.report_hazard(
            reporter=personas.grid_worker,
            category=category,
            lat=30.015 + n * 0.0001,
            lng=120.007,
            risk_colour=colour,
        ).hazard
        for n, (category, colour) in enumerate(
            [("0101", "red"), ("0102", "yellow"), ("0101", "yellow"), ("0102", "blue")]
        )
    ]
    Hazard.objects.filter(pk__in=[reported[0].pk, reported[2].pk]).update(status="verified")
    api_client.force_authenticate(personas.district_admin)
    url = "/api/v1/hazards/"
    with CaptureQueriesContext(connection) as queries:
        verified = ids(api_client.get(url, {"status": ["verified", "rectifying"]}))
    assert verified == [reported[2].pk, reported[0].pk]
    assert not any("DISTINCT" in q["sql"].upper() for q in queries.captured_queries)
    yellow = ids(api_client.get(url, {"colour": "yellow", "status": "reported"}))
    assert yellow == [reported[1].pk]
