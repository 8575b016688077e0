"""GeoJSON geometry checks and helpers (WGS-84), on shapely."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


class GeometryError(ValueError):
    """A GeoJSON geometry is missing, malformed, invalid or outside WGS-84 bounds."""


def _walk_coordinates(coords: Any) -> list[tuple[float, float]]:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [(float(coords[0]), float(coords[1]))]
    points: list[tuple[float, float]] = []
    for item in coords or []:
        points.extend(_walk_coordinates(item))
    return points


def to_shape(geometry: Any, allowed: tuple[str, ...] = ("Polygon", "MultiPolygon")) -> BaseGeometry:
    """Parse and validate a GeoJSON geometry; raise ``GeometryError`` saying why not."""
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise GeometryError(_("A GeoJSON geometry object with a 'type' is required."))
    if geometry["type"] not in allowed:
        raise GeometryError(
            _("Geometry type %(given)s is not allowed here (allowed: %(allowed)s).")
            % {"given": geometry["type"], "allowed": ", ".join(allowed)}
        )
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed input
        raise GeometryError(_("The geometry is malformed: %(error)s") % {"error": exc}) from exc
    try:
        points = _walk_coordinates(geometry.get("coordinates"))
    except (TypeError, ValueError, IndexError) as exc:
        raise GeometryError(_("The coordinates are malformed.")) from exc
    for lng, lat in points:
        if not (-180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0):
            raise GeometryError(
                _("Coordinate (%(lng)s, %(lat)s) is outside WGS-84 longitude/latitude bounds.")
                % {"lng": lng, "lat": lat}
            )
    if geom.is_empty:
        raise GeometryError(_("The geometry is empty."))
    if not geom.is_valid:
        from shapely.validation import explain_validity

        raise GeometryError(
            _("The polygon is not valid: %(reason)s") % {"reason": explain_validity(geom)}
        )
    return geom


def validate_geometry(geometry: Any, allowed: tuple[str, ...]) -> None:
    to_shape(geometry, allowed)


def centroid_of(geometry: Any) -> tuple[float, float]:
    """(lat, lng) of a geometry's centroid, or (0, 0) when it cannot be parsed."""
    try:
        geom = shape(geometry)
        point = geom.centroid if geom.geom_type != "Point" else geom
        return float(point.y), float(point.x)
    except Exception:
        return 0.0, 0.0
