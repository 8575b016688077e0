from __future__ import annotations

from django.utils import timezone

from anxin.core.models import WorkerHeartbeat


def record_heartbeat() -> None:
    WorkerHeartbeat.objects.update_or_create(pk=1, defaults={"seen_at": timezone.now()})
