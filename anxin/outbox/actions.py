"""Enqueue background work through the outbox and relay it to the broker."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from anxin.outbox.models import OutboxMessage

log = logging.getLogger(__name__)


def enqueue(task: str, key: str | None = None, **kwargs: Any) -> OutboxMessage | None:
    """Record ``task(**kwargs)`` in the current transaction; relay it after commit.

    Returns None when work with the same ``key`` was already enqueued.
    """
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(task=task, kwargs=kwargs, key=key)
    except IntegrityError:
        if key is None:
            raise
        return None
    if settings.OUTBOX_RELAY_ON_COMMIT:
        transaction.on_commit(lambda: relay_one(message.pk))
    return message


def _send(message: OutboxMessage) -> None:
    from anxin.celery import app

    with app.producer_or_acquire() as producer:
        # Fail at once when the broker is down: kombu would otherwise keep trying
        # to connect for about 6 s, inside the web request that reported the
        # hazard. The message stays in the outbox and the periodic relay sends it.
        producer.connection.ensure_connection(max_retries=0)
        app.send_task(
            message.task,
            kwargs=message.kwargs,
            task_id=f"outbox-{message.pk}-{message.attempts}",
            retry=False,
            producer=producer,
        )


def relay_one(message_id: int) -> bool:
    """Send one message to the broker; on failure leave it for the relay sweep.

    The row is marked sent in its own short transaction after the broker took
    it. A crash between the two sends it again later: tasks are idempotent.
    """
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return False
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Tests: run the task in-process as a worker would; its errors surface.
        from anxin.celery import app

        OutboxMessage.objects.filter(pk=message.pk).update(
            sent_at=timezone.now(), attempts=message.attempts + 1
        )
        app.loader.import_default_modules()
        app.tasks[message.task].apply(kwargs=message.kwargs, throw=True)
        return True
    try:
        _send(message)
    except Exception as exc:  # the broker is down or refuses: keep it for later
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        log.warning("outbox: %s #%s not sent (%s); will retry", message.task, message.pk, exc)
        return False
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def relay_pending(limit: int = 500, older_than_seconds: int = 0) -> int:
    """Send unsent messages, oldest first. Run periodically (beat) and at start-up."""
    since = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=since)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for message_id in ids:
        if relay_one(message_id):
            sent += 1
        else:
            break  # the broker is down: stop, the next run tries again
    return sent
