"""Overdue sweep benchmark: ``sweep_overdue()`` over 1,000,000 open hazards.

Run from the project root (PostgreSQL on 127.0.0.1:5432, Redis on 6379):

    .venv/bin/python bench/sweep.py [--hazards 1000000] [--past-percent 1]

1. creates the PostgreSQL database ``anxin_bench_sweep_<random>`` (role postgres,
   else root) and migrates it;
2. in a child process with the real settings on that database and Redis database
   index 14 (flushed before and after; the outbox relays each escalation there on
   commit, as in production):
   * builds the small test tree (two communities) and reports and verifies ONE
     yellow hazard through the actions, the template;
   * copies the template N times inside PostgreSQL (``INSERT ... SELECT ... FROM
     generate_series``), varying what the sweep reads: status (70% in the
     deadline states dispatched / rectifying / returned, 30% reported, verified or
     awaiting recheck), deadline (past for ``--past-percent`` of all rows, 1 to 48
     hours ago; otherwise 1 to 30 days ahead), risk colour (blue, yellow, orange,
     red in turn), community (either of the two), escalation level 0, not overdue;
     then ``VACUUM ANALYZE``;
   * times, in this order: the baseline ``SELECT count(*)`` over the table; the
     sweep's candidate query alone (and its ``EXPLAIN ANALYZE``); (a) the first
     ``sweep_overdue()`` (marks the past ones overdue and escalates them); (b) a
     second, idle ``sweep_overdue()`` (nothing left to change) with its candidate
     query's ``EXPLAIN ANALYZE``;
3. prints the figures and drops the database (also on error).

See bench/README.md for the last measured figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REDIS_URL = "redis://127.0.0.1:6379/14"


def say(text: str = "") -> None:
    print(text, flush=True)


# --- the child: runs with Django on the bench database ------------------------------------
def _timed(fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def child(hazards: int, past_percent: float) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from anxin.hazards import actions
    from anxin.hazards.choices import DEADLINE_STATUSES
    from anxin.hazards.models import Hazard
    from anxin.hazards.selectors import due_for_sweep
    from anxin.taxonomy.models import Category
    from anxin.testing.factories import Personas, Tree

    out: dict[str, Any] = {"hazards": hazards}
    tree = Tree()
    personas = Personas(tree)
    category = (
        Category.objects.filter(
            parent__isnull=False, responsible_kind="property", deadline_days__isnull=True
        )
        .order_by("code")
        .first()
    )
    assert category is not None
    template = actions.report_hazard(
        reporter=personas.grid_worker, category=category.code, lat=30.015, lng=120.007
    ).hazard
    actions.transition(template.pk, personas.grid_worker, "verify")

    # Every past row is one of g % every == 1; those g are in a deadline state (g % 10 < 7).
    every = round(100 / past_percent)
    assert every % 10 == 0, "--past-percent must divide 10 (1, 2, 5, 10, 0.5, ...)"
    fields = [f for f in Hazard._meta.concrete_fields if not f.primary_key]
    column_names = [str(f.column) for f in fields]
    overrides = {
        "uuid": "gen_random_uuid()",
        "code": "h.code || '-' || g",
        "machine_code": "h.machine_code || '-' || g",
        "idempotency_key": "NULL",
        "status": (
            "(ARRAY['dispatched','rectifying','returned','dispatched','rectifying','returned',"
            "'rectifying','reported','verified','awaiting_recheck'])[mod(g, 10) + 1]"
        ),
        "deadline": (
            f"CASE WHEN mod(g, {every}) = 1 THEN now() - (mod(g, 48) + 1) * interval '1 hour' "
            "WHEN mod(g, 10) < 7 OR mod(g, 10) = 9 "
            "THEN now() + (mod(g, 30) + 1) * interval '1 day' "
            "ELSE NULL END"
        ),
        # as dispatch sets it: the sweep looks at a hazard once its deadline passes
        "next_escalation_at": (
            f"CASE WHEN mod(g, {every}) = 1 THEN now() - (mod(g, 48) + 1) * interval '1 hour' "
            "WHEN mod(g, 10) < 7 OR mod(g, 10) = 9 "
            "THEN now() + (mod(g, 30) + 1) * interval '1 day' "
            "ELSE NULL END"
        ),
        "risk_colour": "(ARRAY['blue','yellow','orange','red'])[mod(g / 7, 4) + 1]",
        "community_id": f"CASE WHEN mod(g, 2) = 0 THEN {tree.community_a1.pk} "
        f"ELSE {tree.community_b1.pk} END",
        "escalation_level": "0",
        "is_overdue": "false",
        "overdue_since": "NULL",
        "reported_at": "now() - mod(g, 365) * interval '1 day'",
        "found_at": "now() - mod(g, 365) * interval '1 day'",
    }
    table = connection.ops.quote_name(Hazard._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in column_names)
    values = ", ".join(overrides.get(c, f"h.{connection.ops.quote_name(c)}") for c in column_names)
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {values} "
        f"FROM {table} h CROSS JOIN generate_series(1, %s) g WHERE h.id = %s"
    )
    with connection.cursor() as cursor:
        _none, out["insert_s"] = _timed(lambda: cursor.execute(sql, [hazards - 1, template.pk]))
        _none, out["vacuum_s"] = _timed(lambda: cursor.execute(f"VACUUM ANALYZE {table}"))
        cursor.execute(f"SELECT pg_total_relation_size('{Hazard._meta.db_table}')")
        out["table_bytes"] = cursor.fetchone()[0]

    def count_all() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
            return int(cursor.fetchone()[0])

    count_all()  # warm the cache like the sweep's query will be
    out["rows"], out["count_s"] = _timed(count_all)
    out["past_due"] = Hazard.objects.filter(
        status__in=DEADLINE_STATUSES, deadline__lt=timezone.now()
    ).count()

    def candidates() -> Any:
        return due_for_sweep(timezone.now()).values_list("pk", flat=True).order_by("pk")

    ids, out["candidates_s"] = _timed(lambda: list(candidates()))
    out["candidates"] = len(ids)
    out["explain_first"] = candidates().explain(analyze=True, buffers=True)

    first, out["first_sweep_s"] = _timed(actions.sweep_overdue)
    out["first_sweep"] = vars(first)
    ids, out["idle_candidates_s"] = _timed(lambda: list(candidates()))
    out["idle_candidates"] = len(ids)
    out["explain_idle"] = candidates().explain(analyze=True, buffers=True)
    second, out["idle_sweep_s"] = _timed(actions.sweep_overdue)
    out["idle_sweep"] = vars(second)
    with transaction.atomic():
        out["overdue_rows"] = Hazard.objects.filter(is_overdue=True).count()
    return out


# --- the parent: database, child, report -----------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--past-percent", type=float, default=1.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(args.hazards, args.past_percent)
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    from tests.integration import harness

    role = harness.pg_admin_role()
    name = harness.unique_name("anxin_bench_sweep")
    started = time.perf_counter()
    url = harness.create_database(role, name)
    say(f"database: {name} on {harness.PG_HOST}:{harness.PG_PORT} (role {role})")
    try:
        harness.flush_redis(REDIS_URL)
        with tempfile.TemporaryDirectory(prefix="anxin-bench-sweep-") as tmp:
            env = harness.child_env(
                database_url=url,
                redis_url=REDIS_URL,
                var_dir=Path(tmp),
                LOG_LEVEL="WARNING",
            )
            harness.migrate(env)
            say(f"migrated in {time.perf_counter() - started:.1f} s; running the sweep child...")
            proc = subprocess.run(
                [
                    harness.PYTHON,
                    str(Path(__file__).resolve()),
                    "--child",
                    "--hazards",
                    str(args.hazards),
                    "--past-percent",
                    str(args.past_percent),
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
                check=False,
            )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            say(proc.stdout[-3000:])
            say(proc.stderr[-6000:])
            return 1
        report(json.loads(lines[-1].removeprefix("RESULT ")))
    finally:
        harness.drop_database(role, name)
        harness.flush_redis(REDIS_URL)
        say(f"dropped {name}; total {time.perf_counter() - started:.0f} s")
    return 0


def report(r: dict[str, Any]) -> None:
    say()
    say(f"hazards in the table             {r['rows']:>12,}")
    say(f"  in a deadline state, past due  {r['past_due']:>12,}")
    say(f"  table + indexes                {r['table_bytes'] / 1e6:>12,.0f} MB")
    say(f"  bulk insert / vacuum analyze   {r['insert_s']:>10.1f} s / {r['vacuum_s']:.1f} s")
    say()
    say(f"baseline SELECT count(*)         {r['count_s'] * 1000:>10.1f} ms")
    say(
        f"candidate query (first sweep)    {r['candidates_s'] * 1000:>10.1f} ms"
        f"  ({r['candidates']:,} ids)"
    )
    first = r["first_sweep"]
    say(
        f"(a) first sweep                  {r['first_sweep_s']:>10.2f} s"
        f"  (checked {first['checked']:,}, marked {first['marked_overdue']:,}, "
        f"escalations {first['escalations']:,})"
    )
    per_hazard = r["first_sweep_s"] / max(first["checked"], 1) * 1000
    say(f"    per hazard changed           {per_hazard:>10.2f} ms")
    say(
        f"candidate query (idle sweep)     {r['idle_candidates_s'] * 1000:>10.1f} ms"
        f"  ({r['idle_candidates']:,} ids)"
    )
    idle = r["idle_sweep"]
    say(
        f"(b) idle second sweep            {r['idle_sweep_s']:>10.2f} s"
        f"  (checked {idle['checked']:,}, marked {idle['marked_overdue']:,}, "
        f"escalations {idle['escalations']:,})"
    )
    say(
        f"ratio candidate query / count(*) {r['candidates_s'] / r['count_s']:>10.2f} x"
        f"   idle sweep / count(*) {r['idle_sweep_s'] / r['count_s']:.1f} x"
    )
    say()
    say("EXPLAIN ANALYZE, candidate query before the first sweep:")
    say(r["explain_first"])
    say()
    say("EXPLAIN ANALYZE, candidate query of the idle sweep:")
    say(r["explain_idle"])


if __name__ == "__main__":
    sys.exit(main())
