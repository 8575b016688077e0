"""Notification latency: from a red hazard's report to its group robot message.

Run from the project root (PostgreSQL on 127.0.0.1:5432, Redis on 6379):

    .venv/bin/python bench/notify_latency.py [--hazards 200] [--baseline 200]

1. creates the PostgreSQL database ``anxin_bench_notify_<random>`` (role postgres,
   else root), migrates it, and flushes Redis database index 13 (this bench's own);
2. builds the small test tree with one user per role (no e-mail addresses, so the
   only external channel is the robot), an API token for the grid worker and a
   WeChat Work group robot for the district pointing at an HTTP receiver in this
   process (127.0.0.1, answers 200 errcode 0 at once);
3. starts real processes on that database and broker, with the production
   settings and intervals: gunicorn (1 process, 4 threads), one Celery worker
   (concurrency 1) and beat;
4. reports ``--hazards`` red hazards through ``POST /api/v1/hazards/`` one after
   the other (each once the previous one's robot message arrived; 5 warm-up
   reports first, not counted) and measures, for each, the time from the POST's
   response to the robot message's arrival at the receiver. The path: the
   report's transaction writes the outbox row; after commit the web process
   relays it to Redis; the worker runs ``hazard_changed`` (inbox rows for the grid
   worker, the street office and the district, a robot delivery written with its
   own outbox row and relayed on commit), then ``warnings.evaluate_hazard``, then
   ``notifications.deliver`` POSTs to the robot;
5. baseline in the same run: ``--baseline`` round trips of the trivial task
   ``anxin.core.tasks.heartbeat`` through the same broker and worker, from
   ``send_task`` to the row it writes (``seen_at`` of ``core_workerheartbeat``);
6. prints p50 / p95 / max of both and their ratios, stops every process, drops
   the database and flushes index 13 (also on error).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration import harness  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/13"
ROBOT_PATH = "/robot/district"
WARM_UP = 5
WAIT_SECONDS = 60


def say(text: str = "") -> None:
    print(text, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def post_hazard(port: int, token: str, category: str, n: int, rng: random.Random) -> float:
    """Report one red hazard in the first grid; returns when the response was read."""
    body = json.dumps(
        {
            "category": category,
            "lat": round(rng.uniform(30.001, 30.039), 6),
            "lng": round(rng.uniform(120.001, 120.019), 6),
            "risk_colour": "red",
            "title": f"燃气泄漏 {n}",
            "address": f"保俶路{n}号",
        }
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/hazards/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            "Idempotency-Key": f"bench-notify-{n}",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        if response.status != 201:
            raise RuntimeError(f"POST answered {response.status}")
    return time.time()


def measure_hazards(
    count: int, port: int, token: str, category: str, receiver: harness.WebhookReceiver
) -> tuple[list[float], list[float]]:
    rng = random.Random(6)
    latencies: list[float] = []
    posts: list[float] = []
    for n in range(count + WARM_UP):
        before = len(receiver.completed(ROBOT_PATH))
        started = time.time()
        answered = post_hazard(port, token, category, n, rng)
        harness.wait_until(
            lambda b=before: len(receiver.completed(ROBOT_PATH)) > b,  # type: ignore[misc]
            WAIT_SECONDS,
            f"the robot message of hazard {n}",
            interval=0.001,
        )
        arrived = receiver.completed(ROBOT_PATH)[-1].arrived_at
        if n >= WARM_UP:
            latencies.append(arrived - answered)
            posts.append(answered - started)
    return latencies, posts


def measure_heartbeats(count: int, db: harness.Database) -> list[float]:
    from celery import Celery

    app = Celery("bench", broker=REDIS_URL)
    latencies: list[float] = []
    with app.connection_for_write() as connection:
        producer = app.amqp.Producer(connection)
        for n in range(count + WARM_UP):
            last = db.value("SELECT seen_at FROM core_workerheartbeat WHERE id = 1")
            sent = time.time()
            app.send_task("anxin.core.tasks.heartbeat", producer=producer)

            def seen(last: Any = last) -> Any:
                value = db.value("SELECT seen_at FROM core_workerheartbeat WHERE id = 1")
                return value if value is not None and value != last else None

            at = harness.wait_until(seen, WAIT_SECONDS, "the heartbeat row", interval=0.001)
            if n >= WARM_UP:
                latencies.append(at.timestamp() - sent)
    return latencies


TASK_DONE = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([0-9.]+)s")


def task_times(log: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for match in TASK_DONE.finditer(log):
        times.setdefault(match.group(1), []).append(float(match.group(2)))
    return dict(sorted(times.items()))


def line(label: str, values: list[float]) -> str:
    return (
        f"{label:<38} p50 {percentile(values, 50) * 1000:8.1f} ms   "
        f"p95 {percentile(values, 95) * 1000:8.1f} ms   max {max(values) * 1000:8.1f} ms"
        f"   (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=200)
    args = parser.parse_args()

    role = harness.pg_admin_role()
    name = harness.unique_name("anxin_bench_notify")
    url = harness.create_database(role, name)
    db = harness.Database(url, name)
    say(f"database: {name} (role {role}); broker: {REDIS_URL}")
    harness.flush_redis(REDIS_URL)
    receiver = harness.WebhookReceiver().start()
    tmp = tempfile.TemporaryDirectory(prefix="anxin-bench-notify-")
    procs = harness.Processes(Path(tmp.name) / "logs")
    try:
        env = harness.child_env(database_url=url, redis_url=REDIS_URL, var_dir=Path(tmp.name))
        harness.migrate(env)
        people = harness.scenario(
            "people_and_robot", env, robot_url=receiver.url(ROBOT_PATH), emails=False
        )
        port = harness.free_port()
        procs.gunicorn(env, port)
        worker = procs.worker(env, "w1")
        procs.beat(env, Path(tmp.name) / "beat-schedule")
        say(f"gunicorn on 127.0.0.1:{port}, one worker, beat; {args.hazards} red hazards...")

        started = time.perf_counter()
        latencies, posts = measure_hazards(
            args.hazards, port, people["token"], people["category"], receiver
        )
        hazards_s = time.perf_counter() - started
        started = time.perf_counter()
        baseline = measure_heartbeats(args.baseline, db)
        baseline_s = time.perf_counter() - started

        messages = receiver.snapshot(ROBOT_PATH)
        ids = [m.delivery_id for m in messages]
        say()
        say(line("POST /api/v1/hazards/ (response)", posts))
        say(line("report -> robot message (from response)", latencies))
        say(line("baseline: heartbeat send -> DB row", baseline))
        say(
            f"ratio report->robot / heartbeat          p50 "
            f"{percentile(latencies, 50) / percentile(baseline, 50):6.1f} x   p95 "
            f"{percentile(latencies, 95) / percentile(baseline, 95):6.1f} x"
        )
        say(
            f"robot messages: {len(messages)} ({len(set(ids))} distinct deliveries), "
            f"mean {statistics.mean(latencies) * 1000:.1f} ms; "
            f"{args.hazards + WARM_UP} reports in {hazards_s:.1f} s, "
            f"{args.baseline + WARM_UP} heartbeats in {baseline_s:.1f} s"
        )
        say("time inside the worker per task (from its log):")
        for task, runs in task_times(worker.text()).items():
            say(
                f"  {task:<46} n={len(runs):<4} mean {statistics.mean(runs) * 1000:7.1f} ms"
                f"   p95 {percentile(runs, 95) * 1000:7.1f} ms"
            )
        if len(messages) != len(set(ids)) or len(messages) != args.hazards + WARM_UP:
            say("WARNING: robot messages and reports do not match one to one")
            return 1
    except Exception:
        say(procs.diagnostics())
        raise
    finally:
        procs.stop_all()
        receiver.stop()
        harness.drop_database(role, name)
        harness.flush_redis(REDIS_URL)
        tmp.cleanup()
        say(f"dropped {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
