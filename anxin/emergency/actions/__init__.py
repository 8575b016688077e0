"""Writes of emergency readiness, one module per noun (supplies, plans,
responses, reviews, readiness, weather). Every write runs in a transaction,
checks scope (``restrict``) and role (``policy``), records its event, and
schedules its notices through the outbox."""

from anxin.emergency.actions import plans, readiness, responses, reviews, supplies, weather

__all__ = ["plans", "readiness", "responses", "reviews", "supplies", "weather"]
