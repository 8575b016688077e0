from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from anxin.core.models import WorkerHeartbeat


def database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure is reported, not raised
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}


def broker_state() -> dict[str, Any]:
    from anxin.celery import app

    transport = settings.CELERY_BROKER_URL.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        state: dict[str, Any] = {"ok": True, "transport": transport}
    except Exception as exc:
        state = {"ok": False, "transport": transport, "error": str(exc)[:200]}
    seen = WorkerHeartbeat.objects.filter(pk=1).values_list("seen_at", flat=True).first()
    state["worker_seen_seconds_ago"] = (
        round((timezone.now() - seen).total_seconds()) if seen is not None else None
    )
    return state
