"""Enqueue background work through the outbox and relay it to the broker."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from anxin.outbox.models import OutboxMessage

log = logging.getLogger(__name__)


def enqueue(task: str, key: str | None = None, **kwargs: Any) -> OutboxMessage | None:
    """Record ``task(**kwargs)`` in the current transaction. The relay
    (``OutboxRelay``, in the worker) sends it once the transaction commits.

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
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {NOTIFY_SQL}")
    enqueued(message.pk)
    return message


def enqueued(message_id: int) -> None:
    """After an outbox row is written in the current transaction (by ``enqueue``
    or by a statement built with ``insert_select``)."""
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.OUTBOX_RELAY_ON_COMMIT:
        # Tests: run the task in this process after commit, as a worker would.
        transaction.on_commit(lambda: relay_one(message_id))


def insert_select(
    task: str, *, id_sql: str, kwargs_sql: str, key_sql: str, source: str, created_at: Any
) -> tuple[str, list[Any]]:
    """PostgreSQL: the outbox row of ``task`` as ``INSERT … SELECT … FROM source
    RETURNING id``, for a caller that writes it in one statement with the rows
    it is about (its id, kwargs and key computed in SQL from ``source``, e.g.
    ``jsonb_build_object(…)``: the same document ``enqueue`` would write). The
    caller selects ``NOTIFY_SQL`` from it and calls ``enqueued``."""
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    sql = (
        f"INSERT INTO {table} (id, task, kwargs, key, created_at, attempts, last_error) "
        f"SELECT {id_sql}, %s, {kwargs_sql}, {key_sql}, %s, 0, '' FROM {source} RETURNING id"
    )
    return sql, [task, created_at]


# PostgreSQL wakes the relay with this notification, delivered when the
# transaction that wrote the row commits (and not at all if it rolls back).
NOTIFY_CHANNEL = "anxin_outbox"
# The same, as an expression to select from the statement's new rows.
NOTIFY_SQL = f"pg_notify('{NOTIFY_CHANNEL}', '')"


def _can_insert_returning() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def _insert_unless_present(task: str, key: str, kwargs: dict[str, Any]) -> OutboxMessage | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: one statement and no savepoint
    (the report path runs this for every hazard); on PostgreSQL the same
    statement notifies the relay."""
    now = timezone.now()
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    insert = (
        f"INSERT INTO {table} (task, kwargs, key, created_at, attempts, last_error) "
        "VALUES (%s, %s{cast}, %s, %s, 0, '') ON CONFLICT (key) DO NOTHING RETURNING id"
    )
    params: list[Any] = [task, json.dumps(kwargs), key, now]
    if connection.vendor == "postgresql":
        sql = f"WITH new AS ({insert.format(cast='::jsonb')}) SELECT id, {NOTIFY_SQL} FROM new"
    else:
        sql = insert.format(cast="")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return OutboxMessage(pk=row[0], task=task, kwargs=kwargs, key=key, created_at=now)


def _send(message: OutboxMessage, producer: Any = None) -> None:
    from anxin.celery import app

    with app.producer_or_acquire(producer) as producer:
        # Fail at once when the broker is down: kombu would otherwise keep trying
        # to connect for about 6 s. The message stays in the outbox and is
        # sent when the broker is back.
        producer.connection.ensure_connection(max_retries=0)
        app.send_task(
            message.task,
            kwargs=message.kwargs,
            task_id=f"outbox-{message.pk}-{message.attempts}",
            retry=False,
            producer=producer,
        )


def _failed(message: OutboxMessage, exc: Exception) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )
    log.warning("outbox: %s #%s not sent (%s); will retry", message.task, message.pk, exc)


def relay_one(message_id: int) -> bool:
    """Send one unsent message to the broker (in tests, run it here at once)."""
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
        _failed(message, exc)
        return False
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def relay_batch(limit: int = 100, older_than_seconds: float = 0) -> tuple[int, bool]:
    """Send up to ``limit`` unsent messages, oldest first, then mark them sent in
    one statement. Returns (how many were sent, whether the broker failed).

    On PostgreSQL the rows are claimed with ``FOR UPDATE SKIP LOCKED``, so
    relays in several workers share the work instead of sending it twice. A
    relay that dies after sending and before marking sends again later: tasks
    are idempotent."""
    since = timezone.now() - timedelta(seconds=older_than_seconds)
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=since).order_by(
        "id"
    )
    claim = connection.vendor == "postgresql"
    with transaction.atomic() if claim else nullcontext():
        if claim:
            unsent = unsent.select_for_update(skip_locked=True)
        sent: list[OutboxMessage] = []
        failed = False
        batch = list(unsent[:limit])
        if batch:
            from anxin.celery import app

            pending = batch[0]
            try:
                with app.producer_or_acquire() as producer:  # one broker connection for all
                    for pending in batch:
                        _send(pending, producer)
                        sent.append(pending)
            except Exception as exc:  # the broker is down: stop, retry later
                if pending not in sent:
                    _failed(pending, exc)
                failed = True
        if sent:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in sent], sent_at__isnull=True).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    return len(sent), failed


class OutboxRelay:
    """Sends committed outbox rows to the broker, from a thread of the Celery
    worker's main process (started when the worker is ready), so that the
    processes serving requests never talk to the broker. PostgreSQL wakes it
    at each commit that wrote a row (LISTEN/NOTIFY); on SQLite, and as a
    safety net on PostgreSQL, it looks every ``OUTBOX_POLL_SECONDS``. After a
    broker failure it waits ``OUTBOX_RETRY_SECONDS``."""

    batch_size = 100

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="anxin-outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        listener = None
        try:
            while not self._stop.is_set():
                try:
                    if listener is None and connection.vendor == "postgresql":
                        listener = _listen()
                    sent, failed = relay_batch(self.batch_size)
                    if failed:
                        self._stop.wait(settings.OUTBOX_RETRY_SECONDS)
                    elif sent < self.batch_size:  # all there was: wait for more
                        _wait(listener, self._stop, settings.OUTBOX_POLL_SECONDS)
                except Exception:  # never let the thread die; the next round retries
                    log.exception("outbox relay failed; retrying")
                    connection.close()
                    if listener is not None:
                        listener.close()
                        listener = None
                    self._stop.wait(settings.OUTBOX_RETRY_SECONDS)
        finally:
            if listener is not None:
                listener.close()
            connection.close()


def _listen() -> Any:
    """A connection of its own, LISTENing on the outbox channel."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
    return listener


def _wait(listener: Any, stop: threading.Event, seconds: float) -> None:
    """Until a notification arrives (PostgreSQL), the timeout passes or stop.
    After a notification it gathers the commits of the next
    ``OUTBOX_BATCH_SECONDS`` into the same batch: under load the relay then
    sends many rows per round instead of one (each round costs a few ms of
    the machine's CPU), at the price of that much delay."""
    if listener is None:
        stop.wait(seconds)
        return
    woken = False
    for _notification in listener.notifies(timeout=seconds, stop_after=1):
        woken = True
    if woken and settings.OUTBOX_BATCH_SECONDS > 0:
        stop.wait(settings.OUTBOX_BATCH_SECONDS)
    # Their rows are committed, so the next round takes them: no wake-up needed.
    for _notification in listener.notifies(timeout=0):
        pass


relay = OutboxRelay()


def relay_pending(limit: int = 500, older_than_seconds: float = 0) -> int:
    """Send unsent messages, oldest first, until the broker fails (beat runs this
    every OUTBOX_RELAY_INTERVAL_SECONDS in case the worker's relay is not running)."""
    total = 0
    while total < limit:
        sent, failed = relay_batch(min(100, limit - total), older_than_seconds)
        total += sent
        if failed or not sent:
            break
    return total
