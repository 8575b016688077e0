from __future__ import annotations

from celery import shared_task

from anxin.outbox import actions


@shared_task(name="anxin.outbox.tasks.relay_pending", ignore_result=True)
def relay_pending() -> int:
    # Skip the last few seconds: those are being relayed on commit right now.
    return actions.relay_pending(older_than_seconds=5)
