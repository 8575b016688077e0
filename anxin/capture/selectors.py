"""Reads behind the phone report page: the taxonomy and the area outline
embedded in the page (so that it works offline), and the public-safe duplicate
candidates near a point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import mapping, shape

from anxin.areas.models import Area
from anxin.core.process_cache import ProcessCache
from anxin.hazards.models import Hazard
from anxin.hazards.selectors import DUPLICATES_SHOWN, nearby_open
from anxin.residents.selectors import plain_status
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import active_subclasses, reportable_category

# A picture and plain words for each main class of the default taxonomy. A main
# class added by a locality gets the generic sign and its own name only. The
# pictures are inline SVG (24×24, drawn with the current colour): no font or
# network needed.
CLASS_ICONS = {
    "01": "fire",
    "02": "shield",
    "03": "cone",
    "04": "tree",
    "05": "person",
    "06": "rain",
    "07": "gas",
    "08": "house",
}
GENERIC_ICON = "warning"
ICON_SHAPES = {
    "fire": '<path d="M12 3c1 3 5 5 5 10a5 5 0 0 1-10 0c0-2 1-3.5 2-4.5 '
    '0 2 1 3 2 3 0-3-1-5 1-8.5z"/>',
    "shield": '<path d="M12 3l7 3v5c0 4.5-3 8-7 10-4-2-7-5.5-7-10V6z"/><path d="M9 12l2 2 4-4"/>',
    "cone": '<path d="M9.5 4h5l4 15h-13z"/><path d="M3 20h18M7.8 11h8.4M6.8 15h10.4"/>',
    "tree": '<path d="M12 3l6 8h-3l4 5H5l4-5H6z"/><path d="M12 16v5"/>',
    "person": '<circle cx="12" cy="5.5" r="2.5"/>'
    '<path d="M12 9v6M7.5 11.5h9M12 15l-3 6M12 15l3 6"/>',
    "rain": '<path d="M7 15a4 4 0 1 1 1-7.9A5 5 0 0 1 17.5 9a3.5 3.5 0 0 1-.5 6z"/>'
    '<path d="M9 18l-1 3M13 18l-1 3M17 18l-1 3"/>',
    "gas": '<rect x="7" y="7" width="10" height="14" rx="3"/><path d="M10 7V4h4v3M9 3h6"/>',
    "house": '<path d="M3 11l9-7 9 7"/><path d="M5 10v10h14V10"/>'
    '<path d="M12 11l-1.5 3 2 1.5-1.5 3.5"/>',
    "warning": '<path d="M12 3l9.5 17h-19z"/><path d="M12 10v4M12 17v.5"/>',
}
CLASS_HINTS = {
    "01": gettext_lazy("Blocked exits, e-bikes charging indoors, wiring"),
    "02": gettext_lazy("Broken cameras or door locks, objects thrown from height"),
    "03": gettext_lazy("Missing manhole covers, lifts, loose signs, potholes"),
    "04": gettext_lazy("Rubbish, blocked drains, dangerous trees, open water"),
    "05": gettext_lazy("Elderly living alone, blocked ramps, unsafe play areas"),
    "06": gettext_lazy("Flooding, typhoon, ice, coal heating, crowds"),
    "07": gettext_lazy("Old gas hoses, gas bottles, smell of gas"),
    "08": gettext_lazy("Cracks, falling façade, walls knocked down"),
}


def icon_svg(name: str) -> str:
    """The inner shapes of a class picture (constant markup, safe to embed)."""
    return ICON_SHAPES.get(name, ICON_SHAPES[GENERIC_ICON])


# --- the taxonomy ------------------------------------------------------------------
def taxonomy_for_page() -> dict[str, Any]:
    """Every active main class and subclass, in the current language, with the
    search words (Chinese, English, pinyin and synonyms) the page matches."""
    classes: dict[str, dict[str, Any]] = {}
    subclasses: list[dict[str, Any]] = []
    for category in active_subclasses():
        main = category.parent
        assert main is not None
        if main.code not in classes:
            classes[main.code] = {
                "code": main.code,
                "name": main.name,
                "icon": CLASS_ICONS.get(main.code, GENERIC_ICON),
                "hint": str(CLASS_HINTS[main.code]) if main.code in CLASS_HINTS else "",
                "words": _words(main),
            }
        subclasses.append(
            {
                "code": category.code,
                "parent": main.code,
                "name": category.name,
                "name_zh": category.name_zh,
                "colour": category.risk_colour,
                "words": _words(category),
            }
        )
    return {"classes": list(classes.values()), "subclasses": subclasses}


def _words(category: Category) -> str:
    return " ".join(
        part for part in (category.name_zh, category.name_en, category.keywords) if part
    ).lower()


# --- the area outline ---------------------------------------------------------------
OUTLINE_LEVELS = ("district", "street", "community")
OUTLINE_TOLERANCE_DEG = 0.00005  # about 5 m: enough for a phone-sized map


def _load_outline() -> dict[str, Any]:
    features = []
    rows = (
        Area.objects.filter(level__in=OUTLINE_LEVELS)
        .order_by("depth", "code")
        .values_list("name", "level", "geometry")
    )
    for name, level, geometry in rows:
        try:
            simple = shape(geometry).simplify(OUTLINE_TOLERANCE_DEG, preserve_topology=True)
            geojson = _rounded(mapping(simple))
        except (ValueError, TypeError, AttributeError, KeyError):
            continue
        features.append(
            {"type": "Feature", "geometry": geojson, "properties": {"name": name, "level": level}}
        )
    return {"type": "FeatureCollection", "features": features}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


# The outline is public geography (no hazards, no people) and changes rarely.
area_outline_cache: ProcessCache[dict[str, Any]] = ProcessCache(_load_outline, ttl=300.0)


def area_outline() -> dict[str, Any]:
    """District, street and community outlines as simplified GeoJSON (WGS-84)."""
    return area_outline_cache.get()


# --- duplicates near a point -------------------------------------------------------------
@dataclass(frozen=True)
class NearbyHazard:
    """What anyone about to report may learn of an open hazard nearby: no
    names, phones or codes of persons, and no exact point."""

    id: int
    title: str
    category_code: str
    category_name: str
    status: str
    status_label: str
    distance_m: int
    reported_on: str
    mine: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "category_code": self.category_code,
            "category_name": self.category_name,
            "status": self.status,
            "status_label": self.status_label,
            "distance_m": self.distance_m,
            "reported_on": self.reported_on,
            "mine": self.mine,
        }


def nearby_reports(
    category: Category, lat: float, lng: float, user: Any = None, now: datetime | None = None
) -> list[NearbyHazard]:
    """Open hazards of this subclass within its duplicate radius and window of
    the point, nearest first — all of them, not only those the user may see
    (the point is to find the file someone else opened)."""
    now = now or timezone.now()
    since = now - timedelta(days=category.duplicate_window_days)
    queryset = Hazard.objects.filter(category=category, reported_at__gte=since)
    found = nearby_open(lat, lng, category.duplicate_radius_m, queryset, limit=DUPLICATES_SHOWN)
    user_id = getattr(user, "pk", None)
    followed: set[int] = set()
    if user_id is not None and found:
        followed = set(
            Hazard.followers.through.objects.filter(
                user_id=user_id, hazard_id__in=[h.pk for h, _d in found]
            ).values_list("hazard_id", flat=True)
        )
    return [
        NearbyHazard(
            id=hazard.pk,
            title=hazard.title,
            category_code=hazard.category.code,
            category_name=hazard.category.name,
            status=hazard.status,
            status_label=plain_status(hazard.status),
            distance_m=round(distance),
            reported_on=timezone.localtime(hazard.reported_at).date().isoformat(),
            mine=user_id is not None and (hazard.reporter_id == user_id or hazard.pk in followed),
        )
        for hazard, distance in found
    ]


def is_replay(idempotency_key: str) -> bool:
    """Whether a report with this Idempotency-Key was filed already (sending it
    again answers with that report and uses no quota)."""
    return Hazard.objects.filter(idempotency_key=idempotency_key).exists()


def subclass(code: str) -> Category | None:
    """The active subclass with this code, or None (main classes are not reportable)."""
    category = reportable_category(code)
    if category is None or category.is_main_class:
        return None
    return category


def where(lat: float, lng: float) -> dict[str, Any]:
    """The names of the areas a point lies in, and what the locality allows."""
    from anxin.areas.spatial import resolve_point
    from anxin.residents.selectors import policy_for_point

    resolution = resolve_point(lat, lng)
    inside = resolution.id_of("grid") is not None
    policy = policy_for_point(lat, lng) if resolution.found else None
    names = [
        resolution.areas[level].name
        for level in ("street", "community", "grid")
        if level in resolution.areas
    ]
    return {
        "inside": inside,
        "place": " ".join(names),
        "allow_anonymous_reports": bool(policy and policy.allow_anonymous_reports),
        "message": "" if inside else _("The point lies outside every grid of the area."),
    }
