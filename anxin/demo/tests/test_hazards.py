"""A year of demo hazards: what the files look like and that they hold together
the way the real actions would have left them."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from anxin.accounts.models import User
from anxin.areas.spatial import resolve_point
from anxin.demo.generator import DemoConfig, build_demo
from anxin.demo.hazards import HazardConfig, generate_hazards, stored_digest
from anxin.hazards import deadlines, routing
from anxin.hazards.actions import report_hazard, sweep_overdue
from anxin.hazards.choices import DEADLINE_STATUSES, OPEN_STATUSES, Status, TimeLimitStep
from anxin.hazards.models import Hazard, HazardEvent, SequenceCounter
from anxin.hazards.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db

# 12:00 in Hangzhou, a whole number of sweep periods: the real sweep and the
# generated one look at the same moment.
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CODE = re.compile(r"^(?P<place>.+社区)-(?P<main>.+)-(?P<level>低|中|高|重大)-(?P<seq>\d{3,})$")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    return seed("--hazards", "300", "--seed", "5", "--now", NOW.isoformat())


def seq_of(code: str) -> int:
    match = CODE.match(code)
    assert match is not None, code
    return int(match["seq"])


def events_of(hazard: Hazard) -> list[HazardEvent]:
    return list(hazard.events.order_by("created_at", "id"))


def test_seed_demo_writes_the_hazards_asked_for(seeded):
    assert Hazard.objects.count() == 300
    assert "Generated 300 hazards" in seeded or "300" in seeded


def test_plain_seed_demo_gives_a_lived_in_district():
    seed()

    assert Hazard.objects.count() == 600
    reported = Hazard.objects.values_list("reported_at", flat=True)
    assert min(reported) >= timezone.now() - timedelta(days=366)
    assert max(reported) <= timezone.now()


def test_statuses_are_a_mix_old_files_closed_recent_ones_open(seeded):
    statuses = Counter(Hazard.objects.values_list("status", flat=True))

    assert statuses[Status.CLOSED] > 150
    assert statuses[Status.REJECTED] + statuses[Status.MERGED] > 0
    assert sum(statuses[s] for s in OPEN_STATUSES) >= 5
    assert len(statuses) >= 4
    old = Hazard.objects.filter(reported_at__lt=NOW - timedelta(days=120))
    assert old.filter(status=Status.CLOSED).count() > 0.8 * old.count()
    assert Hazard.objects.filter(is_overdue=True).exists()
    assert Hazard.objects.filter(escalation_level__gt=0).exists()
    assert Hazard.objects.exclude(publicised_at=None).filter(status=Status.CLOSED).exists()
    assert Hazard.objects.filter(grade="major").count() < 0.08 * 300


def test_every_timeline_follows_the_state_machine(seeded):
    for hazard in Hazard.objects.all():
        events = events_of(hazard)
        first = events[0]
        assert (first.action, first.from_status, first.to_status) == ("report", "", "reported")
        assert first.created_at == hazard.reported_at
        status = Status.REPORTED
        for event in events[1:]:
            t = TRANSITIONS.get(event.action)
            if t is not None and event.from_status != event.to_status:
                assert event.from_status == status, (hazard.code, event)
                assert event.from_status in t.sources, (hazard.code, event)
                assert event.to_status == t.target, (hazard.code, event)
                status = Status(event.to_status)
            else:  # reviews, flags, overdue marks: no change of status
                assert event.from_status == event.to_status == status, (hazard.code, event)
        assert hazard.status == status, hazard.code
        times = [e.created_at for e in events]
        assert times == sorted(times) and times[-1] <= NOW


def test_timestamps_follow_the_timeline(seeded):
    for hazard in Hazard.objects.all():
        by_action = {e.action: e.created_at for e in events_of(hazard)}
        assert hazard.found_at <= hazard.reported_at
        if hazard.verified_at:
            assert hazard.verified_at == by_action["verify"]
        if hazard.closed_at:
            assert hazard.status == Status.CLOSED
            assert hazard.closed_at == by_action["pass_recheck"] >= hazard.rectified_at
        if hazard.publicised_at:
            assert hazard.publicised_at >= hazard.closed_at
        if hazard.status in DEADLINE_STATUSES:
            assert hazard.deadline is not None and hazard.responsible_organisation_id


def test_codes_never_repeat_within_a_community_and_class(seeded):
    seen: Counter[tuple[int | None, str, int]] = Counter()
    for community_id, code, category in Hazard.objects.values_list(
        "community_id", "code", "category__parent__name_zh"
    ):
        match = CODE.match(code)
        assert match is not None, code
        assert match["main"] == category
        seen[(community_id, match["main"], int(match["seq"]))] += 1
    assert max(seen.values()) == 1
    machine_codes = list(Hazard.objects.values_list("machine_code", flat=True))
    assert len(set(machine_codes)) == len(machine_codes)
    assert all(re.match(r"^\d{15}-\d{4}-\d{8}-\d{4}$", m) for m in machine_codes)


def test_every_point_resolves_to_the_areas_stored(seeded):
    for hazard in Hazard.objects.all():
        resolution = resolve_point(hazard.lat, hazard.lng)
        assert resolution.deepest_id == hazard.area_id, hazard.code
        assert resolution.id_of("grid") == hazard.grid_id
        assert resolution.id_of("community") == hazard.community_id
        assert resolution.id_of("street") == hazard.street_id
        assert resolution.id_of("building") == hazard.building_id
        assert hazard.area_path == hazard.area.path


def test_dispatch_and_deadlines_follow_routing_and_time_limits(seeded):
    checked = 0
    for hazard in Hazard.objects.select_related("category", "community"):
        events = events_of(hazard)
        dispatches = [e for e in events if e.action == "dispatch" and e.to_status == "dispatched"]
        if not dispatches or any(e.action == "return" for e in events):
            continue
        first = dispatches[0]
        if first.actor_role == "system":
            expected = routing.responsible_organisation(hazard)
            assert expected is not None and first.data["organisation"] == expected.pk
        if hazard.category.deadline_days is None:
            due = deadlines.due(
                TimeLimitStep.RECTIFY, hazard.risk_colour, hazard.community, first.created_at
            )
            assert due is not None and first.data["deadline"] == due.isoformat()
        checked += 1
    assert checked > 100


def test_overdue_marks_are_what_the_sweep_would_have_written(seeded):
    result = sweep_overdue(now=NOW)

    assert (result.marked_overdue, result.escalations) == (0, 0)
    late = Hazard.objects.filter(status__in=DEADLINE_STATUSES, deadline__lt=NOW)
    assert late.exists()
    assert not late.filter(is_overdue=False).exists()


def test_people_of_the_demo_appear_where_their_role_puts_them(seeded):
    grid_worker = User.objects.get(username="grid_worker")
    resident = User.objects.get(username="resident")
    patrols = Hazard.objects.filter(reporter=grid_worker)

    assert patrols.exists()
    assert all(h.grid_id == grid_worker.memberships.get().area_id for h in patrols)
    assert Hazard.objects.filter(reporter=resident, source="resident").exists()
    assert HazardEvent.objects.filter(actor__username="safety_officer").exists()


def test_the_same_seed_gives_the_same_hazards_and_another_seed_others():
    build_demo(DemoConfig(hazards=0))

    def digest(seed: int) -> tuple[str, str]:
        with transaction.atomic():
            result = generate_hazards("330106", HazardConfig(count=200, seed=seed, now=NOW))
            stored = stored_digest("330106")
            transaction.set_rollback(True)
        return result.digest, stored

    first, stored = digest(5)
    assert first == stored  # the database holds exactly what was generated
    assert digest(5)[0] == first
    assert digest(6)[0] != first


def test_a_real_report_after_seeding_takes_the_next_number(seeded):
    grid_worker = User.objects.get(username="grid_worker")
    grid = grid_worker.memberships.get().area
    building = grid.children.order_by("code").first()
    community = grid.parent
    key = f"code:{community.code}:01"
    codes = Hazard.objects.filter(community=community, category__parent__code="01")
    before = [seq_of(c) for c in codes.values_list("code", flat=True)]

    result = report_hazard(
        reporter=grid_worker,
        category="0101",
        lat=building.centroid_lat,
        lng=building.centroid_lng,
        address="test",
    )

    seq = seq_of(result.hazard.code)
    assert seq == max(before, default=0) + 1
    assert SequenceCounter.objects.get(key=key).value == seq


def test_a_district_seeded_before_hazards_gets_them_once():
    seed("--hazards", "0")
    assert not Hazard.objects.exists()

    seed("--hazards", "50", "--now", NOW.isoformat())
    seed("--hazards", "50", "--now", NOW.isoformat())

    assert Hazard.objects.count() == 50
