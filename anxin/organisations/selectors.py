"""Reads of organisations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from anxin.areas.models import Area
from anxin.organisations.models import Organisation


def visible_organisations(user: Any, action: str = "view") -> QuerySet[Organisation]:
    """The organisations ``user`` may see (or act on), each once."""
    return Organisation.objects.restrict(user, action).prefetch_related("served_areas")


def organisations_serving(area: Area, kind: str | None = None) -> QuerySet[Organisation]:
    """Active organisations that serve ``area`` or an area above it (a district
    fire department serves every street of its district)."""
    queryset = Organisation.objects.filter(
        is_active=True, served_areas__code__in=area.ancestor_codes()
    ).distinct()
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset
