from __future__ import annotations

from celery import shared_task

from anxin.core import actions


@shared_task(name="anxin.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    actions.record_heartbeat()
