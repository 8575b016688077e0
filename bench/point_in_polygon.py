"""Point-in-polygon benchmark: how fast a WGS-84 point resolves to the org tree.

Run from the project root:

    .venv/bin/python bench/point_in_polygon.py [--points 20000] [--naive-points 300]

It migrates a throw-away SQLite file, builds (a) the demo district and (b) a
1,000-grid district with the demo generator, and for each tree measures
``anxin.areas.spatial.resolve_point`` (the cached per-process index: one STRtree
of prepared polygons per level) on random points inside the district's bounding
box, against a naive baseline in the same run: a plain Python loop over every
shapely polygon of the tree, no STRtree and no prepared geometries. Both must
give the same answers. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TMP = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
# Settings read these when django.setup() imports them: set them first.
os.environ["DJANGO_SETTINGS_MODULE"] = "anxin.settings_test"
os.environ["SQLITE_PATH"] = str(TMP / "bench.sqlite3")
os.environ["ANXIN_VAR_DIR"] = str(TMP / "var")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from shapely.geometry import Point, shape  # noqa: E402

from anxin.areas import spatial  # noqa: E402
from anxin.areas.choices import LEVEL_ORDER  # noqa: E402
from anxin.areas.models import Area  # noqa: E402
from anxin.demo.generator import DemoConfig, build_demo  # noqa: E402

TREES = {
    "demo (2 x 3 x 4 grids, 5 buildings x 2 units)": DemoConfig(),
    "1,000 grids (5 x 10 x 20, 2 buildings x 1 unit)": DemoConfig(
        streets=5,
        communities_per_street=10,
        grids_per_community=20,
        buildings_per_grid=2,
        units_per_building=1,
    ),
}


def random_points(n: int, seed: int) -> list[tuple[float, float]]:
    """(lat, lng) uniformly inside the bounding box of the district."""
    district = Area.objects.get(level="district")
    west, south, east, north = shape(district.geometry).bounds
    rng = random.Random(seed)
    return [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(n)]


class NaiveIndex:
    """The baseline: every polygon of the tree in a list, tested one by one."""

    def __init__(self) -> None:
        rows = Area.objects.values_list("level", "code", "geometry")
        self.items = [(level, code, shape(geometry)) for level, code, geometry in rows]

    def resolve(self, lat: float, lng: float) -> dict[str, str]:
        point = Point(lng, lat)
        codes: dict[str, str] = {}
        for level, code, geom in self.items:
            if level not in codes and geom.covers(point):
                codes[level] = code
        return codes


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def run_tree(label: str, config: DemoConfig, points: int, naive_points: int) -> dict[str, Any]:
    call_command("flush", interactive=False, verbosity=0)
    spatial.invalidate()
    started = time.perf_counter()
    build_demo(config)
    build_seconds = time.perf_counter() - started
    areas = Area.objects.count()

    spatial.invalidate()
    started = time.perf_counter()
    spatial.get_index(force_check=True)
    index_seconds = time.perf_counter() - started

    sample = random_points(points, seed=2026)
    started = time.perf_counter()
    resolved = [spatial.resolve_point(lat, lng) for lat, lng in sample]
    indexed_seconds = time.perf_counter() - started
    grid_hits = sum(1 for r in resolved if "grid" in r.codes)

    naive = NaiveIndex()
    naive_sample = sample[:naive_points]
    started = time.perf_counter()
    naive_results = [naive.resolve(lat, lng) for lat, lng in naive_sample]
    naive_seconds = time.perf_counter() - started
    agree = sum(
        1
        for fast, slow in zip(resolved, naive_results, strict=False)
        if {lvl: fast.codes[lvl] for lvl in LEVEL_ORDER if lvl in fast.codes} == slow
    )

    indexed_rate = rate(len(sample), indexed_seconds)
    naive_rate = rate(len(naive_sample), naive_seconds)
    return {
        "label": label,
        "areas": areas,
        "build_seconds": build_seconds,
        "index_seconds": index_seconds,
        "points": len(sample),
        "grid_share": grid_hits / len(sample),
        "indexed_rate": indexed_rate,
        "naive_points": len(naive_sample),
        "naive_rate": naive_rate,
        "agree": agree,
        "speedup": indexed_rate / naive_rate if naive_rate else float("inf"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20000, help="points for resolve_point")
    parser.add_argument(
        "--naive-points", type=int, default=300, help="points for the naive baseline (slow)"
    )
    args = parser.parse_args()
    # The 13 demo accounts would cost ~0.3 s each with argon2; this throw-away
    # database needs no strong hashes, and the benchmark is about the tree.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    try:
        call_command("migrate", interactive=False, verbosity=0)
        print(f"database: temporary SQLite file {os.environ['SQLITE_PATH']}")
        for label, config in TREES.items():
            r = run_tree(label, config, args.points, args.naive_points)
            print()
            print(f"tree: {r['label']} — {r['areas']:,} areas")
            print(f"  generate + write tree      {r['build_seconds']:8.2f} s")
            print(f"  build spatial index        {r['index_seconds'] * 1000:8.1f} ms")
            print(
                f"  resolve_point (indexed)    {r['indexed_rate']:10,.0f} points/s"
                f"  ({r['points']:,} points, {r['grid_share']:.0%} inside a grid)"
            )
            print(
                f"  naive loop (baseline)      {r['naive_rate']:10,.0f} points/s"
                f"  ({r['naive_points']:,} points)"
            )
            print(f"  speed-up                   {r['speedup']:10,.1f} x")
            print(f"  same answers               {r['agree']:,} / {r['naive_points']:,}")
            if r["agree"] != r["naive_points"]:
                print("  ERROR: the index and the naive loop disagree")
                return 1
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
