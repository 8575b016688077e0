"""发现-上报: a report becomes a hazard file (``report_hazard``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import h3
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.choices import Role
from anxin.accounts.models import Membership, User
from anxin.accounts.selectors import roles_of
from anxin.areas.spatial import nearest_place, resolve_point
from anxin.core.process_cache import ProcessCache
from anxin.hazards import deadlines, selectors, statements
from anxin.hazards.actions.common import (
    HAZARD_CHANGED_KEY,
    HAZARD_CHANGED_TASK,
    Upload,
    _after_commit,
    _event,
    _store_files,
    check_uploads,
)
from anxin.hazards.attachments import CheckedFile
from anxin.hazards.choices import (
    COLOUR_LEVEL_WORD,
    EventKind,
    Grade,
    RiskColour,
    SourceChannel,
    Status,
    TimeLimitStep,
)
from anxin.hazards.errors import HazardValidationError
from anxin.hazards.models import (
    Attachment,
    Hazard,
    HazardEvent,
    SequenceCounter,
)
from anxin.outbox import actions as outbox
from anxin.outbox.models import OutboxMessage
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import reportable_category

_insert_new = statements.insert_new  # the report's rows (tests swap it for the ORM's save)


def _next_in_sequences(*keys: str) -> list[int]:
    """Gap-free counters: the next number of each (distinct keys), in one round trip where
    the database can upsert and return: INSERT … ON CONFLICT DO UPDATE …
    RETURNING creates a missing counter at 1 and increments an existing one
    under its row lock, inside the caller's transaction (a rollback gives the
    numbers back). Rows are locked in the order given."""
    if connection.vendor == "postgresql" or (
        connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)
    ):
        table = connection.ops.quote_name(SequenceCounter._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, value) VALUES "
                + ", ".join(["(%s, 1)"] * len(keys))
                + f" ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1"
                " RETURNING key, value",
                list(keys),
            )
            values = dict(cursor.fetchall())
        return [int(values[key]) for key in keys]
    return [_next_in_sequence_orm(key) for key in keys]


def _next_in_sequence_orm(key: str) -> int:
    """Older SQLite: UPDATE, create the row if missing, then read it back."""
    updated = SequenceCounter.objects.filter(key=key).update(value=F("value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                SequenceCounter.objects.create(key=key, value=1)
            return 1
        except IntegrityError:  # created concurrently: take the next number
            SequenceCounter.objects.filter(key=key).update(value=F("value") + 1)
    return int(SequenceCounter.objects.get(key=key).value)


def _load_grid_workers() -> dict[int, int]:
    """The first (oldest) active grid worker of every grid."""
    found: dict[int, int] = {}
    rows = (
        Membership.objects.filter(role=Role.GRID_WORKER, is_active=True, area__isnull=False)
        .order_by("-id")
        .values_list("area_id", "user_id")
    )
    for area_id, user_id in rows:
        found[area_id] = user_id  # the lowest id wins: it is written last
    return found


grid_workers: ProcessCache[dict[int, int]] = ProcessCache(_load_grid_workers, ttl=30.0)


def _grid_worker_id(grid_id: int | None) -> int | None:
    return grid_workers.get().get(grid_id) if grid_id is not None else None


@dataclass
class ReportResult:
    hazard: Hazard
    created: bool
    missing: list[str] = field(default_factory=list)
    duplicates: list[selectors.Candidate] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def completeness(hazard: Hazard, attachment_count: int) -> list[str]:
    """Core elements a report of this subclass still lacks."""
    present = {
        "photo": attachment_count > 0,
        "address": bool(hazard.address.strip()),
        "location": hazard.lat is not None and hazard.lng is not None,
        "description": bool(hazard.description.strip()),
        "building": hazard.building_id is not None,
        "quantity": bool(hazard.quantity.strip()),
        "contact": bool(hazard.reporter_phone or (hazard.reporter and hazard.reporter.mobile)),
    }
    wanted = [*(hazard.category.required_fields or []), "location"]
    return sorted({f for f in wanted if not present.get(f, True)})


def report_hazard(
    *,
    reporter: User | None,
    category: str | Category,
    lat: float,
    lng: float,
    title: str = "",
    description: str = "",
    address: str = "",
    risk_colour: str = "",
    grade: str = Grade.ORDINARY,
    source: str = "",
    found_at: datetime | None = None,
    quantity: str = "",
    gb35181_clause: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    uploads: Sequence[Upload] = (),
    idempotency_key: str | None = None,
) -> ReportResult:
    """发现-上报: create a hazard file from a report. Raises HazardValidationError.

    The hot path of the platform: the point is resolved by the in-process
    spatial index (areas and named places, no query), and the write is one
    short transaction of four statements (``_write_report``), after which the
    duplicate candidates are read in one SELECT; on PostgreSQL a report
    without files is written and searched in one statement instead
    (``_write_report_in_one_statement``).
    A repeated ``idempotency_key`` returns the file made the first time.
    """
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    cat = category if isinstance(category, Category) else reportable_category(str(category))
    if cat is None or cat.is_main_class:
        errors["category"] = [_("Unknown hazard category %(c)s.") % {"c": category}]
    if risk_colour and risk_colour not in RiskColour.values:
        errors["risk_colour"] = [_("Unknown risk colour %(c)s.") % {"c": risk_colour}]
    if grade not in Grade.values:
        errors["grade"] = [_("Unknown grade %(g)s.") % {"g": grade}]
    if source and source not in SourceChannel.values:
        errors["source"] = [_("Unknown source channel %(s)s.") % {"s": source}]
    if found_at is not None and found_at > now + timedelta(minutes=5):
        errors["found_at"] = [_("The time found cannot be in the future.")]
    if len(description) > 4000:
        errors["description"] = [_("At most 4000 characters.")]
    resolution = None
    try:
        lat_f, lng_f = float(lat), float(lng)
        if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
            raise ValueError
        resolution = resolve_point(lat_f, lng_f)
        if resolution.id_of("grid") is None:
            errors["location"] = [_("The point lies outside every grid of the area.")]
    except (TypeError, ValueError):
        errors["location"] = [_("Latitude and longitude must be WGS-84 numbers.")]
    if errors:
        raise HazardValidationError(errors)
    assert cat is not None and resolution is not None
    checked = check_uploads(uploads)

    areas = resolution.areas
    deepest = resolution.deepest
    assert deepest is not None
    community = areas.get("community")
    grid = areas.get("grid")
    street = areas.get("street")
    building = areas.get("building")
    colour = risk_colour or cat.risk_colour
    if reporter is not None and not source:
        source = (
            SourceChannel.PATROL if roles_of(reporter) - {Role.RESIDENT} else SourceChannel.RESIDENT
        )
    main = cat.parent or cat
    place = nearest_place(lat_f, lng_f, settings.NEAREST_PLACE_RADIUS_M)
    owner = community or deepest
    counted = grid or deepest
    day = timezone.localtime(now).strftime("%Y%m%d")
    hazard = Hazard(
        idempotency_key=idempotency_key or None,
        title=(title or cat.name_zh)[:120],
        description=description,
        category=cat,
        risk_colour=colour,
        grade=grade,
        gb35181_clause=gb35181_clause,
        quantity=quantity,
        address=address,
        lat=lat_f,
        lng=lng_f,
        area_id=deepest.id,
        area_path=deepest.path,
        street_id=street.id if street else None,
        community_id=community.id if community else None,
        grid_id=grid.id if grid else None,
        building_id=building.id if building else None,
        nearest_place_id=place[0] if place else None,
        nearest_place_distance_m=round(place[1], 1) if place else None,
        h3_r7=h3.latlng_to_cell(lat_f, lng_f, 7),
        h3_r9=h3.latlng_to_cell(lat_f, lng_f, 9),
        h3_r11=h3.latlng_to_cell(lat_f, lng_f, 11),
        reporter=reporter,
        reporter_name=reporter_name or (reporter.full_name if reporter else ""),
        reporter_phone=reporter_phone or ((reporter.mobile or "") if reporter else ""),
        source=source or SourceChannel.RESIDENT,
        grid_worker_id=_grid_worker_id(grid.id if grid else None),
        found_at=found_at or now,
        reported_at=now,
        verify_deadline=deadlines.due(TimeLimitStep.VERIFY, colour, community, now),
    )
    missing = completeness(hazard, len(checked))
    event = _event(
        hazard,
        EventKind.TRANSITION,
        reporter,
        action="report",
        to_status=Status.REPORTED,
        data={"missing": missing, "source": hazard.source},
        at=now,
        save=False,
    )
    level_word = COLOUR_LEVEL_WORD[colour]
    code = _ReportCode(
        keys=(f"code:{owner.code}:{main.code}", f"machine:{counted.code}:{cat.code}:{day}"),
        prefixes=(
            f"{owner.name}-{main.name_zh}-{level_word}-",
            f"{counted.code}-{cat.code}-{day}-",
        ),
    )
    duplicates: list[selectors.Candidate] | None = None
    stored: list[Attachment] = []
    try:
        if not checked and connection.vendor == "postgresql":
            duplicates = _write_report_in_one_statement(hazard, event, code, reporter)
        else:
            stored = _write_report(hazard, event, code, checked, reporter)
    except IntegrityError:
        # The same submission again (an offline queue replayed, a double tap):
        # the idempotency key is unique, so the first file stands.
        existing = (
            Hazard.objects.filter(idempotency_key=idempotency_key).first()
            if idempotency_key
            else None
        )
        if existing is None:
            raise
        if existing.reporter_id != (reporter.pk if reporter else None):
            raise HazardValidationError(
                {"idempotency_key": [_("This key was used for another report.")]}
            ) from None
        return ReportResult(hazard=existing, created=False)
    if duplicates is None:
        duplicates = selectors.duplicate_summaries(hazard, visible_to=reporter)
    return ReportResult(
        hazard=hazard, created=True, missing=missing, duplicates=duplicates, attachments=stored
    )


@dataclass(frozen=True)
class _ReportCode:
    """A report's two numbers: the counters' keys, and the codes' text before them."""

    keys: tuple[str, str]  # human code (per area and class), machine code (per grid, day)
    prefixes: tuple[str, str]

    def apply(self, hazard: Hazard, seq: int, machine_seq: int) -> None:
        hazard.code = f"{self.prefixes[0]}{seq:03d}"
        hazard.machine_code = f"{self.prefixes[1]}{machine_seq:04d}"


def _write_report(
    hazard: Hazard,
    event: HazardEvent,
    code: _ReportCode,
    checked: Sequence[tuple[CheckedFile, str]],
    reporter: User | None,
) -> list[Attachment]:
    """The report's writes in one short transaction: both counters in one upsert,
    the file and its first event each by a prepared INSERT, the evidence, the
    outbox row."""
    with transaction.atomic():
        code.apply(hazard, *_next_in_sequences(*code.keys))
        _insert_new(hazard)
        event.hazard = hazard
        _insert_new(event)
        stored = _store_files(hazard, checked, reporter, event)
        _after_commit(hazard.pk, "reported", [event])
    return stored


# The counters' numbers as the codes write them: "{:03d}" and "{:04d}" (never cut).
_PADDED = "lpad(({n})::text, greatest({width}, length(({n})::text)), '0')"


def _write_report_in_one_statement(
    hazard: Hazard, event: HazardEvent, code: _ReportCode, reporter: User | None
) -> list[selectors.Candidate] | None:
    """PostgreSQL: the report's writes — both counters, the file, its first event
    and the outbox row (with the relay's wake-up) — and the duplicate search in
    ONE statement, atomic by itself: no BEGIN and COMMIT round trips when no
    transaction is open (inside one, a savepoint keeps a failure to itself).
    The ids are drawn from the tables' sequences first, so every row is
    written with the values the statements of the other databases write
    (tests compare them). The search reads the snapshot before the new file.
    The statement's text is the same for every report of one shape, so the
    server keeps it prepared (``statements.prepared_cursor``).
    Returns the duplicates, or None when they must be read afterwards."""
    conn = connections[DEFAULT_DB_ALIAS]
    hazard_plan = statements.insert_plan(Hazard, conn)
    event_plan = statements.insert_plan(HazardEvent, conn)
    if hazard_plan is None or event_plan is None:  # save signals: the ORM must save
        _write_report(hazard, event, code, (), reporter)
        return None
    quote = conn.ops.quote_name
    counters = quote(SequenceCounter._meta.db_table)

    def sequence(model: type[Model]) -> str:
        return f"nextval(pg_get_serial_sequence('{quote(model._meta.db_table)}', 'id'))"

    def number(name: str) -> tuple[str, list[Any]]:
        return f"(SELECT {name} FROM numbers)", []

    def padded(name: str, prefix: str, width: int) -> tuple[str, list[Any]]:
        return f"(SELECT %s || {_PADDED.format(n=name, width=width)} FROM numbers)", [prefix]

    hazard_sql, hazard_params = statements.insert_values(
        hazard,
        hazard_plan,
        conn,
        {
            "id": number("hazard_id"),
            "code": padded("seq", code.prefixes[0], 3),
            "machine_code": padded("machine_seq", code.prefixes[1], 4),
        },
    )
    event_sql, event_params = statements.insert_values(
        event, event_plan, conn, {"id": number("event_id"), "hazard_id": number("hazard_id")}
    )
    message_sql, message_params = outbox.insert_select(  # as _after_commit enqueues it
        HAZARD_CHANGED_TASK,
        id_sql="numbers.message_id",
        kwargs_sql="jsonb_build_object('hazard_id', numbers.hazard_id, 'kind', 'reported',"
        " 'event_ids', jsonb_build_array(numbers.event_id))",
        key_sql=f"'{HAZARD_CHANGED_KEY}' || numbers.event_id",
        source="numbers",
        created_at=event.created_at,
    )
    search = selectors.duplicate_query(hazard, reporter)
    near_sql, near_params = (
        (search[0].sql, search[1]) if search is not None else ("SELECT NULL AS id", [])
    )
    sql = (
        f"WITH counters AS (INSERT INTO {counters} (key, value) VALUES (%s, 1), (%s, 1)"
        f" ON CONFLICT (key) DO UPDATE SET value = {counters}.value + 1 RETURNING key, value),"
        f" numbers AS (SELECT {sequence(Hazard)} AS hazard_id,"
        f" {sequence(HazardEvent)} AS event_id, {sequence(OutboxMessage)} AS message_id,"
        " (SELECT value FROM counters WHERE key = %s) AS seq,"
        " (SELECT value FROM counters WHERE key = %s) AS machine_seq),"
        f" new_hazard AS ({hazard_sql}), new_event AS ({event_sql}),"
        f" new_message AS ({message_sql})"
        " SELECT numbers.hazard_id, numbers.event_id, numbers.message_id, numbers.seq,"
        f" numbers.machine_seq, (SELECT {outbox.NOTIFY_SQL} FROM new_message), near.*"
        f" FROM numbers LEFT JOIN ({near_sql}) AS near ON TRUE"
    )
    params = [
        *code.keys,
        *code.keys,
        *hazard_params,
        *event_params,
        *message_params,
        *near_params,
    ]
    in_transaction = transaction.atomic() if conn.in_atomic_block else nullcontext()
    with in_transaction, statements.prepared_cursor(conn) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hazard_id, event_id, message_id, seq, machine_seq = rows[0][:5]
    hazard.pk, event.pk = hazard_id, event_id
    event.hazard = hazard
    code.apply(hazard, seq, machine_seq)
    statements.saved(hazard, conn)
    statements.saved(event, conn)
    outbox.enqueued(message_id)
    if search is None:
        return None
    found = [row[6:] for row in rows if row[6] is not None]
    return selectors.nearest(hazard, search[0], found)
