"""Background work is recorded with the change that causes it and relayed after
commit; when the broker is down it waits in the outbox and goes out later."""

from __future__ import annotations

import pytest
from django.db import transaction

from anxin.core.models import WorkerHeartbeat
from anxin.outbox import actions
from anxin.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

HEARTBEAT = "anxin.core.tasks.heartbeat"


def test_work_is_recorded_in_the_transaction_and_relayed_on_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.enqueue(HEARTBEAT, key="beat-1")
    assert message is not None
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1
    assert WorkerHeartbeat.objects.exists()  # the task ran (eagerly, in tests)


def test_rolled_back_change_leaves_no_work():
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.enqueue(HEARTBEAT, key="beat-rolled-back")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_same_key_is_enqueued_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.enqueue(HEARTBEAT, key="same") is not None
        assert actions.enqueue(HEARTBEAT, key="same") is None
    assert OutboxMessage.objects.count() == 1


def test_broker_down_keeps_the_work_until_the_relay_sends_it(monkeypatch, settings):
    # Through the real broker of the embedded default (kombu's filesystem
    # transport), which is "down" until the monkeypatch is undone.
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(message, producer=None):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6390")

    monkeypatch.setattr(actions, "_send", broker_down)
    with transaction.atomic():
        actions.enqueue(HEARTBEAT, key="a")
        actions.enqueue(HEARTBEAT, key="b")
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert actions.relay_pending() == 0  # down: nothing sent, nothing lost
    assert pending.count() == 2
    assert "ConnectionRefusedError" in pending.first().last_error  # type: ignore[union-attr]

    monkeypatch.undo()  # the broker is back
    assert actions.relay_pending() == 2
    sent = OutboxMessage.objects.order_by("id")
    assert [(m.sent_at is not None, m.attempts, m.last_error) for m in sent] == [
        (True, 2, ""),
        (True, 1, ""),
    ]
