"""Work committed while a request is served goes to the relay thread once the
response is sent (the thread would otherwise compete with the request for the
interpreter); outside a request, at once. Its relay thread keeps one database
connection from message to message."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.signals import request_finished, request_started
from django.db import connections, transaction

from anxin.outbox import actions
from anxin.outbox.models import OutboxMessage

HEARTBEAT = "anxin.core.tasks.heartbeat"


@pytest.fixture
def submitted(monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.OUTBOX_RELAY_IN_THREAD = True
    queued: list[int] = []
    monkeypatch.setattr(actions.relayer, "_ensure_thread", lambda: None)
    monkeypatch.setattr(actions.relayer, "_queue", type("Q", (), {"put": queued.append})())
    return queued


@pytest.mark.django_db(transaction=True)
def test_work_of_a_request_is_relayed_when_the_response_is_sent(submitted):
    request_started.send(sender=None)
    try:
        with transaction.atomic():
            message = actions.enqueue(HEARTBEAT, key="in-request")
        assert message is not None
        assert submitted == []  # committed, in the outbox, not yet handed over
        assert OutboxMessage.objects.filter(pk=message.pk).exists()
    finally:
        request_finished.send(sender=None)
    assert [m.pk for m in submitted] == [message.pk]  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_work_outside_a_request_is_relayed_at_once(submitted):
    with transaction.atomic():
        message = actions.enqueue(HEARTBEAT, key="no-request")
    assert message is not None
    assert [m.pk for m in submitted] == [message.pk]  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_api_report_is_relayed_after_its_answer(submitted, personas, api_client):
    api_client.force_authenticate(personas.grid_worker)
    response = api_client.post(
        "/api/v1/hazards/", {"category": "0101", "lat": 30.015, "lng": 120.007}, format="json"
    )
    assert response.status_code == 201
    assert len(submitted) == 1  # the test client closes the response: request_finished
    assert submitted[0].kwargs["hazard_id"] == response.json()["id"]  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_relay_thread_keeps_its_connection(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.OUTBOX_RELAY_IN_THREAD = True
    opened: list[str] = []
    wrapper = type(connections["default"])
    connect = wrapper.connect

    def counting_connect(self):  # type: ignore[no-untyped-def]
        opened.append(threading.current_thread().name)
        return connect(self)

    monkeypatch.setattr(wrapper, "connect", counting_connect)
    # As in production on SQLite: a request's connection lives for one request.
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    try:
        ids = []
        for n in range(4):
            with transaction.atomic():
                message = actions.enqueue(HEARTBEAT, key=f"kept-{n}")
            assert message is not None
            ids.append(message.pk)
        deadline = time.monotonic() + 20
        while OutboxMessage.objects.filter(pk__in=ids, sent_at__isnull=True).exists():
            assert time.monotonic() < deadline, "the relay thread did not send them"
            time.sleep(0.05)
    finally:
        actions.relayer.stop()
    # One connection for the four messages (not one per message).
    assert opened.count("anxin-outbox-relay") == 1, opened
