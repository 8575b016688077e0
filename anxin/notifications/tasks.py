"""Thin Celery tasks: they take ids and call actions; all are idempotent."""

from __future__ import annotations

from celery import shared_task

from anxin.notifications import actions, digests


@shared_task(
    name="anxin.notifications.tasks.deliver",
    ignore_result=True,
    acks_late=True,
    time_limit=120,
    soft_time_limit=90,
)
def deliver(delivery_id: int) -> str | None:
    outcome = actions.deliver(delivery_id)
    return outcome.status if outcome is not None else None


@shared_task(
    name="anxin.notifications.tasks.retry_due",
    ignore_result=True,
    time_limit=120,
    soft_time_limit=100,
)
def retry_due() -> int:
    return actions.retry_due()


@shared_task(
    name="anxin.notifications.tasks.send_daily_digests",
    ignore_result=True,
    time_limit=1800,
    soft_time_limit=1700,
)
def send_daily_digests() -> int:
    return digests.send_daily_digests()


@shared_task(
    name="anxin.notifications.tasks.send_reminders",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
)
def send_reminders() -> int:
    return digests.send_reminders()
