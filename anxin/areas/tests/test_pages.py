"""The organisation pages: the scoped tree with counts per node, and a node page
with its open hazards, overdue rate, on-time rate and monthly chart data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from anxin.hazards import actions
from anxin.hazards.models import Hazard
from anxin.testing.clients import client_for
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTED = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
GRID_A1A = (30.015, 120.007)
GRID_A1B = (30.015, 120.03)
GRID_B1A = (30.015, 120.07)


class Story:
    """March 2026 in the small tree.

    grid A1a: H1 dispatched and overdue, H2 reported (open, no deadline);
    grid A1b: H3 rectified on time and closed this month, H4 rectified after
    its deadline (awaiting recheck, still open); grid B1a: H5 reported.
    """

    def __init__(self, personas: Any, now: datetime) -> None:
        self.now = now
        self.h1: Hazard
        self.h2: Hazard
        self.h3: Hazard
        self.h4: Hazard
        self.h5: Hazard


@pytest.fixture
def story(personas: Any, settings: Any, tmp_path: Any) -> Story:
    settings.MEDIA_ROOT = tmp_path
    p = personas
    with time_machine.travel(REPORTED, tick=False):
        h1 = actions.report_hazard(
            reporter=p.grid_worker, category="0101", lat=GRID_A1A[0], lng=GRID_A1A[1]
        ).hazard
        h2 = actions.report_hazard(
            reporter=p.grid_worker, category="0101", lat=GRID_A1A[0], lng=GRID_A1A[1]
        ).hazard
        h3 = actions.report_hazard(
            reporter=p.grid_worker_b, category="0101", lat=GRID_A1B[0], lng=GRID_A1B[1]
        ).hazard
        h4 = actions.report_hazard(
            reporter=p.grid_worker_b, category="0101", lat=GRID_A1B[0], lng=GRID_A1B[1]
        ).hazard
        h5 = actions.report_hazard(
            reporter=p.street_admin_b, category="0101", lat=GRID_B1A[0], lng=GRID_B1A[1]
        ).hazard
        actions.transition(h1.pk, p.grid_worker, "verify")
        actions.transition(h3.pk, p.grid_worker_b, "verify")
        actions.transition(h4.pk, p.grid_worker_b, "verify")
    with time_machine.travel(REPORTED + timedelta(days=1), tick=False):
        actions.transition(h3.pk, p.property_manager, "accept")
        actions.transition(
            h3.pk, p.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
        )
        actions.transition(h3.pk, p.safety_officer, "pass_recheck")
    h4.refresh_from_db()
    assert h4.deadline is not None
    late = h4.deadline + timedelta(days=1)
    assert late.astimezone(SHANGHAI).month == 3
    with time_machine.travel(late, tick=False):
        actions.transition(h4.pk, p.property_manager, "accept")
        actions.transition(
            h4.pk, p.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
        )
        actions.sweep_overdue(late)
    s = Story(personas, late)
    for name, h in {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5}.items():
        h.refresh_from_db()
        setattr(s, name, h)
    assert s.h1.is_overdue and not s.h4.is_overdue and s.h3.status == "closed"
    return s


def tree_rows(response: Any) -> dict[str, tuple[int, int, int]]:
    assert response.status_code == 200
    return {
        row["area"].code: (
            row["counts"].open,
            row["counts"].overdue,
            row["counts"].closed_this_month,
        )
        for row in response.context["rows"]
    }


def test_tree_counts_per_node_for_the_district(personas: Any, tree: Any, story: Story) -> None:
    with time_machine.travel(story.now, tick=False):
        rows = tree_rows(client_for(personas.district_admin).get("/org/"))
    assert rows == {
        tree.district.code: (4, 1, 1),
        tree.street_a.code: (3, 1, 1),
        tree.community_a1.code: (3, 1, 1),
        tree.grid_a1a.code: (2, 1, 0),
        tree.grid_a1b.code: (1, 0, 1),
        tree.street_b.code: (1, 0, 0),
        tree.community_b1.code: (1, 0, 0),
        tree.grid_b1a.code: (1, 0, 0),
    }


def test_tree_is_limited_to_the_scope(personas: Any, tree: Any, story: Story) -> None:
    with time_machine.travel(story.now, tick=False):
        street = client_for(personas.street_admin).get("/org/")
        worker = client_for(personas.grid_worker).get("/org/")
    assert tree_rows(street) == {
        tree.street_a.code: (3, 1, 1),
        tree.community_a1.code: (3, 1, 1),
        tree.grid_a1a.code: (2, 1, 0),
        tree.grid_a1b.code: (1, 0, 1),
    }
    html = street.content.decode()
    assert "北山街道" in html and "西溪街道" not in html
    assert tree_rows(worker) == {tree.grid_a1a.code: (2, 1, 0)}


def test_tree_counts_take_a_fixed_number_of_queries(
    personas: Any, tree: Any, story: Story, django_assert_max_num_queries: Any
) -> None:
    client = client_for(personas.district_admin)
    client.get("/org/")  # warm the session and the user
    with django_assert_max_num_queries(8):
        response = client.get("/org/")
    assert response.status_code == 200


def test_node_page_rates_children_and_open_hazards(personas: Any, tree: Any, story: Story) -> None:
    with time_machine.travel(story.now, tick=False):
        response = client_for(personas.street_admin).get(f"/org/{tree.street_a.code}/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.counts.open, summary.counts.overdue, summary.counts.closed_this_month) == (
        3,
        1,
        1,
    )
    assert summary.rectified_12m == 2 and summary.on_time_12m == 1
    assert response.context["overdue_rate"] == "33.3%"
    assert response.context["on_time_rate"] == "50.0%"
    children = {child.code: (c.open, c.overdue) for child, c in summary.children}
    assert children == {tree.community_a1.code: (3, 1)}
    html = response.content.decode()
    for h in (story.h1, story.h2, story.h4):
        assert f'href="/hazards/{h.pk}/"' in html
    assert f'href="/hazards/{story.h3.pk}/"' not in html  # closed
    assert f'href="/hazards/{story.h5.pk}/"' not in html  # other street
    assert f'href="/hazards/?area={tree.street_a.code}"' in html
    assert "vendor/echarts/echarts.min.js" in html
    chart = response.context["chart"]
    assert chart["months"][0] == "2025-04" and chart["months"][-1] == "2026-03"
    assert chart["reported"][-1] == 4 and sum(chart["reported"]) == 4
    assert chart["closed"][-1] == 1 and sum(chart["closed"]) == 1


def test_grid_node_rates(personas: Any, tree: Any, story: Story) -> None:
    with time_machine.travel(story.now, tick=False):
        client = client_for(personas.community_admin)
        a1b = client.get(f"/org/{tree.grid_a1b.code}/")
        a1a = client.get(f"/org/{tree.grid_a1a.code}/")
    assert a1b.context["overdue_rate"] == "0.0%"
    assert a1b.context["on_time_rate"] == "50.0%"
    assert a1a.context["overdue_rate"] == "50.0%"
    assert a1a.context["on_time_rate"] == "—"  # nothing rectified yet
    # the grid's children are its buildings
    assert [child.code for child, _c in a1a.context["summary"].children] == [tree.building_a1a.code]
    # the parent community is linked for someone who may see it
    assert f'href="/org/{tree.community_a1.code}/"' in a1a.content.decode()


def test_out_of_scope_node_is_404(personas: Any, tree: Any, story: Story) -> None:
    client = client_for(personas.street_admin)
    assert client.get(f"/org/{tree.street_b.code}/").status_code == 404
    assert client.get(f"/org/{tree.grid_b1a.code}/").status_code == 404
    assert client.get(f"/org/{tree.district.code}/").status_code == 404
    assert client.get("/org/999999999/").status_code == 404
    worker = client_for(personas.grid_worker)
    assert worker.get(f"/org/{tree.grid_a1b.code}/").status_code == 404
    ok = worker.get(f"/org/{tree.grid_a1a.code}/")
    assert ok.status_code == 200
    # his community is above his scope: named, not linked
    assert f'href="/org/{tree.community_a1.code}/"' not in ok.content.decode()


def test_org_pages_need_a_login(tree: Any) -> None:
    for url in ("/org/", f"/org/{tree.street_a.code}/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]
