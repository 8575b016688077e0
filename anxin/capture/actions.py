"""Writes of the capture app: the bookkeeping of reports without an account."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from anxin.capture.models import AnonymousReport
from anxin.hazards.models import Hazard


def anonymous_quota_left(ip_address: str | None) -> bool:
    """Whether this address may file another report without an account this hour
    (``ANONYMOUS_REPORTS_PER_HOUR``)."""
    if not ip_address:
        return True
    since = timezone.now() - timedelta(hours=1)
    used = AnonymousReport.objects.filter(ip_address=ip_address, created_at__gte=since).count()
    return used < settings.ANONYMOUS_REPORTS_PER_HOUR


def record_anonymous_report(hazard: Hazard, ip_address: str | None) -> None:
    AnonymousReport.objects.get_or_create(hazard=hazard, defaults={"ip_address": ip_address})
