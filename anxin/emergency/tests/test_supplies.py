"""Supplies: stock moves only through movements, never below zero; low stock and
expiry are alerted once; a supply a plan pre-positions cannot be removed, and a
plan cannot name a removed one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.core.errors import Conflict
from anxin.emergency.actions import plans, responses, supplies
from anxin.emergency.models import StockMovement, SupplyItem
from anxin.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(readiness, committed):
    """The flood plan started by hand at level III in street A."""
    people = readiness.people
    return committed(
        responses.start_plan, people.street_admin, readiness.flood_plan.pk, None, "III"
    )


def test_issuing_more_than_in_store_is_refused_and_changes_nothing(readiness, running, api_client):
    people = readiness.people
    api_client.force_authenticate(people.street_admin)
    movements = StockMovement.objects.count()
    answer = api_client.post(
        f"/api/v1/supplies/{readiness.pumps.pk}/issue/",
        {"quantity": 5, "response": running.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert "quantity" in answer.json()["errors"]
    assert "4" in answer.json()["errors"]["quantity"][0]  # says how many are left
    readiness.pumps.refresh_from_db()
    assert readiness.pumps.quantity == 4
    assert StockMovement.objects.count() == movements
    assert not running.events.filter(kind="supply_issued").exists()


def test_movements_keep_the_balance_and_returns_cannot_exceed_what_was_issued(
    readiness, running, committed
):
    people = readiness.people
    item = readiness.sandbags
    committed(supplies.issue, people.street_admin, item.pk, 30, running.pk)
    committed(supplies.return_to_store, people.street_admin, item.pk, 10, running.pk)
    with pytest.raises(ValidationError) as refused:
        supplies.return_to_store(people.street_admin, item.pk, 21, running.pk)
    assert "quantity" in refused.value.message_dict
    committed(supplies.receive, people.street_admin, item.pk, 5)
    committed(supplies.write_off, people.street_admin, item.pk, 3, "受潮")
    item.refresh_from_db()
    assert item.quantity == 100 - 30 + 10 + 5 - 3
    balances = list(item.movements.order_by("pk").values_list("kind", "quantity", "balance_after"))
    assert balances == [
        ("received", 100, 100),
        ("issued", 30, 70),
        ("returned", 10, 80),
        ("received", 5, 85),
        ("written_off", 3, 82),
    ]
    with pytest.raises(ValidationError):
        supplies.write_off(people.street_admin, item.pk, 1, "")  # a reason is required


def test_low_stock_is_alerted_once_until_refilled(readiness, running, committed):
    people = readiness.people
    pumps = readiness.pumps  # 4 in store, minimum 2
    committed(supplies.issue, people.street_admin, pumps.pk, 3, running.pk)
    alerts = Notification.objects.filter(kind="supply_alert", recipient=people.community_admin)
    assert alerts.count() == 1
    assert "排水泵" in alerts.get().title
    committed(supplies.issue, people.street_admin, pumps.pk, 1, running.pk)
    assert alerts.count() == 1  # still low: not alerted again
    committed(supplies.receive, people.street_admin, pumps.pk, 5)
    committed(supplies.issue, people.street_admin, pumps.pk, 4, running.pk)
    assert alerts.count() == 2  # low again after a refill


def test_expiring_supplies_are_alerted_once_by_the_sweep(readiness, committed):
    people = readiness.people
    kits = committed(
        supplies.add_supply,
        people.street_admin,
        {
            "store": readiness.store.pk,
            "kind": "first_aid_kit",
            "name": "急救包",
            "unit": "个",
            "quantity": 10,
            "expires_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        },
    )
    assert committed(supplies.due_expiry_alerts) == 1
    assert committed(supplies.due_expiry_alerts) == 0
    alert = Notification.objects.get(kind="supply_alert", recipient=people.street_admin)
    assert "急救包" in alert.title
    kits.refresh_from_db()
    assert kits.expiry_alerted_for == kits.expires_on


def test_a_supply_in_a_plan_cannot_be_removed_and_a_plan_cannot_name_a_removed_one(readiness):
    people = readiness.people
    with pytest.raises(Conflict) as refused:
        supplies.remove_supply(people.street_admin, readiness.pumps.pk)
    assert "北山街道防汛应急预案" in str(refused.value)
    assert not SupplyItem.objects.get(pk=readiness.pumps.pk).is_removed
    torches = supplies.add_supply(
        people.street_admin,
        {
            "store": readiness.store.pk,
            "kind": "torch",
            "name": "手电筒",
            "unit": "支",
            "quantity": 5,
        },
    )
    supplies.remove_supply(people.street_admin, torches.pk)
    versions = readiness.flood_plan.versions.count()
    with pytest.raises(ValidationError) as invalid:
        plans.revise_plan(
            people.street_admin,
            readiness.flood_plan.pk,
            {"supplies": [{"item": torches.pk, "quantity": 2}], "steps": []},
        )
    assert "手电筒" in invalid.value.message_dict["supplies"][0]
    assert readiness.flood_plan.versions.count() == versions


def test_plan_with_a_removed_supply_is_refused_over_the_api(readiness, api_client):
    people = readiness.people
    torches = supplies.add_supply(
        people.street_admin,
        {"store": readiness.store.pk, "kind": "torch", "name": "手电筒", "unit": "支"},
    )
    supplies.remove_supply(people.street_admin, torches.pk)
    api_client.force_authenticate(people.street_admin)
    answer = api_client.post(
        "/api/v1/emergency-plans/",
        {
            "area": readiness.tree.street_a.code,
            "hazard_class": "fire",
            "level": "red",
            "title": "消防预案",
            "supplies": [{"item": torches.pk, "quantity": 1}],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "手电筒" in answer.json()["errors"]["supplies"][0]
    assert not readiness.flood_plan.__class__.objects.filter(hazard_class="fire").exists()


def test_only_managers_over_the_store_move_stock(readiness, running):
    people = readiness.people
    with pytest.raises(PermissionDenied):
        supplies.receive(people.safety_officer, readiness.sandbags.pk, 1)
    from django.http import Http404

    with pytest.raises(Http404):  # street B's admin does not reach street A's store
        supplies.receive(people.street_admin_b, readiness.sandbags.pk, 1)


def test_the_resources_board_shows_stock_by_store_and_kind(
    readiness, running, committed, api_client
):
    people = readiness.people
    committed(supplies.issue, people.street_admin, readiness.sandbags.pk, 20, running.pk)
    api_client.force_authenticate(people.street_admin)
    board = api_client.get("/api/v1/supplies/board/").json()
    store = next(s for s in board["stores"] if s["id"] == readiness.store.pk)
    quantities = {i["name"]: i["quantity"] for i in store["items"]}
    assert quantities == {"沙袋": 80, "排水泵": 4}
    sandbags = next(t for t in board["totals"] if t["kind"] == "sandbag")
    assert sandbags["quantity"] == 80
    assert board["active_responses"] == 1
    assert [t["name"] for t in board["teams"]] == ["北山街道防汛抢险队"]
    api_client.force_authenticate(people.street_admin_b)
    other = api_client.get("/api/v1/supplies/board/").json()
    assert other["stores"] == [] and other["totals"] == []
