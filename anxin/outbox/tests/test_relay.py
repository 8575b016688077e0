"""The outbox relay runs in the worker: processes that serve requests only write
the outbox row, and the relay sends it once committed (woken by PostgreSQL's
NOTIFY, or looking every OUTBOX_POLL_SECONDS)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from anxin.outbox import actions
from anxin.outbox.models import OutboxMessage

HEARTBEAT = "anxin.core.tasks.heartbeat"
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="LISTEN/NOTIFY and SKIP LOCKED"
)


def wait_until_sent(ids: list[int], seconds: float) -> float:
    started = time.monotonic()
    while OutboxMessage.objects.filter(pk__in=ids, sent_at__isnull=True).exists():
        assert time.monotonic() - started < seconds, "the relay did not send them"
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def through_broker(settings):
    """As in production: no task runs in this process."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def sends(monkeypatch):
    """Record what reaches the broker (thread-safe)."""
    sent: list[int] = []
    lock = threading.Lock()

    def record(message: OutboxMessage, producer: object = None) -> None:
        with lock:
            sent.append(message.pk)

    monkeypatch.setattr(actions, "_send", record)
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_report_request_only_writes_the_outbox_row(through_broker, sends, personas, api_client):
    api_client.force_authenticate(personas.grid_worker)
    response = api_client.post(
        "/api/v1/hazards/", {"category": "0101", "lat": 30.015, "lng": 120.007}, format="json"
    )
    assert response.status_code == 201
    row = OutboxMessage.objects.get()
    assert row.kwargs["hazard_id"] == response.json()["id"]
    assert row.sent_at is None and sends == []  # nothing went to the broker from here


@pytest.mark.django_db(transaction=True)
def test_the_relay_sends_committed_work_through_the_real_broker(through_broker, settings):
    settings.OUTBOX_POLL_SECONDS = 0.05
    relay = actions.OutboxRelay()
    relay.start()
    try:
        with transaction.atomic():
            ids = [actions.enqueue(HEARTBEAT, key=f"relayed-{n}").pk for n in range(3)]  # type: ignore[union-attr]
        wait_until_sent(ids, 20)
    finally:
        relay.stop()
    rows = OutboxMessage.objects.filter(pk__in=ids)
    assert [(r.attempts, r.last_error) for r in rows] == [(1, "")] * 3


@pytest.mark.django_db(transaction=True)
def test_rolled_back_work_is_never_sent(through_broker, sends, settings):
    settings.OUTBOX_POLL_SECONDS = 0.05
    relay = actions.OutboxRelay()
    relay.start()
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.enqueue(HEARTBEAT, key="rolled-back")
            raise RuntimeError("the change failed")
        with transaction.atomic():
            kept = actions.enqueue(HEARTBEAT, key="kept")
        assert kept is not None
        wait_until_sent([kept.pk], 20)
    finally:
        relay.stop()
    assert sends == [kept.pk]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_wakes_the_relay_at_commit(through_broker, sends, settings):
    settings.OUTBOX_POLL_SECONDS = 60  # only the notification can wake it in time
    relay = actions.OutboxRelay()
    relay.start()
    try:
        time.sleep(0.5)  # let it find the outbox empty and start listening
        with transaction.atomic():
            message = actions.enqueue(HEARTBEAT, key="woken")
        assert message is not None
        took = wait_until_sent([message.pk], 10)
    finally:
        relay.stop(timeout=1)
    assert took < 5
    assert sends == [message.pk]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_relays_send_each_message_once(through_broker, sends, settings, monkeypatch):
    settings.OUTBOX_POLL_SECONDS = 0.05
    slow_send = actions._send

    def slowly(message: OutboxMessage, producer: object = None) -> None:
        time.sleep(0.002)
        slow_send(message)

    monkeypatch.setattr(actions, "_send", slowly)
    with transaction.atomic():
        ids = [actions.enqueue(HEARTBEAT, key=f"shared-{n}").pk for n in range(150)]  # type: ignore[union-attr]
    relays = [actions.OutboxRelay(), actions.OutboxRelay()]
    for relay in relays:
        relay.start()
    try:
        wait_until_sent(ids, 30)
    finally:
        for relay in relays:
            relay.stop()
    assert sorted(sends) == sorted(ids)
    assert Counter(sends).most_common(1)[0][1] == 1
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_commits_is_relayed_in_few_rounds(through_broker, sends, settings, monkeypatch):
    """Each round costs the machine a few ms whatever it sends; under load the relay
    gathers the commits of a moment (OUTBOX_BATCH_SECONDS, or the polling
    interval) into one round instead of one round per commit."""
    settings.OUTBOX_POLL_SECONDS = 0.5
    settings.OUTBOX_BATCH_SECONDS = 0.5
    rounds: list[int] = []
    batch = actions.relay_batch

    def counted(limit: int = 100, older_than_seconds: float = 0) -> tuple[int, bool]:
        sent, failed = batch(limit, older_than_seconds)
        if sent:
            rounds.append(sent)
        return sent, failed

    monkeypatch.setattr(actions, "relay_batch", counted)
    relay = actions.OutboxRelay()
    relay.start()
    try:
        time.sleep(0.6)  # idle: waiting for work
        ids = []
        for n in range(10):  # ten requests, each its own transaction
            with transaction.atomic():
                ids.append(actions.enqueue(HEARTBEAT, key=f"burst-{n}").pk)  # type: ignore[union-attr]
        wait_until_sent(ids, 20)
    finally:
        relay.stop()
    assert sorted(sends) == sorted(ids)
    assert sum(rounds) == 10 and len(rounds) <= 2, rounds
