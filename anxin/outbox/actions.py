"""Enqueue background work through the outbox and relay it to the broker."""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from anxin.outbox.models import OutboxMessage

log = logging.getLogger(__name__)


def enqueue(task: str, key: str | None = None, **kwargs: Any) -> OutboxMessage | None:
    """Record ``task(**kwargs)`` in the current transaction; relay it after commit.

    Returns None when work with the same ``key`` was already enqueued.
    """
    if key is not None and _can_insert_returning():
        message = _insert_unless_present(task, key, kwargs)
        if message is None:
            return None
    else:
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(task=task, kwargs=kwargs, key=key)
        except IntegrityError:
            if key is None:
                raise
            return None
    if settings.OUTBOX_RELAY_ON_COMMIT:
        transaction.on_commit(lambda: _relay_after_commit(message))
    return message


def _can_insert_returning() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def _insert_unless_present(task: str, key: str, kwargs: dict[str, Any]) -> OutboxMessage | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: one statement and no savepoint
    (the report path runs this for every hazard)."""
    now = timezone.now()
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (task, kwargs, key, created_at, attempts, last_error) "
            f"VALUES (%s, %s{cast}, %s, %s, 0, '') ON CONFLICT (key) DO NOTHING RETURNING id",
            [task, json.dumps(kwargs), key, now],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return OutboxMessage(pk=row[0], task=task, kwargs=kwargs, key=key, created_at=now)


def _relay_after_commit(message: OutboxMessage) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.OUTBOX_RELAY_IN_THREAD:
        relay_one(message.pk)
    else:
        relayer.submit(message)


def _send(message: OutboxMessage) -> None:
    from anxin.celery import app

    with app.producer_or_acquire() as producer:
        # Fail at once when the broker is down: kombu would otherwise keep trying
        # to connect for about 6 s. The message stays in the outbox and the
        # periodic relay sends it.
        producer.connection.ensure_connection(max_retries=0)
        app.send_task(
            message.task,
            kwargs=message.kwargs,
            task_id=f"outbox-{message.pk}-{message.attempts}",
            retry=False,
            producer=producer,
        )


def _deliver(message: OutboxMessage) -> bool:
    """Send, then mark sent. A crash between the two sends it again later:
    tasks are idempotent."""
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


def relay_one(message_id: int) -> bool:
    """Send one unsent message to the broker; on failure leave it for the relay sweep."""
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
    return _deliver(message)


# How long the relay thread keeps one database connection.
RELAY_CONNECTION_SECONDS = 60.0


class Relayer:
    """Sends freshly committed messages from a background thread of the web
    process, so a report does not wait for the broker. What this thread has not
    sent when the process stops is still in the outbox: the periodic relay
    (beat) sends it."""

    def __init__(self) -> None:
        self._queue: queue.Queue[OutboxMessage | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def submit(self, message: OutboxMessage) -> None:
        held = getattr(_request_state, "held", None)
        if held is not None:  # committed while serving a request: see hold_during_request
            held.append(message)
            return
        self._ensure_thread()
        self._queue.put(message)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._queue = queue.Queue()  # a forked child starts afresh
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="anxin-outbox-relay", daemon=True
                )
                self._thread.start()
                # A short-lived process (a management command, a script) sends
                # what it queued before it exits instead of leaving it for the
                # periodic relay.
                atexit.register(self.stop)

    def stop(self, timeout: float = 10.0) -> None:
        """Send what is queued, then end the thread and close its connection."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self._queue.put(None)
            thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        opened_at = 0.0
        while True:
            message = self._queue.get()
            if message is None:
                connection.close()
                return
            try:
                # This one long-lived thread keeps its database connection from one
                # message to the next (with CONN_MAX_AGE 0, close_old_connections
                # would open one per message: on SQLite that re-reads the schema
                # and checkpoints the WAL on close, costing more than the send),
                # but renews it every RELAY_CONNECTION_SECONDS and after an error.
                now = time.monotonic()
                if now - opened_at > RELAY_CONNECTION_SECONDS or (
                    connection.errors_occurred and not connection.is_usable()
                ):
                    connection.close()
                    opened_at = now
                _deliver(message)
            except Exception:  # never let the thread die; the relay sweep retries
                log.exception("outbox: relaying #%s failed", message.pk)
                connection.close()


relayer = Relayer()

# Messages committed while this thread serves a request wait for its end.
_request_state = threading.local()


def hold_during_request(**kwargs: Any) -> None:
    """``request_started``: from now on this thread's committed messages are
    handed to the relay thread when the response has been sent, not at once:
    the relay thread shares the interpreter with the request, and would
    otherwise run while the request still builds its answer (a report's
    duplicate search), making the answer later by the relay's work. The
    messages are in the outbox already; the delay is that of sending the
    answer."""
    release_after_request()  # anything a previous request left (never expected)
    _request_state.held = []


def release_after_request(**kwargs: Any) -> None:
    """``request_finished``: relay what the request committed."""
    held = getattr(_request_state, "held", None)
    _request_state.held = None
    for message in held or ():
        relayer.submit(message)


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
