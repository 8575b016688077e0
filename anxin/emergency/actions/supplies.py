"""Writes of supplies: stores, items, and stock movements that never go negative.

The quantity in store changes by one conditional UPDATE (``quantity >= n`` for
a decrease) on a row locked for the transaction: two people issuing the last
items at once cannot both succeed — the second finds too little and is told so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from anxin.areas.choices import PlaceKind
from anxin.areas.models import Area, Place
from anxin.core.errors import Conflict
from anxin.emergency import policy
from anxin.emergency.actions.common import (
    area_by_code,
    choice,
    collect,
    locked,
    optional_text,
    positive_int,
    record,
    required_text,
)
from anxin.emergency.choices import (
    ACTIVE_STAGES,
    EXPIRY_ALERT_DAYS,
    MOVEMENT_SIGN,
    MovementKind,
    ResponseEventKind,
    SupplyKind,
)
from anxin.emergency.models import (
    EmergencyResponse,
    PlanSupply,
    StockMovement,
    SupplyItem,
)
from anxin.outbox.actions import enqueue

ALERT_TASK = "anxin.emergency.tasks.alert_supply"
STORE_LEVELS = ("street", "community", "grid")
MAX_QUANTITY = 1_000_000


# --- stores ------------------------------------------------------------------------------------
def create_store(user: Any, data: dict[str, Any]) -> Place:
    """A store of emergency supplies: a named place of the kind “store”."""
    errors: dict[str, list[str]] = {}
    area = collect(errors, lambda: area_by_code(data.get("area"), user))
    name = collect(
        errors, lambda: required_text(data.get("name"), "name", _("Name the store."), 120)
    )
    address = collect(errors, lambda: optional_text(data.get("address"), "address", 255))
    lat = collect(errors, lambda: _coordinate(data.get("lat"), "lat", -90, 90))
    lng = collect(errors, lambda: _coordinate(data.get("lng"), "lng", -180, 180))
    if area is not None and area.level not in STORE_LEVELS:
        errors.setdefault("area", []).append(
            _("A store lies in a street, community or grid, not a %(level)s.")
            % {"level": area.get_level_display()}
        )
    if errors:
        raise ValidationError(errors)
    policy.require(policy.may_manage_supplies(user, area), _("set up a store"))
    with transaction.atomic():
        return Place.objects.create(
            name=name,
            kind=PlaceKind.EMERGENCY_STORE,
            area=area,
            address=address,
            geometry={"type": "Point", "coordinates": [lng, lat]},
        )


def _coordinate(value: Any, field: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not (low <= number <= high):
        raise ValidationError({field: [_("Out of range.")]})
    return number


def _store(value: Any, user: Any) -> Place:
    try:
        key = int(value.pk if isinstance(value, Place) else value)
    except (TypeError, ValueError):
        raise ValidationError({"store": [_("Choose a store.")]}) from None
    store = (
        Place.objects.restrict(user, "view")
        .filter(pk=key, kind=PlaceKind.EMERGENCY_STORE)
        .select_related("area")
        .first()
    )
    if store is None:
        raise ValidationError({"store": [_("Unknown store #%(id)s.") % {"id": key}]})
    return store


# --- items -------------------------------------------------------------------------------------
def _date_or_none(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value).strip())
    if parsed is None:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]})
    return parsed


def _apply_item_data(item: SupplyItem, data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if "kind" in data:
        kind = collect(
            errors,
            lambda: choice(data["kind"], "kind", SupplyKind, _("Choose the kind of supply.")),
        )
        if kind:
            item.kind = kind
    if "name" in data:
        name = collect(
            errors, lambda: required_text(data["name"], "name", _("Name the supply."), 80)
        )
        if name:
            item.name = name
    if "unit" in data:
        unit = collect(errors, lambda: required_text(data["unit"], "unit", _("Give the unit."), 16))
        if unit:
            item.unit = unit
    if "minimum_stock" in data:
        minimum = collect(
            errors,
            lambda: positive_int(
                data["minimum_stock"] if data["minimum_stock"] not in (None, "") else 0,
                "minimum_stock",
                minimum=0,
                maximum=MAX_QUANTITY,
            ),
        )
        if minimum is not None:
            item.minimum_stock = minimum
    for name in ("expires_on", "last_checked_on"):
        if name in data:
            try:
                setattr(item, name, _date_or_none(data[name], name))
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.message_dict[name])


def add_supply(user: Any, data: dict[str, Any]) -> SupplyItem:
    """Put a new supply in a store, with its first stock received."""
    errors: dict[str, list[str]] = {}
    store = collect(errors, lambda: _store(data.get("store"), user))
    item = SupplyItem(store=store) if store is not None else SupplyItem()
    for required in ("kind", "name", "unit"):
        data.setdefault(required, "")
    _apply_item_data(item, data, errors)
    initial = collect(
        errors,
        lambda: positive_int(
            data.get("quantity") if data.get("quantity") not in (None, "") else 0,
            "quantity",
            minimum=0,
            maximum=MAX_QUANTITY,
        ),
    )
    if errors:
        raise ValidationError(errors)
    policy.require(policy.may_manage_supplies(user, store.area), _("manage this store"))
    try:
        with transaction.atomic():
            item.save()
            if initial:
                _move(item, MovementKind.RECEIVED, initial, user, note=_("First stock"))
    except IntegrityError:
        raise ValidationError(
            {"name": [_("This store already keeps a supply of that name.")]}
        ) from None
    item.refresh_from_db()
    return item


def update_supply(user: Any, item: SupplyItem | int, data: dict[str, Any]) -> SupplyItem:
    """Change a supply's name, kind, unit, minimum stock, expiry or last check (the
    quantity changes only through movements)."""
    errors: dict[str, list[str]] = {}
    try:
        with transaction.atomic():
            row = locked(SupplyItem, item, user)
            store = Place.objects.select_related("area").get(pk=row.store_id)
            policy.require(policy.may_manage_supplies(user, store.area), _("manage this store"))
            if row.is_removed:
                raise Conflict(_("This supply was removed from its store."))
            data = {k: v for k, v in data.items() if k not in ("store", "quantity")}
            _apply_item_data(row, data, errors)
            if errors:
                raise ValidationError(errors)
            if "expires_on" in data and row.expiry_alerted_for != row.expires_on:
                row.expiry_alerted_for = None
            row.save()
    except IntegrityError:
        raise ValidationError(
            {"name": [_("This store already keeps a supply of that name.")]}
        ) from None
    return row


def remove_supply(user: Any, item: SupplyItem | int) -> SupplyItem:
    """Take a supply out of its store's list. Refused while a plan in force
    pre-positions it: the plan is changed first, so no plan refers to a
    removed supply."""
    with transaction.atomic():
        row = locked(SupplyItem, item, user)
        store = Place.objects.select_related("area").get(pk=row.store_id)
        policy.require(policy.may_manage_supplies(user, store.area), _("manage this store"))
        if row.is_removed:
            raise Conflict(_("This supply was removed from its store already."))
        plans = sorted(
            {
                ps.version.plan.title
                for ps in PlanSupply.objects.filter(
                    item=row,
                    version__plan__is_active=True,
                    version__plan__current_version=F("version"),
                ).select_related("version__plan")
            }
        )
        if plans:
            raise Conflict(
                _("The plans %(plans)s pre-position this supply; change them first.")
                % {"plans": "、".join(f"《{p}》" for p in plans)},
                plans=plans,
            )
        row.removed_at = timezone.now()
        row.save(update_fields=["removed_at", "updated_at"])
    return row


# --- movements ---------------------------------------------------------------------------------
def _move(
    item: SupplyItem,
    kind: str,
    quantity: int,
    user: Any,
    *,
    response: EmergencyResponse | None = None,
    note: str = "",
) -> StockMovement:
    """Change the quantity in store and record the movement (inside a transaction,
    with ``item`` locked). A decrease is one conditional UPDATE: it changes
    nothing when the store holds fewer than ``quantity``."""
    sign = MOVEMENT_SIGN[kind]
    now = timezone.now()
    rows = SupplyItem.objects.filter(pk=item.pk)
    if sign < 0:
        changed = rows.filter(quantity__gte=quantity).update(
            quantity=F("quantity") - quantity, updated_at=now
        )
        if not changed:
            left = rows.values_list("quantity", flat=True).first() or 0
            raise ValidationError(
                {
                    "quantity": [
                        _(
                            "Only %(left)d %(unit)s of %(name)s in store: %(wanted)d cannot be "
                            "taken out. Nothing was changed."
                        )
                        % {"left": left, "unit": item.unit, "name": item.name, "wanted": quantity}
                    ]
                }
            )
    else:
        rows.update(quantity=F("quantity") + quantity, updated_at=now)
    item.refresh_from_db(fields=["quantity", "low_stock_alerted", "minimum_stock"])
    movement = StockMovement.objects.create(
        item=item,
        kind=kind,
        quantity=quantity,
        balance_after=item.quantity,
        response=response,
        actor=user if getattr(user, "is_authenticated", False) else None,
        note=note[:500],
        created_at=now,
    )
    _after_move(item)
    return movement


def _after_move(item: SupplyItem) -> None:
    """Alert once when the stock falls below its minimum; re-arm when refilled."""
    if item.quantity < item.minimum_stock and not item.low_stock_alerted:
        SupplyItem.objects.filter(pk=item.pk).update(low_stock_alerted=True)
        item.low_stock_alerted = True
        enqueue(
            ALERT_TASK,
            key=f"supply-low:{item.pk}:{timezone.now().timestamp()}",
            item_id=item.pk,
            reason="low_stock",
        )
    elif item.quantity >= item.minimum_stock and item.low_stock_alerted:
        SupplyItem.objects.filter(pk=item.pk).update(low_stock_alerted=False)
        item.low_stock_alerted = False


def _movement(
    user: Any,
    item: SupplyItem | int,
    kind: str,
    quantity: Any,
    *,
    note: str = "",
    response: EmergencyResponse | None = None,
) -> StockMovement:
    amount = positive_int(quantity, "quantity", maximum=MAX_QUANTITY)
    with transaction.atomic():
        row = locked(SupplyItem, item, user)
        store = Place.objects.select_related("area").get(pk=row.store_id)
        policy.require(policy.may_manage_supplies(user, store.area), _("manage this store"))
        if row.is_removed:
            raise Conflict(_("This supply was removed from its store."))
        return _move(row, kind, amount, user, response=response, note=note)


def receive(user: Any, item: SupplyItem | int, quantity: Any, note: str = "") -> StockMovement:
    return _movement(user, item, MovementKind.RECEIVED, quantity, note=optional_text(note, "note"))


def write_off(user: Any, item: SupplyItem | int, quantity: Any, note: str) -> StockMovement:
    reason = required_text(note, "note", _("Say why the supplies are written off."), 500)
    return _movement(user, item, MovementKind.WRITTEN_OFF, quantity, note=reason)


def check_stock(user: Any, item: SupplyItem | int, counted: Any, note: str = "") -> SupplyItem:
    """Record a stock check: the day of the check and, where the count differs,
    the difference as received or written off."""
    amount = positive_int(counted, "counted", minimum=0, maximum=MAX_QUANTITY)
    with transaction.atomic():
        row = locked(SupplyItem, item, user)
        store = Place.objects.select_related("area").get(pk=row.store_id)
        policy.require(policy.may_manage_supplies(user, store.area), _("manage this store"))
        if row.is_removed:
            raise Conflict(_("This supply was removed from its store."))
        text = optional_text(note, "note", 400) or _("Stock check")
        if amount > row.quantity:
            _move(row, MovementKind.RECEIVED, amount - row.quantity, user, note=text)
        elif amount < row.quantity:
            _move(row, MovementKind.WRITTEN_OFF, row.quantity - amount, user, note=text)
        row.last_checked_on = timezone.localdate()
        row.save(update_fields=["last_checked_on", "updated_at"])
        row.refresh_from_db()
    return row


def _active_response(response: EmergencyResponse | int, user: Any) -> EmergencyResponse:
    row = locked(EmergencyResponse, response, user, "view")
    if row.stage not in ACTIVE_STAGES:
        raise Conflict(
            _("Supplies are issued to a response that is under way; this one is %(stage)s.")
            % {"stage": row.get_stage_display()},
            current_stage=row.stage,
        )
    return row


def issue(
    user: Any,
    item: SupplyItem | int,
    quantity: Any,
    response: EmergencyResponse | int,
    note: str = "",
) -> StockMovement:
    """Issue supplies from a store to a response under way. More than the store
    holds is refused and nothing changes."""
    amount = positive_int(quantity, "quantity", maximum=MAX_QUANTITY)
    with transaction.atomic():
        target = _active_response(response, user)
        return _with_response(user, item, MovementKind.ISSUED, amount, target, note)


def return_to_store(
    user: Any,
    item: SupplyItem | int,
    quantity: Any,
    response: EmergencyResponse | int,
    note: str = "",
) -> StockMovement:
    """Supplies come back from a response (any stage after its start); never more
    than were issued to it."""
    amount = positive_int(quantity, "quantity", maximum=MAX_QUANTITY)
    with transaction.atomic():
        target = locked(EmergencyResponse, response, user, "view")
        if not target.started_at:
            raise Conflict(_("Nothing was issued to a response that never started."))
        row = locked(SupplyItem, item, user)
        out = _net_issued(row, target)
        if amount > out:
            raise ValidationError(
                {
                    "quantity": [
                        _("Only %(n)d %(unit)s of %(name)s are out with this response.")
                        % {"n": out, "unit": row.unit, "name": row.name}
                    ]
                }
            )
        return _with_response(user, row, MovementKind.RETURNED, amount, target, note)


def _with_response(
    user: Any,
    item: SupplyItem | int,
    kind: str,
    amount: int,
    response: EmergencyResponse,
    note: str,
) -> StockMovement:
    """A movement to or from a response, on the response's timeline too."""
    movement = _movement(
        user, item, kind, amount, response=response, note=optional_text(note, "note", 400)
    )
    record(
        response,
        ResponseEventKind.SUPPLY_ISSUED
        if kind == MovementKind.ISSUED
        else ResponseEventKind.SUPPLY_RETURNED,
        user,
        note=movement.note,
        data=_movement_data(movement),
    )
    return movement


def _net_issued(item: SupplyItem, response: EmergencyResponse) -> int:
    totals = dict(
        StockMovement.objects.filter(item=item, response=response)
        .values_list("kind")
        .annotate(total=Sum("quantity"))
    )
    return int(totals.get(MovementKind.ISSUED, 0)) - int(totals.get(MovementKind.RETURNED, 0))


def _movement_data(movement: StockMovement) -> dict[str, Any]:
    item = movement.item
    return {
        "item_id": item.pk,
        "name": item.name,
        "unit": item.unit,
        "quantity": movement.quantity,
        "balance_after": movement.balance_after,
        "store_id": item.store_id,
        "movement_id": movement.pk,
    }


# --- alerts ------------------------------------------------------------------------------------
def due_expiry_alerts(today: date | None = None) -> int:
    """Mark and enqueue an alert for each supply expiring within the alert window
    (once per expiry date). Returns how many were enqueued."""
    today = today or timezone.localdate()
    limit = today.toordinal() + EXPIRY_ALERT_DAYS
    count = 0
    candidates = SupplyItem.objects.filter(
        removed_at__isnull=True, expires_on__isnull=False, quantity__gt=0
    ).exclude(expiry_alerted_for=F("expires_on"))
    for item in candidates.order_by("pk"):
        assert item.expires_on is not None
        if item.expires_on.toordinal() > limit:
            continue
        with transaction.atomic():
            changed = (
                SupplyItem.objects.filter(pk=item.pk)
                .exclude(expiry_alerted_for=item.expires_on)
                .update(expiry_alerted_for=item.expires_on)
            )
            if changed:
                enqueue(
                    ALERT_TASK,
                    key=f"supply-expiry:{item.pk}:{item.expires_on.isoformat()}",
                    item_id=item.pk,
                    reason="expiry",
                )
                count += 1
    return count


def alert_supply(item_id: int, reason: str) -> int:
    """Tell the readiness managers over the store (community and street admins)
    that a supply runs low or expires. Keyed, so a re-run tells nobody twice."""
    from anxin.notifications import actions as notifications
    from anxin.warnings.selectors import members_with_roles

    item = SupplyItem.objects.select_related("store", "store__area").filter(pk=item_id).first()
    if item is None or item.is_removed:
        return 0
    area: Area = item.store.area
    recipients = members_with_roles(["community_admin", "street_admin"], [area])
    if reason == "expiry":
        title = _("Supplies expiring: %(name)s at %(store)s") % {
            "name": item.name,
            "store": item.store.name,
        }
        body = _("%(quantity)d %(unit)s expire on %(date)s. Replace them or write them off.") % {
            "quantity": item.quantity,
            "unit": item.unit,
            "date": item.expires_on.isoformat() if item.expires_on else "—",
        }
        key = f"supply-expiry:{item.pk}:{item.expires_on}"
    else:
        title = _("Low stock: %(name)s at %(store)s") % {
            "name": item.name,
            "store": item.store.name,
        }
        body = _("%(quantity)d %(unit)s left, below the minimum of %(minimum)d.") % {
            "quantity": item.quantity,
            "unit": item.unit,
            "minimum": item.minimum_stock,
        }
        last = item.movements.order_by("-pk").values_list("pk", flat=True).first()
        key = f"supply-low:{item.pk}:{last}"
    return len(
        notifications.notify(
            recipients,
            kind="supply_alert",
            title=title,
            body=body,
            link=f"/emergency/supplies/{item.pk}/",
            key=key,
        )
    )
