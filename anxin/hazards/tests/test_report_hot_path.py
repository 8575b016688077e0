"""The report's hot path takes short cuts (a plain JSON report validated without
building the serializer, the answer written out by hand, the file and its first
event inserted by one prepared statement, the duplicate search in one SELECT
around the reporter's scope): each must give exactly what the long way gives."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework import serializers

from anxin.accounts.models import User
from anxin.areas.spatial import distance_m
from anxin.hazards import actions, selectors, statements
from anxin.hazards.actions import report as report_module
from anxin.hazards.api.serializers import HazardCreatedSerializer, HazardCreateSerializer
from anxin.hazards.models import Hazard, HazardEvent, SequenceCounter
from anxin.hazards.selectors import cells_within, duplicate_candidates, duplicate_summaries
from anxin.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

LAT, LNG = 30.015, 120.007


# --- input ------------------------------------------------------------------------------
VALID = {
    "category": " 0101 ",
    "lat": 30.015,
    "lng": 120,
    "title": "  消防通道堵塞 ",
    "description": "",
    "address": "1幢",
    "risk_colour": "red",
    "source": "patrol",
    "quantity": "3",
    "idempotency_key": "k1",
}
VARIANTS = [
    {},
    {"grade": "major"},
    {"lat": "30.015"},  # a number as text: the serializer converts it
    {"lat": True},
    {"lat": 91},
    {"lng": -180.5},
    {"lat": float("nan")},
    {"lat": 10**400},
    {"lat": None},
    {"category": ""},
    {"category": "01010"},
    {"category": 101},
    {"title": "x" * 121},
    {"title": "   "},
    {"title": "a\x00b"},
    {"title": "\ud800"},
    {"description": "y" * 4001},
    {"risk_colour": "purple"},
    {"risk_colour": ""},
    {"grade": None},
    {"source": "RESIDENT"},
    {"found_at": "2026-01-02T03:04:05+08:00"},
    {"idempotency_key": ""},
    {"idempotency_key": "z" * 65},
    {"unknown": "ignored"},
    {"attachments": []},
]


@pytest.mark.parametrize("change", VARIANTS)
@pytest.mark.parametrize("drop", [None, "category", "lat", "title", "grade", "risk_colour"])
def test_fast_validation_is_the_serializers(change, drop):
    data = {**VALID, **change}
    if drop:
        data.pop(drop, None)
    serializer = HazardCreateSerializer(data=data)
    valid = serializer.is_valid()
    fast = HazardCreateSerializer.validated_or_none(data)
    if fast is not None:  # taken only when the serializer agrees, value for value
        assert valid, serializer.errors
        assert fast == dict(serializer.validated_data)
        assert [type(v) for v in fast.values()] == [
            type(v) for v in dict(serializer.validated_data).values()
        ]


def test_a_plain_report_takes_the_fast_path_and_bad_input_the_serializer():
    assert HazardCreateSerializer.validated_or_none(VALID) is not None
    assert HazardCreateSerializer.validated_or_none({**VALID, "lat": 91}) is None
    assert HazardCreateSerializer.validated_or_none({**VALID, "lat": "30"}) is None


def test_bad_json_report_gets_the_serializers_errors(api_client, personas):
    api_client.force_authenticate(personas.grid_worker)
    response = api_client.post(
        "/api/v1/hazards/", {**VALID, "lat": 91, "title": "x" * 121}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"lat", "title"}
    serializer = HazardCreateSerializer(data={**VALID, "lat": 91, "title": "x" * 121})
    assert not serializer.is_valid()
    assert errors == {k: [str(m) for m in v] for k, v in serializer.errors.items()}
    assert not Hazard.objects.exists()


# --- the report as stored and answered ---------------------------------------------------
def test_report_rows_are_those_the_orm_writes(personas, monkeypatch):
    fast = actions.report_hazard(
        reporter=personas.grid_worker,
        category="0101",
        title="t",
        idempotency_key="a",
        lat=LAT,
        lng=LNG,
    ).hazard

    def orm_insert(obj):
        obj.save(force_insert=True)

    def in_steps(hazard, event, code, reporter):  # PostgreSQL: not in one statement
        report_module._write_report(hazard, event, code, (), reporter)

    monkeypatch.setattr(report_module, "_insert_new", orm_insert)
    monkeypatch.setattr(report_module, "_write_report_in_one_statement", in_steps)
    slow = actions.report_hazard(
        reporter=personas.grid_worker,
        category="0101",
        title="t",
        idempotency_key="b",
        lat=LAT,
        lng=LNG,
    ).hazard
    skip = {"id", "uuid", "code", "machine_code", "idempotency_key", "updated_at"}
    skip |= {"reported_at", "found_at", "verify_deadline"}
    a = Hazard.objects.filter(pk=fast.pk).values().get()
    b = Hazard.objects.filter(pk=slow.pk).values().get()
    assert {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }
    assert a["code"].endswith("-001") and b["code"].endswith("-002")
    assert a["machine_code"].endswith("-0001") and b["machine_code"].endswith("-0002")
    fast.refresh_from_db()
    assert fast.updated_at is not None and fast.uuid is not None
    ea = HazardEvent.objects.filter(hazard=fast).values().get()
    eb = HazardEvent.objects.filter(hazard=slow).values().get()
    skip = {"id", "hazard_id", "created_at"}
    assert {k: v for k, v in ea.items() if k not in skip} == {
        k: v for k, v in eb.items() if k not in skip
    }
    assert ea["created_at"] == a["reported_at"]
    for hazard, event in ((fast, ea), (slow, eb)):
        message = OutboxMessage.objects.get(key=f"hazard-changed:{event['id']}")
        assert message.task == "anxin.hazards.tasks.hazard_changed"
        assert message.kwargs == {
            "hazard_id": hazard.pk,
            "kind": "reported",
            "event_ids": [event["id"]],
        }


def _prepared_reports() -> int:
    """The report statements the server keeps prepared for this connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["WITH counters AS (INSERT INTO%"],
        )
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the report is written in one prepared statement only on PostgreSQL; SQLite "
    "takes the transaction of steps, covered by the other tests of this file",
)
@pytest.mark.parametrize("prepare", [True, False])
def test_the_report_statement_is_prepared_from_its_second_run(personas, monkeypatch, prepare):
    """On PostgreSQL the server keeps the report's statement prepared from its
    second run on a connection (``PG_PREPARED_STATEMENTS=0``: never), and a
    prepared run writes what the first, unprepared one wrote."""
    connection.ensure_connection()
    if not prepare:  # as settings set it with PG_PREPARED_STATEMENTS=0
        monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    hazards, prepared = [], []
    for i in range(3):
        result = actions.report_hazard(
            reporter=personas.grid_worker,
            category="0101",
            title="t",
            reporter_phone=["", "13800000000", ""][i],
            idempotency_key=f"p{i}",
            lat=LAT,
            lng=LNG,
        )
        hazards.append(result.hazard)
        prepared.append(_prepared_reports())
    assert prepared == ([0, 1, 1] if prepare else [0, 0, 0])
    assert [h.code[-3:] for h in hazards] == ["001", "002", "003"]
    skip = {"id", "uuid", "code", "machine_code", "idempotency_key", "updated_at"}
    skip |= {"reported_at", "found_at", "verify_deadline"}
    first, _second, third = (Hazard.objects.filter(pk=h.pk).values().get() for h in hazards)
    assert {k: v for k, v in first.items() if k not in skip} == {
        k: v for k, v in third.items() if k not in skip
    }
    assert HazardEvent.objects.filter(hazard_id__in=[h.pk for h in hazards]).count() == 3
    assert OutboxMessage.objects.filter(key__startswith="hazard-changed:").count() == 3


@pytest.mark.parametrize("one_statement", [True, False])
def test_codes_grow_past_their_width(personas, monkeypatch, one_statement):
    if not one_statement:
        monkeypatch.setattr(
            report_module,
            "_write_report_in_one_statement",
            lambda h, e, c, r: report_module._write_report(h, e, c, (), r),
        )
    first = actions.report_hazard(
        reporter=personas.grid_worker, category="0101", title="t", lat=LAT, lng=LNG
    ).hazard
    assert first.code.endswith("-001") and first.machine_code.endswith("-0001")
    code_key, machine_key = SequenceCounter.objects.order_by("key").values_list("key", flat=True)
    SequenceCounter.objects.filter(key=code_key).update(value=999)
    SequenceCounter.objects.filter(key=machine_key).update(value=9999)
    hazard = actions.report_hazard(
        reporter=personas.grid_worker, category="0101", title="t", lat=LAT, lng=LNG
    ).hazard
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.code, stored.machine_code) == (hazard.code, hazard.machine_code)
    assert stored.code == first.code[:-3] + "1000"
    assert stored.machine_code == first.machine_code[:-4] + "10000"


def test_duplicates_in_the_answer_are_those_searched_afterwards(personas, tree):
    """On PostgreSQL the report's statement searches before its own row exists."""
    rng = random.Random(5)
    for i in range(12):
        actions.report_hazard(
            reporter=personas.grid_worker,
            category="0101",
            title=f"near {i}",
            lat=LAT + rng.uniform(-0.0004, 0.0004),
            lng=LNG + rng.uniform(-0.0004, 0.0004),
        )
    result = actions.report_hazard(
        reporter=personas.grid_worker, category="0101", title="t", lat=LAT, lng=LNG
    )
    answered = [(h.pk, h.code, h.status, h.reported_at) for h in result.duplicates]
    searched = [
        (h.pk, h.code, h.status, h.reported_at)
        for h in duplicate_candidates(result.hazard, visible_to=personas.grid_worker)
    ]
    assert answered == searched
    assert 0 < len(answered) <= selectors.DUPLICATES_SHOWN
    assert result.hazard.pk not in {pk for pk, *_rest in answered}


def test_column_values_are_those_the_orm_prepares(personas):
    """The insert skips get_db_prep_save only where it would hand the value back."""
    from django.db import connection
    from django.utils import timezone

    hazard = actions.report_hazard(
        reporter=personas.grid_worker, category="0101", title="t", lat=LAT, lng=LNG
    ).hazard
    copy = Hazard.objects.get(pk=hazard.pk)
    copy.pk, copy._state.adding = None, True
    copy.deadline = timezone.now()
    copy.six_item_plan = {"measures": "围挡"}
    copy.is_listed, copy.escalation_level, copy.nearest_place_distance_m = True, 2, 3.5
    event = HazardEvent(hazard=hazard, kind="note", actor=None, data={}, created_at=timezone.now())
    for obj in (copy, event):
        fields = [f for f in type(obj)._meta.local_concrete_fields if not f.primary_key]
        plan = [statements.column(f, connection) for f in fields]
        expected = [
            f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields
        ]
        got = statements.db_values(obj, plan, connection)
        for f, a, b in zip(fields, got, expected, strict=True):
            if f.name == "updated_at":  # auto_now: a new time on each call
                assert type(a) is type(b)
                continue
            if hasattr(b, "obj"):  # psycopg's Jsonb wrapper has no equality of its own
                a, b = (type(a), a.obj), (type(b), b.obj)
            assert (type(a), a) == (type(b), b), f.name


def test_counters_start_at_one_and_count_on(personas):
    for n in (1, 2, 3):
        hazard = actions.report_hazard(
            reporter=personas.grid_worker, category="0101", lat=LAT, lng=LNG
        ).hazard
        assert hazard.code.endswith(f"-{n:03d}")
        assert hazard.machine_code.endswith(f"-{n:04d}")
    assert SequenceCounter.objects.filter(value=3).count() == 2


def test_answer_is_what_the_declared_fields_give(api_client, personas):
    for _ in range(3):  # the later ones have duplicates
        actions.report_hazard(reporter=personas.grid_worker, category="0101", lat=LAT, lng=LNG)
    api_client.force_authenticate(personas.grid_worker)
    key = uuid.uuid4().hex
    for expect in (201, 200):  # first report, then the replay
        response = api_client.post(
            "/api/v1/hazards/",
            {"category": "0101", "lat": LAT, "lng": LNG, "title": "t"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert response.status_code == expect
    result = actions.report_hazard(reporter=personas.grid_worker, category="0101", lat=LAT, lng=LNG)
    assert len(result.duplicates) == 4
    for res in (result, actions.ReportResult(hazard=result.hazard, created=False)):
        written = HazardCreatedSerializer(res, context={}).data
        declared = serializers.Serializer.to_representation(
            HazardCreatedSerializer(res, context={}), res
        )
        assert written == declared
        assert [type(v) for v in written.values()] == [type(v) for v in declared.values()]


# --- duplicates ----------------------------------------------------------------------------
@pytest.mark.parametrize("scope_in_sql", [True, False])
def test_duplicates_in_one_select_are_those_of_the_orm(personas, tree, monkeypatch, scope_in_sql):
    """One SELECT around the scope's WHERE clause or, when the scope needs a
    join (forced here), one ORM query of the few fields: the ORM's answer."""
    if not scope_in_sql:
        monkeypatch.setattr(selectors, "_scope_where", lambda *args: None)
    rng = random.Random(4)
    for _ in range(40):
        actions.report_hazard(
            reporter=rng.choice([personas.grid_worker, personas.resident, None]),
            category=rng.choice(["0101", "0102"]),
            lat=30.015 + rng.uniform(-0.0006, 0.0006),
            lng=120.007 + rng.uniform(-0.0006, 0.0006),
        )
    Hazard.objects.filter(pk__in=Hazard.objects.order_by("?").values("pk")[:8]).update(
        status="closed"
    )
    old = Hazard.objects.order_by("id").first()
    assert old is not None
    Hazard.objects.filter(pk=old.pk).update(reported_at=old.reported_at - timedelta(days=400))
    users = [v for v in vars(personas).values() if isinstance(v, User)]
    assert len(users) > 8
    viewers = ["everyone", None, *users]
    found = 0
    for hazard in Hazard.objects.select_related("category"):
        for viewer in viewers:
            one = duplicate_summaries(hazard, visible_to=viewer)
            orm = duplicate_candidates(hazard, visible_to=viewer)
            assert [h.pk for h in one] == [h.pk for h in orm]
            assert [(h.code, h.status, h.reported_at) for h in one] == [
                (h.code, h.status, h.reported_at) for h in orm
            ]
            assert [c.distance_m for c in one] == [
                round(distance_m(hazard.lat, hazard.lng, h.lat, h.lng), 1) for h in orm
            ]
            found += len(one)
    assert found > 0


@pytest.mark.parametrize("radius", [10, 50, 100, 150, 500])
def test_cells_hold_every_point_within_the_radius(radius):
    import math

    import h3

    rng = random.Random(radius)
    for _ in range(200):
        lat, lng = rng.uniform(-70, 70), rng.uniform(-180, 180)
        resolution, cells = cells_within(lat, lng, radius)
        kept = set(cells)
        for _ in range(20):
            d, angle = radius * math.sqrt(rng.random()) * 0.999, rng.uniform(0, 2 * math.pi)
            p_lat = lat + d * math.cos(angle) / 111_195
            p_lng = lng + d * math.sin(angle) / (111_195 * math.cos(math.radians(lat)))
            if distance_m(lat, lng, p_lat, p_lng) <= radius:
                assert h3.latlng_to_cell(p_lat, p_lng, resolution) in kept


def test_answer_offers_nearby_duplicates_nearest_first_with_their_distance(api_client, personas):
    """What a reporter sees of possible duplicates: nearest first, each with how
    far it lies from the point just reported."""
    for offset in (0.0003, 0.0001, 0.0002):
        actions.report_hazard(
            reporter=personas.grid_worker, category="0101", lat=LAT + offset, lng=LNG
        )
    api_client.force_authenticate(personas.grid_worker)
    response = api_client.post(
        "/api/v1/hazards/", {"category": "0101", "lat": LAT, "lng": LNG}, format="json"
    )
    assert response.status_code == 201
    offered = response.json()["duplicates"]
    distances = [d["distance_m"] for d in offered]
    assert len(offered) == 3
    assert distances == sorted(distances)
    for d in offered:
        assert d["distance_m"] == round(distance_m(LAT, LNG, d["lat"], d["lng"]), 1)
    assert 10 < distances[0] < 12 < 22 < distances[1] < 23 < 33 < distances[2] < 34
