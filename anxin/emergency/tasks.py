"""Background work of emergency readiness: thin tasks that take ids and call
actions; each is idempotent (notices are keyed, sweeps mark what they did)."""

from __future__ import annotations

from celery import shared_task

from anxin.emergency.actions import responses, reviews, supplies, weather


@shared_task(name="anxin.emergency.tasks.propose_for_warning", ignore_result=True)
def propose_for_warning(warning_id: int) -> list[int]:
    return [r.pk for r in responses.propose_for_warning(warning_id)]


@shared_task(name="anxin.emergency.tasks.notify_proposal", ignore_result=True)
def notify_proposal(response_id: int) -> int:
    return responses.notify_proposal(response_id)


@shared_task(name="anxin.emergency.tasks.notify_response_started", ignore_result=True)
def notify_response_started(response_id: int) -> int:
    return responses.notify_response_started(response_id)


@shared_task(name="anxin.emergency.tasks.notify_task", ignore_result=True)
def notify_task(task_id: int) -> int:
    return responses.notify_task(task_id)


@shared_task(name="anxin.emergency.tasks.notify_review_opened", ignore_result=True)
def notify_review_opened(review_id: int) -> int:
    return responses.notify_review_opened(review_id)


@shared_task(name="anxin.emergency.tasks.notify_review", ignore_result=True)
def notify_review(review_id: int, kind: str) -> int:
    return reviews.notify_review(review_id, kind)


@shared_task(name="anxin.emergency.tasks.alert_supply", ignore_result=True)
def alert_supply(item_id: int, reason: str) -> int:
    return supplies.alert_supply(item_id, reason)


@shared_task(name="anxin.emergency.tasks.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Periodic: review reminders and escalations, expiring supplies, and flood
    warnings of weather alerts held until 24 hours before their onset."""
    result = reviews.sweep_reviews()
    return {
        "reminded": len(result.reminded),
        "escalated": len(result.escalated),
        "expiring": supplies.due_expiry_alerts(),
        "flood_warnings": len(weather.raise_held()),
    }


@shared_task(name="anxin.emergency.tasks.fetch_weather", ignore_result=True)
def fetch_weather() -> int:
    """Periodic when ``WEATHER_CAP_URL`` is set: fetch and import its CAP alert."""
    result = weather.fetch_configured()
    return result.created if result is not None else 0
