from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown

from anxin.outbox import actions


@shared_task(name="anxin.outbox.tasks.relay_pending", ignore_result=True)
def relay_pending() -> int:
    # Skip the last few seconds: the worker's relay is sending those right now.
    return actions.relay_pending(older_than_seconds=5)


@worker_ready.connect
def start_relay(**kwargs: Any) -> None:
    """Every worker runs the outbox relay in its main process."""
    actions.relay.start()


@worker_shutdown.connect
def stop_relay(**kwargs: Any) -> None:
    actions.relay.stop()
