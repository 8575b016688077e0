"""Reads of the org tree."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from anxin.areas.models import Area
from anxin.areas.spatial import resolve_point


def area_feature(area: Area) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": area.geometry,
        "properties": {
            "code": area.code,
            "name": area.name,
            "name_en": area.name_en,
            "level": area.level,
            "parent_code": area.parent.code if area.parent_id and area.parent else None,
            "address": area.address,
            "households": area.households,
        },
    }


def export_feature_collection(queryset: QuerySet[Area]) -> dict[str, Any]:
    """The areas of ``queryset`` (already scoped) as a GeoJSON FeatureCollection,
    parents before children so that the file can be imported again."""
    areas = queryset.select_related("parent").order_by("depth", "code")
    return {"type": "FeatureCollection", "features": [area_feature(a) for a in areas]}


def resolve_in_scope(user: Any, lat: float, lng: float) -> list[dict[str, Any]]:
    """The areas containing a point, limited to those the user may see."""
    resolution = resolve_point(lat, lng)
    visible = Area.objects.restrict(user, "view").filter(pk__in=list(resolution.ids.values()))
    return [{"level": a.level, "code": a.code, "name": a.name} for a in visible.order_by("depth")]
