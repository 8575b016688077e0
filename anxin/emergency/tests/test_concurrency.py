"""Two people issue the last items of one store at the same moment: one gets
them, the other is told how many are left, and the stock never goes negative."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from anxin.emergency.actions import responses, supplies
from anxin.emergency.models import StockMovement, SupplyItem
from anxin.emergency.testing import Readiness
from anxin.testing.concurrency import run_together
from anxin.testing.factories import Personas, Tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the SQLite test database is in memory and shared by one connection; "
    "concurrent issues are exercised on PostgreSQL (CI runs the suite on both)",
)
def test_two_issues_of_the_last_items_one_succeeds_one_is_refused():
    tree = Tree()
    people = Personas(tree)
    ready = Readiness(tree, people)
    response = responses.start_plan(people.street_admin, ready.flood_plan.pk, None, "III")
    pumps = ready.pumps  # the last 4 pumps
    for _round in range(3):  # more than one try at the race
        outcomes = run_together(
            lambda: supplies.issue(people.street_admin, pumps.pk, 4, response.pk),
            lambda: supplies.issue(people.district_admin, pumps.pk, 4, response.pk),
        )
        issued = [o for o in outcomes if isinstance(o, StockMovement)]
        refused = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(issued) == 1 and len(refused) == 1, outcomes
        assert "quantity" in refused[0].message_dict
        assert SupplyItem.objects.get(pk=pumps.pk).quantity == 0
        assert response.events.filter(kind="supply_issued").count() == 1 + _round
        supplies.return_to_store(people.street_admin, pumps.pk, 4, response.pk)
    balances = list(
        StockMovement.objects.filter(item=pumps)
        .order_by("pk")
        .values_list("balance_after", flat=True)
    )
    assert min(balances) >= 0
