"""Reads of the Open311 API: clients, services and the hazards a caller may see."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from anxin.accounts.models import User
from anxin.areas.models import Area
from anxin.hazards.choices import AttachmentKind
from anxin.hazards.models import Attachment, Hazard
from anxin.open311.choices import DEFAULT_WINDOW_DAYS, MAX_REQUESTS, STATUSES_OF
from anxin.open311.models import Open311Client
from anxin.open311.params import RequestFilters
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import active_subclasses


def jurisdiction_id() -> str:
    return str(getattr(settings, "OPEN311_JURISDICTION_ID", "anxin.local"))


def client_for_key(api_key: str) -> Open311Client | None:
    """The active client holding this key, if its service account is active."""
    if not api_key:
        return None
    return (
        Open311Client.objects.select_related("user")
        .filter(api_key=api_key, is_active=True, user__is_active=True)
        .first()
    )


def district_names() -> str:
    names = Area.objects.filter(parent__isnull=True).order_by("code").values_list("name", flat=True)
    return ", ".join(names)


# --- services --------------------------------------------------------------------------
def services() -> QuerySet[Category]:
    """Every active subclass: one Open311 service each."""
    return active_subclasses()


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


# --- requests --------------------------------------------------------------------------
def visible_hazards(user: User | None) -> QuerySet[Hazard]:
    """The hazards a caller may see: the client's service account's scope, or for
    a caller without a key the public board (publicised closed hazards), which is
    the public part of the same scope rules."""
    return Hazard.objects.restrict(user, "view")


def _for_display(queryset: QuerySet[Hazard]) -> QuerySet[Hazard]:
    photos = (
        Attachment.objects.filter(kind=AttachmentKind.PHOTO)
        .exclude(public_file="")
        .order_by("created_at", "id")
        .only("id", "hazard_id", "public_file", "created_at")
    )
    return queryset.select_related(
        "category", "category__parent", "responsible_organisation", "merged_into"
    ).prefetch_related(Prefetch("attachments", queryset=photos, to_attr="public_photos"))


def find_requests(user: User | None, filters: RequestFilters) -> list[Hazard]:
    """GET requests: ids override every other filter; with no dates, the last
    ``DEFAULT_WINDOW_DAYS`` days; newest first, at most ``MAX_REQUESTS``."""
    queryset = visible_hazards(user)
    if filters.ids:
        queryset = queryset.filter(uuid__in=filters.ids)
    else:
        if filters.service_codes:
            queryset = queryset.filter(category__code__in=filters.service_codes)
        if filters.statuses:
            statuses = [s for name in filters.statuses for s in STATUSES_OF[name]]  # type: ignore[index]
            queryset = queryset.filter(status__in=statuses)
        start, end = filters.start, filters.end
        if start is None and end is None:
            start = timezone.now() - timedelta(days=DEFAULT_WINDOW_DAYS)
        if start is not None:
            queryset = queryset.filter(reported_at__gte=start)
        if end is not None:
            queryset = queryset.filter(reported_at__lte=end)
    return list(_for_display(queryset).order_by("-reported_at", "-id")[:MAX_REQUESTS])


def find_request(user: User | None, service_request_id: str) -> Hazard | None:
    try:
        public_id = uuid.UUID(service_request_id)
    except ValueError:
        return None
    return _for_display(visible_hazards(user)).filter(uuid=public_id).first()
