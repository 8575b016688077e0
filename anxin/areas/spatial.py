"""Point-in-polygon resolution of a WGS-84 point to the org tree.

Each process keeps one index of every area's prepared polygon in a shapely
STRtree per level (and the named places). The index is rebuilt when the tree's version counter
(``AreaTreeVersion``) moves: at once in the process that changed an area, and
within ``AREA_INDEX_CHECK_SECONDS`` in every other process.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from shapely import STRtree, box
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

from anxin.areas.choices import LEVEL_ORDER, Level


@dataclass(frozen=True)
class AreaFacts:
    """What a report needs to know of an area, kept in the index so that
    resolving a point costs no query."""

    id: int
    level: str
    code: str
    name: str
    path: str

    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.strip("/").split("/") if code]


@dataclass(frozen=True)
class Resolution:
    """The deepest areas a point lies in, by level (ids, codes and facts)."""

    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    areas: dict[str, AreaFacts] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.ids)

    def id_of(self, level: str) -> int | None:
        return self.ids.get(level)

    @property
    def deepest_id(self) -> int | None:
        deepest = self.deepest
        return deepest.id if deepest else None

    @property
    def deepest(self) -> AreaFacts | None:
        for level in reversed(LEVEL_ORDER):
            if level in self.areas:
                return self.areas[level]
        return None


@dataclass
class _LevelIndex:
    tree: STRtree
    geoms: list[BaseGeometry]
    prepared: list[PreparedGeometry]
    ids: list[int]
    codes: list[str]
    facts: list[AreaFacts]


@dataclass(frozen=True)
class PlaceFacts:
    id: int
    lat: float
    lng: float


EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


class AreaIndex:
    """Immutable spatial index of one version of the tree."""

    def __init__(
        self,
        rows: list[tuple[Any, ...]],
        places: list[tuple[int, float, float]] = (),  # type: ignore[assignment]
    ) -> None:
        """``rows``: (pk, level, code, geometry[, name, path]) per area;
        ``places``: (pk, lat, lng) per named place."""
        by_level: dict[str, list[tuple[int, str, BaseGeometry, AreaFacts]]] = {}
        for row in rows:
            pk, level, code, geometry = row[:4]
            name, path = (row[4], row[5]) if len(row) >= 6 else ("", "")
            try:
                geom = shape(geometry)
            except Exception:
                continue
            if geom.is_empty:
                continue
            facts = AreaFacts(id=pk, level=level, code=code, name=name, path=path)
            by_level.setdefault(level, []).append((pk, code, geom, facts))
        self.levels: dict[str, _LevelIndex] = {}
        for level, items in by_level.items():
            geoms = [g for _, _, g, _ in items]
            self.levels[level] = _LevelIndex(
                tree=STRtree(geoms),
                geoms=geoms,
                prepared=[prep(g) for g in geoms],
                ids=[pk for pk, _, _, _ in items],
                codes=[code for _, code, _, _ in items],
                facts=[f for _, _, _, f in items],
            )
        self.places = [PlaceFacts(pk, lat, lng) for pk, lat, lng in places]
        self.place_tree = (
            STRtree([Point(p.lng, p.lat) for p in self.places]) if self.places else None
        )

    def nearest_place(self, lat: float, lng: float, radius_m: float) -> tuple[int, float] | None:
        """The named place nearest to a point within ``radius_m``: (id, metres)."""
        if self.place_tree is None:
            return None
        # A generous box in degrees first, then the exact distance.
        reach = radius_m / 111_000.0 / max(0.2, math.cos(math.radians(lat)))
        candidates = self.place_tree.query(box(lng - reach, lat - reach, lng + reach, lat + reach))
        best: tuple[int, float] | None = None
        for i in candidates:
            place = self.places[int(i)]
            d = distance_m(lat, lng, place.lat, place.lng)
            if d <= radius_m and (best is None or d < best[1]):
                best = (place.id, d)
        return best

    def _locate(self, level: str, point: Point, prefix: str) -> AreaFacts | None:
        index = self.levels.get(level)
        if index is None:
            return None
        for i in index.tree.query(point):
            k = int(i)
            # A child lies within the parent found above it: codes nest.
            if index.codes[k].startswith(prefix) and index.prepared[k].covers(point):
                return index.facts[k]
        return None

    def resolve(self, lat: float, lng: float) -> Resolution:
        point = Point(lng, lat)
        areas: dict[str, AreaFacts] = {}
        prefix = ""
        for level in LEVEL_ORDER:
            hit = self._locate(level, point, prefix)
            if hit is None:
                continue
            areas[level] = hit
            prefix = hit.code
        return Resolution(
            ids={lv: a.id for lv, a in areas.items()},
            codes={lv: a.code for lv, a in areas.items()},
            areas=areas,
        )


_lock = threading.Lock()
_state: dict[str, object] = {"index": None, "version": None, "checked": 0.0}


def _current_version() -> int:
    from anxin.areas.models import AreaTreeVersion

    row = AreaTreeVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(row or 0)


def _build() -> AreaIndex:
    from anxin.areas.models import Area, Place

    rows = list(Area.objects.values_list("pk", "level", "code", "geometry", "name", "path"))
    places = list(Place.objects.values_list("pk", "lat", "lng"))
    return AreaIndex(rows, places)


def get_index(force_check: bool = False) -> AreaIndex:
    now = time.monotonic()
    index = _state["index"]
    if (
        index is not None
        and not force_check
        and now - float(_state["checked"]) < settings.AREA_INDEX_CHECK_SECONDS  # type: ignore[arg-type]
    ):
        return index  # type: ignore[return-value]
    with _lock:
        version = _current_version()
        _state["checked"] = now
        if _state["index"] is None or _state["version"] != version:
            _state["index"] = _build()
            _state["version"] = version
        return _state["index"]  # type: ignore[return-value]


def invalidate() -> None:
    """Drop this process's index (called on commit after an area changes)."""
    with _lock:
        _state["index"] = None
        _state["version"] = None


def nearest_place(lat: float, lng: float, radius_m: float) -> tuple[int, float] | None:
    return get_index().nearest_place(lat, lng, radius_m)


def resolve_point(lat: float, lng: float) -> Resolution:
    """Resolve a WGS-84 point to the areas that contain it, deepest first usable."""
    return get_index().resolve(lat, lng)


__all__ = ["AreaIndex", "Level", "Resolution", "get_index", "invalidate", "resolve_point"]
