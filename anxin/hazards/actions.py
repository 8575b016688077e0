"""Writes of the hazard file. Every status change goes through ``transition``.

Each action: checks the actor's scope (``Hazard.objects.restrict``) and role,
locks the row, validates guards, writes the change and an append-only event,
and schedules side effects to run after the transaction commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import h3
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F, Model
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from anxin.accounts.choices import Role
from anxin.accounts.models import Membership, User
from anxin.areas.spatial import distance_m, nearest_place, resolve_point
from anxin.core.process_cache import ProcessCache
from anxin.hazards import deadlines, routing, selectors, statements
from anxin.hazards.attachments import CheckedFile, as_content, check_file
from anxin.hazards.choices import (
    COLOUR_LEVEL_WORD,
    DEADLINE_STATUSES,
    OPEN_STATUSES,
    SIX_ITEM_PLAN_FIELDS,
    EventKind,
    Grade,
    Phase,
    RiskColour,
    SourceChannel,
    Status,
    TimeLimitStep,
)
from anxin.hazards.errors import HazardValidationError, TransitionConflict, TransitionForbidden
from anxin.hazards.models import (
    Attachment,
    ExtensionRequest,
    Hazard,
    HazardEvent,
    SequenceCounter,
    WhistleCall,
)
from anxin.hazards.workflow import TIER_OF_ROLE, TRANSITIONS, Transition, tiers_required
from anxin.organisations.models import Organisation
from anxin.outbox import actions as outbox
from anxin.outbox.actions import enqueue
from anxin.outbox.models import OutboxMessage
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import reportable_category

Upload = tuple[UploadedFile, str]  # (file, phase)


# --- helpers ------------------------------------------------------------------------
def _roles(actor: User | None) -> set[str]:
    if actor is None:
        return set()
    return {m.role for m in actor.active_memberships()}


def _primary_role(actor: User | None, allowed: Iterable[str] = ()) -> str:
    roles = _roles(actor)
    for role in allowed:
        if role in roles:
            return role
    if actor is not None and actor.is_superuser:
        return "superuser"
    return sorted(roles)[0] if roles else ("system" if actor is None else "")


def _event(
    hazard: Hazard,
    kind: str,
    actor: User | None,
    *,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    role: str = "",
    at: datetime | None = None,
    internal: bool = False,
    save: bool = True,
) -> HazardEvent:
    """An event of ``hazard``'s timeline, saved (or left to the caller to write)."""
    event = HazardEvent(
        hazard=hazard,
        kind=kind,
        action=action,
        actor=actor,
        actor_role=role or _primary_role(actor),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
        is_internal=internal,
        created_at=at or timezone.now(),
    )
    if save:
        event.save(force_insert=True)
    return event


_insert_new = statements.insert_new  # the report's rows (tests swap it for the ORM's save)


# The background work of a change, keyed by its first event (see _after_commit).
HAZARD_CHANGED_TASK = "anxin.hazards.tasks.hazard_changed"
HAZARD_CHANGED_KEY = "hazard-changed:"


def _after_commit(hazard_id: int, kind: str, events: Sequence[HazardEvent]) -> None:
    """Side effects (warnings, notifications) run in the background after commit.

    The work is written to the outbox in this transaction, so it is never lost
    even if the broker is down; it is keyed by the first event so that it is
    enqueued once."""
    ids = [e.pk for e in events]
    enqueue(
        HAZARD_CHANGED_TASK,
        key=f"{HAZARD_CHANGED_KEY}{ids[0]}" if ids else None,
        hazard_id=hazard_id,
        kind=kind,
        event_ids=ids,
    )


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


def _store_files(
    hazard: Hazard,
    checked: Sequence[tuple[CheckedFile, str]],
    actor: User | None,
    event: HazardEvent | None,
) -> list[Attachment]:
    stored = []
    for item, phase in checked:
        original, public = as_content(item)
        attachment = Attachment(
            hazard=hazard,
            event=event,
            phase=phase,
            kind=item.kind,
            content_type=item.content_type,
            size=len(item.data),
            sha256=item.sha256,
            width=item.width,
            height=item.height,
            exif_taken_at=item.exif_taken_at,
            exif_lat=item.exif_lat,
            exif_lng=item.exif_lng,
            uploaded_by=actor,
        )
        attachment.file.save(original.name or "file", original, save=False)
        if public is not None:
            attachment.public_file.save(public.name or "public", public, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def check_uploads(uploads: Sequence[Upload]) -> list[tuple[CheckedFile, str]]:
    """Validate every upload before anything is written."""
    if len(uploads) > settings.ATTACHMENTS_PER_REQUEST:
        raise HazardValidationError(
            {
                "attachments": [
                    _("At most %(n)d files at a time.") % {"n": settings.ATTACHMENTS_PER_REQUEST}
                ]
            }
        )
    checked = []
    for upload, phase in uploads:
        if phase not in Phase.values:
            raise HazardValidationError({"phase": [_("Unknown phase %(p)s.") % {"p": phase}]})
        checked.append((check_file(upload), phase))
    return checked


# --- report ---------------------------------------------------------------------------
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
            SourceChannel.PATROL if _roles(reporter) - {Role.RESIDENT} else SourceChannel.RESIDENT
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


# --- transitions ------------------------------------------------------------------------
def _lock(hazard_id: int, actor: User | None, action: str = "change") -> Hazard:
    queryset = Hazard.objects.all() if actor is None else Hazard.objects.restrict(actor, action)
    hazard = (
        queryset.select_for_update(of=("self",))
        .select_related("category", "category__parent", "community")
        .filter(pk=hazard_id)
        .first()
    )
    if hazard is None:
        if (
            actor is not None
            and Hazard.objects.restrict(actor, "view").filter(pk=hazard_id).exists()
        ):
            raise TransitionForbidden(_("You may see this hazard but not act on it."))
        raise Http404(_("No such hazard."))
    return hazard


def _check_role(t: Transition, actor: User | None) -> str:
    if actor is None:
        if not t.system_allowed:
            raise TransitionForbidden(_("This step needs a person."))
        return "system"
    if actor.is_superuser:
        return "superuser"
    allowed = _roles(actor) & t.roles
    if not allowed:
        raise TransitionForbidden(_("Your role may not do this: %(action)s.") % {"action": t.label})
    return _primary_role(actor, sorted(allowed, key=lambda r: -TIER_OF_ROLE.get(r, 0)))


def _move_deadline(hazard: Hazard, deadline: datetime | None, now: datetime) -> list[str]:
    """Set a (new) rectification deadline; the overdue sweep looks at the hazard
    again once it passes. Returns the fields to save."""
    hazard.deadline = deadline
    hazard.next_escalation_at = deadline
    fields = ["deadline", "next_escalation_at"]
    if deadline is not None and deadline > now:
        hazard.is_overdue = False
        hazard.overdue_since = None
        fields += ["is_overdue", "overdue_since"]
    return fields


def _to_moment(value: Any) -> datetime | None:
    """A date-time from user input (aware, local time zone); a bare date means
    the end of that working day (18:00). None when it cannot be read."""
    if isinstance(value, str):
        day = parse_date(value)
        value = datetime(day.year, day.month, day.day, 18, 0) if day else parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _parse_deadline(value: Any, now: datetime, field_name: str = "deadline") -> datetime | None:
    if value in (None, ""):
        return None
    moment = _to_moment(value)
    if moment is None:
        raise HazardValidationError({field_name: [_("Enter a valid date and time.")]})
    if moment <= now:
        raise HazardValidationError({field_name: [_("The deadline must be in the future.")]})
    return moment


def transition(
    hazard_id: int,
    actor: User | None,
    name: str,
    *,
    reason: str = "",
    uploads: Sequence[Upload] = (),
    data: dict[str, Any] | None = None,
) -> Hazard:
    """Fire one transition of the closed loop (see ``workflow.TRANSITIONS``)."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise Http404(_("Unknown action."))
    data = dict(data or {})
    reason = (reason or "").strip()
    checked = check_uploads(uploads)
    with transaction.atomic():
        hazard = _lock(hazard_id, actor)
        role = _check_role(t, actor)
        if hazard.status not in t.sources:
            raise TransitionConflict(
                _("This hazard is now “%(status)s”; “%(action)s” is not possible.")
                % {"status": Status(hazard.status).label, "action": t.label},
                hazard.status,
            )
        if t.reason_required and not reason:
            raise HazardValidationError({"reason": [_("A reason is required.")]})
        if t.blue_only and hazard.risk_colour != RiskColour.BLUE:
            raise HazardValidationError(
                {"risk_colour": [_("Only blue hazards may be fixed on the spot.")]}
            )
        if t.needs_after_photos:
            has_after = (
                any(p == Phase.RECTIFY_AFTER for _c, p in checked)
                or hazard.attachments.filter(phase=Phase.RECTIFY_AFTER).exists()
            )
            if not has_after:
                raise HazardValidationError(
                    {"attachments": [_("Photos after rectification are required.")]}
                )
        if t.needs_plan_if_major and hazard.is_major and not _plan_complete(hazard.six_item_plan):
            raise HazardValidationError(
                {
                    "six_item_plan": [
                        _("A major hazard needs its six-item plan before rectification.")
                    ]
                }
            )
        now = timezone.now()
        handler = _HANDLERS[name]
        events = handler(hazard, actor, role, t, reason, data, now)
        event = events[0]
        if checked:
            _store_files(hazard, checked, actor, event)
        _after_commit(hazard.pk, name, events)
    return hazard


def _save_transition(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    now: datetime,
    fields: Sequence[str],
    data: dict[str, Any] | None = None,
    kind: str = EventKind.TRANSITION,
) -> HazardEvent:
    previous = hazard.status
    hazard.status = t.target
    hazard.save(update_fields=["status", "updated_at", *fields])
    return _event(
        hazard,
        kind,
        actor,
        action=t.name,
        from_status=previous,
        to_status=t.target,
        reason=reason,
        data=data,
        role=role,
        at=now,
    )


def _do_verify(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    tier = 3 if role == "superuser" else TIER_OF_ROLE.get(role, 0)
    needed = tiers_required(hazard.risk_colour, hazard.is_major)
    if tier <= hazard.review_tier:
        raise HazardValidationError(
            {
                "non_field_errors": [
                    _("This review tier is already done; the next reviewer decides.")
                ]
            }
        )
    hazard.review_tier = tier
    fields = ["review_tier"]
    if data.get("expert_opinion"):
        hazard.expert_opinion = str(data["expert_opinion"])[:4000]
        fields.append("expert_opinion")
    if tier < needed:
        hazard.save(update_fields=["updated_at", *fields])
        return [
            _event(
                hazard,
                EventKind.REVIEW,
                actor,
                action="verify",
                from_status=hazard.status,
                to_status=hazard.status,
                reason=reason,
                data={"tier": tier, "tiers_required": needed},
                role=role,
                at=now,
            )
        ]
    hazard.verified_at = now
    if hazard.risk_colour in (RiskColour.ORANGE, RiskColour.RED):
        hazard.interim_deadline = deadlines.due(
            TimeLimitStep.INTERIM, hazard.risk_colour, hazard.community, now
        )
        fields.append("interim_deadline")
    events = [
        _save_transition(
            hazard, actor, role, t, reason, now, [*fields, "verified_at"], {"tier": tier}
        )
    ]
    events += _auto_dispatch(hazard, now)
    return events


def _auto_dispatch(hazard: Hazard, now: datetime, exclude: Iterable[int] = ()) -> list[HazardEvent]:
    organisation = routing.responsible_organisation(hazard, exclude=exclude)
    if organisation is None:
        return [
            _event(
                hazard,
                EventKind.DISPATCH,
                None,
                action="dispatch",
                from_status=hazard.status,
                to_status=hazard.status,
                reason=_("No responsible organisation found: dispatch by hand."),
                role="system",
                at=now,
                internal=True,
            )
        ]
    return [
        _dispatch_to(hazard, None, "system", TRANSITIONS["dispatch"], "", organisation, None, now)
    ]


def _rectify_deadline(hazard: Hazard, now: datetime) -> datetime | None:
    if hazard.is_major and _plan_complete(hazard.six_item_plan):
        plan_limit = _parse_plan_deadline(hazard.six_item_plan.get("time_limit"))
        if plan_limit is not None and plan_limit > now:
            return plan_limit
    days = hazard.category.deadline_days
    if days:
        return now + timedelta(days=days)
    return deadlines.due(TimeLimitStep.RECTIFY, hazard.risk_colour, hazard.community, now)


def _parse_plan_deadline(value: Any) -> datetime | None:
    return _to_moment(value) if isinstance(value, str) else None


def _dispatch_to(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    organisation: Organisation,
    deadline: datetime | None,
    now: datetime,
) -> HazardEvent:
    hazard.responsible_organisation = organisation
    hazard.dispatched_at = now
    fields = _move_deadline(hazard, deadline or _rectify_deadline(hazard, now), now)
    hazard.is_overdue = False
    hazard.overdue_since = None
    hazard.escalation_level = 0
    return _save_transition(
        hazard,
        actor,
        role,
        t,
        reason,
        now,
        [
            *dict.fromkeys([*fields, "is_overdue", "overdue_since"]),
            "responsible_organisation",
            "dispatched_at",
            "escalation_level",
        ],
        {
            "organisation": organisation.pk,
            "organisation_name": organisation.name,
            "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
        },
        kind=EventKind.TRANSITION,
    )


def _do_dispatch(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    deadline = _parse_deadline(data.get("deadline"), now)
    org_id = data.get("organisation")
    if org_id:
        organisation = Organisation.objects.filter(pk=org_id, is_active=True).first()
        if organisation is None:
            raise HazardValidationError({"organisation": [_("Unknown organisation.")]})
    else:
        organisation = routing.responsible_organisation(hazard, exclude=_returned_by(hazard))
        if organisation is None:
            raise HazardValidationError(
                {"organisation": [_("No responsible organisation found; choose one.")]}
            )
    return [_dispatch_to(hazard, actor, role, t, reason, organisation, deadline, now)]


def _returned_by(hazard: Hazard) -> list[int]:
    return [
        int(e["organisation"])
        for e in hazard.events.filter(action="return").values_list("data", flat=True)
        if isinstance(e, dict) and e.get("organisation")
    ]


def _do_accept(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    _require_assignee(hazard, actor)
    hazard.accepted_at = now
    hazard.responsible_person = actor
    return [
        _save_transition(hazard, actor, role, t, reason, now, ["accepted_at", "responsible_person"])
    ]


def _require_assignee(hazard: Hazard, actor: User | None) -> None:
    if actor is None or actor.is_superuser:
        return
    orgs = {m.organisation_id for m in actor.active_memberships() if m.organisation_id}
    if hazard.responsible_organisation_id not in orgs:
        raise TransitionForbidden(
            _("Only the organisation this hazard is dispatched to may do this.")
        )


def _do_return(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    _require_assignee(hazard, actor)
    returning = hazard.responsible_organisation_id
    events = [
        _save_transition(hazard, actor, role, t, reason, now, [], {"organisation": returning})
    ]
    events += _auto_dispatch(hazard, now, exclude=[*_returned_by(hazard), returning or 0])
    return events


def _do_rectify(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    _require_assignee(hazard, actor)
    return _to_recheck(hazard, actor, role, t, reason, now)


def _to_recheck(
    hazard: Hazard, actor: User | None, role: str, t: Transition, reason: str, now: datetime
) -> list[HazardEvent]:
    hazard.rectified_at = now
    hazard.recheck_deadline = deadlines.due(
        TimeLimitStep.RECHECK, hazard.risk_colour, hazard.community, now
    )
    return [
        _save_transition(hazard, actor, role, t, reason, now, ["rectified_at", "recheck_deadline"])
    ]


def _do_fix_on_spot(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    return _to_recheck(hazard, actor, role, t, reason, now)


def _do_pass_recheck(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    if hazard.is_major and role not in ("street_admin", "superuser"):
        raise TransitionForbidden(_("A major hazard is accepted by the street office."))
    hazard.rechecked_at = now
    hazard.closed_at = now
    return [_save_transition(hazard, actor, role, t, reason, now, ["rechecked_at", "closed_at"])]


def _do_fail_recheck(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    hazard.rechecked_at = now
    fields = ["rechecked_at"]
    new_deadline = _parse_deadline(data.get("deadline"), now)
    if new_deadline is not None:
        fields += _move_deadline(hazard, new_deadline, now)
    return [_save_transition(hazard, actor, role, t, reason, now, fields)]


def _do_reject(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    return [_save_transition(hazard, actor, role, t, reason, now, [])]


def _do_merge(
    hazard: Hazard,
    actor: User | None,
    role: str,
    t: Transition,
    reason: str,
    data: dict[str, Any],
    now: datetime,
) -> list[HazardEvent]:
    target_ref = data.get("into")
    if not target_ref:
        raise HazardValidationError({"into": [_("Choose the file to merge into.")]})
    scope = Hazard.objects.all() if actor is None else Hazard.objects.restrict(actor, "change")
    target = (
        scope.select_for_update(of=("self",))
        .filter(pk=target_ref if str(target_ref).isdigit() else -1)
        .first()
        or scope.select_for_update(of=("self",)).filter(code=str(target_ref)).first()
    )
    if target is None or target.pk == hazard.pk:
        raise HazardValidationError({"into": [_("No such hazard to merge into.")]})
    if target.status not in OPEN_STATUSES:
        raise HazardValidationError({"into": [_("The file to merge into is no longer open.")]})
    hazard.merged_into = target
    event = _save_transition(
        hazard,
        actor,
        role,
        t,
        reason,
        now,
        ["merged_into"],
        {"into": target.pk, "into_code": target.code},
    )
    # The surviving file keeps both reporters and all evidence.
    people = [u for u in [hazard.reporter, *hazard.followers.all()] if u is not None]
    target.followers.add(*people)
    moved = list(hazard.attachments.values_list("pk", flat=True))
    Attachment.objects.filter(pk__in=moved).update(hazard=target)
    target_event = _event(
        target,
        EventKind.MERGE,
        actor,
        action="merge",
        from_status=target.status,
        to_status=target.status,
        reason=reason,
        data={"merged": hazard.pk, "merged_code": hazard.code, "attachments": moved},
        role=role,
        at=now,
    )
    return [event, target_event]


_HANDLERS = {
    "verify": _do_verify,
    "reject": _do_reject,
    "merge": _do_merge,
    "dispatch": _do_dispatch,
    "accept": _do_accept,
    "return": _do_return,
    "rectify": _do_rectify,
    "fix_on_spot": _do_fix_on_spot,
    "pass_recheck": _do_pass_recheck,
    "fail_recheck": _do_fail_recheck,
}
assert set(_HANDLERS) == set(TRANSITIONS), "every declared transition has a handler"


def _plan_complete(plan: Any) -> bool:
    return isinstance(plan, dict) and all(
        str(plan.get(k) or "").strip() for k in SIX_ITEM_PLAN_FIELDS
    )


# --- flags (not states) -------------------------------------------------------------
SUPERVISORS = frozenset({Role.STREET_ADMIN, Role.DISTRICT_ADMIN})
COMMUNITY_STAFF = frozenset(
    {Role.SAFETY_OFFICER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN}
)


def _require_role(actor: User, roles: Iterable[str], what: str) -> str:
    if actor.is_superuser:
        return "superuser"
    held = _roles(actor) & set(roles)
    if not held:
        raise TransitionForbidden(_("Your role may not do this: %(action)s.") % {"action": what})
    return sorted(held)[0]


def _flag(
    hazard_id: int,
    actor: User,
    roles: Iterable[str],
    what: str,
    kind: str,
    apply: Any,
    *,
    reason: str = "",
    uploads: Sequence[Upload] = (),
    statuses: Iterable[str] | None = None,
) -> Hazard:
    checked = check_uploads(uploads)
    with transaction.atomic():
        hazard = _lock(hazard_id, actor)
        role = _require_role(actor, roles, what)
        if statuses is not None and hazard.status not in set(statuses):
            raise TransitionConflict(
                _("This hazard is now “%(status)s”; “%(action)s” is not possible.")
                % {"status": Status(hazard.status).label, "action": what},
                hazard.status,
            )
        now = timezone.now()
        data = apply(hazard, now) or {}
        event = _event(
            hazard,
            kind,
            actor,
            action=kind,
            from_status=hazard.status,
            to_status=hazard.status,
            reason=reason,
            data=data,
            role=role,
            at=now,
        )
        if checked:
            _store_files(hazard, checked, actor, event)
        _after_commit(hazard.pk, kind, [event])
    return hazard


def publicise(hazard_id: int, actor: User) -> Hazard:
    """公示: a closed hazard is shown on the public board."""

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        if hazard.publicised_at:
            raise TransitionConflict(_("Already publicised."), hazard.status)
        hazard.publicised_at = now
        hazard.save(update_fields=["publicised_at", "updated_at"])
        return {}

    return _flag(
        hazard_id,
        actor,
        COMMUNITY_STAFF,
        _("Publicise"),
        EventKind.PUBLICISE,
        apply,
        statuses=[Status.CLOSED],
    )


def list_hazard(
    hazard_id: int, actor: User, *, level: str = "street", publish: bool = True
) -> Hazard:
    """挂牌督办: the street (or district) supervises the rectification."""

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        if hazard.is_listed:
            raise TransitionConflict(_("Already listed."), hazard.status)
        hazard.is_listed = True
        hazard.listing_level = level
        hazard.listed_at = now
        hazard.listing_published_at = now if publish else None
        hazard.delisted_at = None
        hazard.save(
            update_fields=[
                "is_listed",
                "listing_level",
                "listed_at",
                "listing_published_at",
                "delisted_at",
                "updated_at",
            ]
        )
        return {"level": level, "published": publish}

    return _flag(
        hazard_id,
        actor,
        SUPERVISORS,
        _("List for supervision"),
        EventKind.LISTING,
        apply,
        statuses=OPEN_STATUSES,
    )


def delist_hazard(hazard_id: int, actor: User, reason: str = "") -> Hazard:
    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        if not hazard.is_listed:
            raise TransitionConflict(_("Not listed."), hazard.status)
        hazard.is_listed = False
        hazard.delisted_at = now
        hazard.save(update_fields=["is_listed", "delisted_at", "updated_at"])
        return {"delisted": True}

    return _flag(
        hazard_id, actor, SUPERVISORS, _("Delist"), EventKind.LISTING, apply, reason=reason
    )


def whistle_call(
    hazard_id: int, actor: User, department_ids: Sequence[int], reason: str = ""
) -> Hazard:
    """吹哨报到: the street calls departments to the hazard."""
    departments = list(Organisation.objects.filter(pk__in=list(department_ids), is_active=True))
    if not departments or len(departments) != len(set(department_ids)):
        raise HazardValidationError({"departments": [_("Choose one or more known departments.")]})

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        called = []
        for department in departments:
            _call, created = WhistleCall.objects.get_or_create(
                hazard=hazard, department=department, defaults={"called_at": now}
            )
            if created:
                called.append(department.pk)
        if not called:
            raise TransitionConflict(_("These departments were already called."), hazard.status)
        return {"departments": called}

    return _flag(
        hazard_id,
        actor,
        SUPERVISORS,
        _("Whistle call"),
        EventKind.WHISTLE,
        apply,
        reason=reason,
        statuses=OPEN_STATUSES,
    )


def whistle_report(
    hazard_id: int, actor: User, *, arrived: bool = True, answer: str = ""
) -> Hazard:
    """A called department reports arrival (报到) and later its answer."""
    orgs = {m.organisation_id for m in actor.active_memberships() if m.organisation_id}

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        call = WhistleCall.objects.filter(hazard=hazard, department_id__in=orgs).first()
        if call is None:
            raise TransitionForbidden(_("Your department was not called to this hazard."))
        if arrived and call.arrived_at is None:
            call.arrived_at = now
        if answer:
            call.answered_at = now
            call.answer = answer[:4000]
        call.save()
        return {
            "department": call.department_id,
            "arrived": bool(call.arrived_at),
            "answered": bool(call.answered_at),
        }

    return _flag(
        hazard_id,
        actor,
        {Role.DEPARTMENT},
        _("Report to a whistle call"),
        EventKind.WHISTLE,
        apply,
        reason=answer,
    )


def request_extension(
    hazard_id: int, actor: User, *, deadline: Any, reason: str
) -> ExtensionRequest:
    if not (reason or "").strip():
        raise HazardValidationError({"reason": [_("A reason is required.")]})
    now = timezone.now()
    wanted = _parse_deadline(deadline, now)
    if wanted is None:
        raise HazardValidationError({"deadline": [_("Enter the deadline you ask for.")]})
    created: list[ExtensionRequest] = []

    def apply(hazard: Hazard, at: datetime) -> dict[str, Any]:
        _require_assignee(hazard, actor)
        if hazard.deadline and wanted <= hazard.deadline:
            raise HazardValidationError(
                {"deadline": [_("An extension must be later than the current deadline.")]}
            )
        if hazard.extensions.filter(decision=ExtensionRequest.Decision.PENDING).exists():
            raise TransitionConflict(_("An extension request is already pending."), hazard.status)
        created.append(
            ExtensionRequest.objects.create(
                hazard=hazard, requested_by=actor, requested_deadline=wanted, reason=reason
            )
        )
        return {"requested_deadline": wanted.isoformat()}

    _flag(
        hazard_id,
        actor,
        RECTIFIER_ROLES,
        _("Request an extension"),
        EventKind.EXTENSION_REQUESTED,
        apply,
        reason=reason,
        statuses=DEADLINE_STATUSES,
    )
    return created[0]


RECTIFIER_ROLES = frozenset({Role.PROPERTY_MANAGER, Role.DEPARTMENT})


def decide_extension(
    extension_id: int, actor: User, *, approve: bool, reason: str = ""
) -> ExtensionRequest:
    extension = ExtensionRequest.objects.filter(pk=extension_id).first()
    if extension is None:
        raise Http404(_("No such extension request."))

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        current = ExtensionRequest.objects.select_for_update().get(pk=extension_id)
        if current.decision != ExtensionRequest.Decision.PENDING:
            raise TransitionConflict(_("This request was already decided."), hazard.status)
        current.decision = (
            ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REFUSED
        )
        current.decided_by = actor
        current.decided_at = now
        current.save()
        data: dict[str, Any] = {"extension": current.pk, "approved": approve}
        if approve:
            data["previous_deadline"] = hazard.deadline.isoformat() if hazard.deadline else None
            fields = _move_deadline(hazard, current.requested_deadline, now)
            hazard.save(update_fields=[*fields, "updated_at"])
            data["deadline"] = current.requested_deadline.isoformat()
        return data

    _flag(
        extension.hazard_id,
        actor,
        COMMUNITY_STAFF,
        _("Decide an extension"),
        EventKind.EXTENSION_DECIDED,
        apply,
        reason=reason,
    )
    extension.refresh_from_db()
    return extension


def record_interim_control(
    hazard_id: int, actor: User, *, measures: str, uploads: Sequence[Upload] = ()
) -> Hazard:
    if not (measures or "").strip():
        raise HazardValidationError({"measures": [_("Describe the interim control measures.")]})

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        hazard.interim_control = measures[:4000]
        hazard.interim_controlled_at = now
        hazard.save(update_fields=["interim_control", "interim_controlled_at", "updated_at"])
        return {"on_time": hazard.interim_deadline is None or now <= hazard.interim_deadline}

    return _flag(
        hazard_id,
        actor,
        RECTIFIER_ROLES | COMMUNITY_STAFF | {Role.GRID_WORKER},
        _("Interim control"),
        EventKind.INTERIM_CONTROL,
        apply,
        reason=measures,
        uploads=uploads,
        statuses=OPEN_STATUSES,
    )


def set_six_item_plan(hazard_id: int, actor: User, plan: dict[str, Any]) -> Hazard:
    """The six-item plan of a major hazard (targets, method, funds and materials,
    people, time limit, safety measures and emergency plan)."""
    if not isinstance(plan, dict):
        raise HazardValidationError({"six_item_plan": [_("The plan must be an object.")]})
    missing = [k for k in SIX_ITEM_PLAN_FIELDS if not str(plan.get(k) or "").strip()]
    if missing:
        raise HazardValidationError(
            {f"six_item_plan.{k}": [_("This item of the plan is required.")] for k in missing}
        )
    limit = _parse_plan_deadline(plan.get("time_limit"))
    if limit is None or limit <= timezone.now():
        raise HazardValidationError(
            {"six_item_plan.time_limit": [_("The time limit must be a future date.")]}
        )
    clean = {k: str(plan[k])[:2000] for k in SIX_ITEM_PLAN_FIELDS}

    def apply(hazard: Hazard, now: datetime) -> dict[str, Any]:
        hazard.six_item_plan = clean
        fields = ["six_item_plan", "updated_at"]
        if hazard.status in DEADLINE_STATUSES and hazard.is_major:
            fields += _move_deadline(hazard, limit, now)
        hazard.save(update_fields=fields)
        return {"plan": clean}

    return _flag(
        hazard_id,
        actor,
        RECTIFIER_ROLES | SUPERVISORS | {Role.COMMUNITY_ADMIN},
        _("Six-item plan"),
        EventKind.PLAN,
        apply,
        statuses=OPEN_STATUSES,
    )


def add_evidence(hazard_id: int, actor: User, uploads: Sequence[Upload], note: str = "") -> Hazard:
    if not uploads:
        raise HazardValidationError({"attachments": [_("Add at least one file.")]})
    roles = set(TIER_OF_ROLE) | RECTIFIER_ROLES | {Role.DISTRICT_ADMIN, Role.EXPERT}
    return _flag(
        hazard_id,
        actor,
        roles,
        _("Add evidence"),
        EventKind.ATTACHMENT,
        lambda hazard, now: {"count": len(uploads)},
        reason=note,
        uploads=uploads,
    )


def follow(hazard_id: int, actor: User, near: tuple[float, float] | None = None) -> Hazard:
    """A resident follows a hazard someone else reported (instead of a duplicate).

    Without ``near``, only a hazard the actor may see can be followed. With
    ``near`` (the point the actor is reporting from), any open hazard of which
    that point lies within its subclass's duplicate radius can be followed: the
    duplicate prompt offers hazards the resident cannot otherwise see. Following
    makes the file the follower's own (``Hazard.scope_rules.owner_q``)."""
    candidates = Hazard.objects.filter(pk=hazard_id, status__in=OPEN_STATUSES)
    if near is None:
        candidates = candidates.restrict(actor, "view")
    hazard = candidates.select_related("category").first()
    if hazard is not None and near is not None:
        radius = hazard.category.duplicate_radius_m
        if distance_m(near[0], near[1], hazard.lat, hazard.lng) > radius:
            hazard = None
    if hazard is None:
        raise Http404(_("No such hazard."))
    hazard.followers.add(actor)
    return hazard


# --- time limits -------------------------------------------------------------------------
@dataclass
class SweepResult:
    marked_overdue: int = 0
    escalations: int = 0
    checked: int = 0


def sweep_overdue(now: datetime | None = None, batch: int = 500) -> SweepResult:
    """Mark hazards whose rectification deadline passed as overdue and escalate
    them one level up the tree each time a limit passes. Idempotent, and safe to
    run from two workers at once: each hazard is re-read under its row lock and
    changed only if its level is still behind."""
    now = now or timezone.now()
    result = SweepResult()
    from anxin.hazards.selectors import due_for_sweep

    candidate_ids = list(due_for_sweep(now).values_list("pk", flat=True).order_by("pk"))
    for start in range(0, len(candidate_ids), batch):
        for hazard_id in candidate_ids[start : start + batch]:
            result.checked += 1
            marked, escalated = _sweep_one(hazard_id, now)
            result.marked_overdue += marked
            result.escalations += escalated
    return result


def _sweep_one(hazard_id: int, now: datetime) -> tuple[int, int]:
    from django.db import connection

    with transaction.atomic():
        queryset = Hazard.objects.select_related("community", "category")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        hazard = queryset.filter(pk=hazard_id).first()
        if hazard is None or hazard.status not in DEADLINE_STATUSES or hazard.deadline is None:
            return 0, 0
        if hazard.deadline >= now:
            return 0, 0
        limit = deadlines.limit_for(TimeLimitStep.RECTIFY, hazard.risk_colour, hazard.community)
        limit = limit or deadlines.Limit(days=1)
        wanted = deadlines.escalation_level_due(hazard.risk_colour, hazard.deadline, limit, now)
        events: list[HazardEvent] = []
        marked = 0
        if not hazard.is_overdue:
            hazard.is_overdue = True
            hazard.overdue_since = hazard.deadline
            marked = 1
            events.append(
                _event(
                    hazard,
                    EventKind.OVERDUE,
                    None,
                    action="overdue",
                    from_status=hazard.status,
                    to_status=hazard.status,
                    role="system",
                    at=now,
                    data={"deadline": hazard.deadline.isoformat()},
                )
            )
        escalated = 0
        first = deadlines.FIRST_ESCALATION.get(hazard.risk_colour, 1)
        while hazard.escalation_level < wanted:
            # The first escalation goes straight to the colour's level (yellow to
            # the street); later ones climb one level each.
            hazard.escalation_level = max(hazard.escalation_level + 1, first)
            escalated += 1
            events.append(
                _event(
                    hazard,
                    EventKind.ESCALATION,
                    None,
                    action="escalate",
                    from_status=hazard.status,
                    to_status=hazard.status,
                    role="system",
                    at=now,
                    data={"level": hazard.escalation_level},
                )
            )
        # The next time this hazard needs the sweep (None once at the top level).
        hazard.next_escalation_at = deadlines.next_escalation_at(
            hazard.risk_colour, hazard.deadline, limit, hazard.escalation_level
        )
        hazard.save(
            update_fields=[
                "is_overdue",
                "overdue_since",
                "escalation_level",
                "next_escalation_at",
                "updated_at",
            ]
        )
        if events:
            _after_commit(hazard.pk, "escalation" if escalated else "overdue", events)
        return marked, escalated
