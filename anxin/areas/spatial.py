"""Point-in-polygon resolution of a WGS-84 point to the org tree.

Each process keeps one index of every area's prepared polygon in a shapely
STRtree per level. The index is rebuilt when the tree's version counter
(``AreaTreeVersion``) moves: at once in the process that changed an area, and
within ``AREA_INDEX_CHECK_SECONDS`` in every other process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

from anxin.areas.choices import LEVEL_ORDER, Level


@dataclass(frozen=True)
class Resolution:
    """The deepest areas a point lies in, by level (ids and codes)."""

    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.ids)

    def id_of(self, level: str) -> int | None:
        return self.ids.get(level)

    @property
    def deepest_id(self) -> int | None:
        for level in reversed(LEVEL_ORDER):
            if level in self.ids:
                return self.ids[level]
        return None


@dataclass
class _LevelIndex:
    tree: STRtree
    geoms: list[BaseGeometry]
    prepared: list[PreparedGeometry]
    ids: list[int]
    codes: list[str]


class AreaIndex:
    """Immutable spatial index of one version of the tree."""

    def __init__(self, rows: list[tuple[int, str, str, dict]]) -> None:
        by_level: dict[str, list[tuple[int, str, BaseGeometry]]] = {}
        for pk, level, code, geometry in rows:
            try:
                geom = shape(geometry)
            except Exception:
                continue
            if geom.is_empty:
                continue
            by_level.setdefault(level, []).append((pk, code, geom))
        self.levels: dict[str, _LevelIndex] = {}
        for level, items in by_level.items():
            geoms = [g for _, _, g in items]
            self.levels[level] = _LevelIndex(
                tree=STRtree(geoms),
                geoms=geoms,
                prepared=[prep(g) for g in geoms],
                ids=[pk for pk, _, _ in items],
                codes=[code for _, code, _ in items],
            )

    def _locate(self, level: str, point: Point, prefix: str) -> tuple[int, str] | None:
        index = self.levels.get(level)
        if index is None:
            return None
        for i in index.tree.query(point):
            k = int(i)
            # A child lies within the parent found above it: codes nest.
            if index.codes[k].startswith(prefix) and index.prepared[k].covers(point):
                return index.ids[k], index.codes[k]
        return None

    def resolve(self, lat: float, lng: float) -> Resolution:
        point = Point(lng, lat)
        ids: dict[str, int] = {}
        codes: dict[str, str] = {}
        prefix = ""
        for level in LEVEL_ORDER:
            hit = self._locate(level, point, prefix)
            if hit is None:
                continue
            ids[level], codes[level] = hit
            prefix = hit[1]
        return Resolution(ids=ids, codes=codes)


_lock = threading.Lock()
_state: dict[str, object] = {"index": None, "version": None, "checked": 0.0}


def _current_version() -> int:
    from anxin.areas.models import AreaTreeVersion

    row = AreaTreeVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(row or 0)


def _build() -> AreaIndex:
    from anxin.areas.models import Area

    rows = list(Area.objects.values_list("pk", "level", "code", "geometry"))
    return AreaIndex(rows)


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


def resolve_point(lat: float, lng: float) -> Resolution:
    """Resolve a WGS-84 point to the areas that contain it, deepest first usable."""
    return get_index().resolve(lat, lng)


__all__ = ["AreaIndex", "Level", "Resolution", "get_index", "invalidate", "resolve_point"]
