"""Hazard REST API benchmark: reporting and listing against a district with a year of data.

Run from the project root:

    .venv/bin/python bench/hazard_api.py [--hazards 100000] [--db sqlite|postgres|both]
                                         [--requests 200] [--threads 4]
                                         [--rounds 10] [--seeded-sqlite FILE]
                                         [--seeded-pg DATABASE] [--reports-only]
                                         [--instructions N]

For each database (a SQLite file in a temporary directory; PostgreSQL database
``anxin_bench`` created and dropped on 127.0.0.1:5432 as user ``postgres``):

1. migrate, and seed the demo district with N hazards (``seed_demo --hazards N``),
   or start from a copy of a database seeded so earlier (``--seeded-sqlite``,
   ``--seeded-pg``);
2. start ONE gunicorn server (``anxin.wsgi:application``, 2 workers, the project's
   gunicorn.conf.py, worker recycling off) with ANXIN_DEMO=1 and
   ANXIN_BENCH_ENDPOINTS=1 on a free 127.0.0.1 port, and a Celery worker that
   runs the outbox relay (as every production worker does) but no task;
3. from this process, over keep-alive ``http.client`` connections, sequentially
   and with ``--threads`` concurrent clients, after a warm-up:
   * ``POST /api/v1/hazards/`` (JSON, the demo grid worker's API token, a point in
     one of their buildings, a fresh Idempotency-Key each) against
     ``POST /bench/minimal-insert`` (one row, same token): req/s and their ratio
     (target >= 0.5). The endpoints take turns in ``--rounds`` rounds, so that
     the machine changing speed weighs on all alike;
   * ``GET /api/v1/hazards/?page_size=50`` plain, by status, by area, the second
     page through the ``next`` cursor, and ``GET /api/v1/hazards/<id>/`` for random
     visible ids, as the demo street_admin and as district_admin: p50/p95/max
     (target: list p95 < 100 ms);
4. counts the queries of one list and one detail request in-process and shows the
   query plan of the list query (to explain a miss); with ``--instructions N``
   (SQLite), counts the instructions of N reports and N minimal inserts
   in-process under valgrind's callgrind: user space only, but the same
   figure however fast the machine runs at the moment;
5. stops the server and drops the PostgreSQL database, also on error.

See bench/README.md for what the figures mean and the last measured values.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "anxin_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
RATIO_TARGET = 0.5
LIST_P95_TARGET_MS = 100.0
# Variables that would change which settings the children use.
SETTINGS_VARIABLES = (
    "DEBUG",
    "ANXIN_TESTING",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "SQLITE_PATH",
    "ANXIN_VAR_DIR",
    "MEDIA_ROOT",
    "CELERY_TASK_ALWAYS_EAGER",
)


def say(text: str) -> None:
    print(text, flush=True)


# --- the project in child processes --------------------------------------------------------


def project_env(tmp: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "anxin.settings",
            "ANXIN_DEMO": "1",
            "ANXIN_BENCH_ENDPOINTS": "1",
            "ANXIN_VAR_DIR": str(tmp / "var"),
            "MEDIA_ROOT": str(tmp / "media"),
            "SQLITE_PATH": str(tmp / "bench.sqlite3"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# What a child's code runs first.
PRELUDE = "import django, json\ndjango.setup()\n"


def run_python(env: dict[str, str], code: str, timeout: float = 600) -> Any:
    """Run ``code`` with Django set up; it prints one JSON document as its last line."""
    result = subprocess.run(
        [PYTHON, "-c", PRELUDE + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[None]:
    """``anxin_bench``, empty or (``template``) a copy of an already seeded database."""
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql)

    admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    if template:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", template):
            raise SystemExit(f"not a database name: {template!r}")
        admin(f"CREATE DATABASE {PG_DATABASE} TEMPLATE {template}")
    else:
        admin(f"CREATE DATABASE {PG_DATABASE}")
    try:
        yield
    finally:
        admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def child(
    name: str, command: list[str], env: dict[str, str], tmp: Path, ready: Callable[[str], bool]
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` in its own session, logging to ``tmp/<name>.log``, until
    ``ready(log text)``; stop the whole session afterwards, also on error."""
    log_path = tmp / f"{name}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not ready(log_path.read_text()):
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: {log_path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} was not ready within 60 s")
            time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the session this script started
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/healthz")
        return conn.getresponse().status in (200, 503)
    except OSError:
        return False


@contextmanager
def gunicorn(env: dict[str, str], tmp: Path) -> Iterator[int]:
    port = free_port()
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--max-requests",
        "0",  # no recycling in the middle of a measurement
        "--access-logfile",
        "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        "anxin.wsgi:application",
    ]
    with child("gunicorn", command, env, tmp, lambda _log: _answers(port)):
        yield port


@contextmanager
def relay_worker(env: dict[str, str], tmp: Path) -> Iterator[int]:
    """A Celery worker as in production, so that the outbox relay runs (in its
    main process) while the server is measured, but listening on a queue no task
    is sent to: the requests are measured, not the background work they cause."""
    celery = str(Path(PYTHON).parent / "celery")
    command = [celery, "-A", "anxin", "worker", "-Q", "anxin-bench-no-tasks", "--pool", "solo"]
    with child("worker", [*command, "-l", "INFO"], env, tmp, lambda log: " ready." in log) as p:
        yield p.pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_relay(env: dict[str, str], seconds: float = 10) -> tuple[int, int]:
    """Outbox rows still unsent after waiting up to ``seconds`` for the relay, and
    outbox rows in all."""
    code = (
        "import time\nfrom anxin.outbox.models import OutboxMessage\n"
        f"deadline = time.monotonic() + {seconds}\n"
        "unsent = OutboxMessage.objects.filter(sent_at__isnull=True)\n"
        "while unsent.exists() and time.monotonic() < deadline:\n    time.sleep(0.2)\n"
        "print(json.dumps([unsent.count(), OutboxMessage.objects.count()]))\n"
    )
    unsent, rows = run_python(env, code)
    return int(unsent), int(rows)


# --- the client ----------------------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str
    ) -> tuple[int, bytes, float]:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = dict(self.headers, **headers)
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=all_headers)
                response = self.conn.getresponse()
                payload = response.read()
                return response.status, payload, time.perf_counter() - started
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        raise AssertionError("unreachable")


Request = Callable[[Client, int], tuple[int, bytes, float]]


@dataclass
class Result:
    label: str
    mode: str
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    sample_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def max_ms(self) -> float:
        return max(self.latencies) * 1000 if self.latencies else float("nan")


def measure(
    label: str,
    port: int,
    token: str,
    request: Request,
    count: int,
    threads: int,
    ok: tuple[int, ...] = (200,),
    warmup: int = 10,
    into: Result | None = None,
) -> Result:
    """``count`` requests over ``threads`` connections; with ``into``, added to
    that result (its rate then covers all the rounds measured into it)."""
    result = into or Result(label, "seq" if threads == 1 else f"{threads} threads")
    lock = threading.Lock()
    counter = iter(range(count))
    warm = Client(port, token)
    for i in range(warmup):
        request(warm, -1 - i)

    def worker() -> None:
        client = Client(port, token)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status, body, seconds = request(client, i)
            with lock:
                if status in ok:
                    result.latencies.append(seconds)
                else:
                    result.errors += 1
                    result.sample_error = result.sample_error or f"{status} {body[:200]!r}"

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    result.seconds += time.perf_counter() - started
    return result


# --- one database ---------------------------------------------------------------------------

SETUP_CODE = r"""
import random
from rest_framework.authtoken.models import Token
from anxin.accounts.models import User
from anxin.areas.models import Area
from anxin.hazards.models import Hazard
from anxin.outbox.models import OutboxMessage
from anxin.taxonomy.models import Category
from shapely.geometry import shape

tokens = {}
for name in ("grid_worker", "street_admin", "district_admin"):
    tokens[name] = Token.objects.get_or_create(user=User.objects.get(username=name))[0].key
grid = User.objects.get(username="grid_worker").memberships.get().area
buildings = [shape(b.geometry).bounds for b in Area.objects.filter(parent=grid)]
street = User.objects.get(username="street_admin").memberships.get().area
community = Area.objects.filter(parent=street).order_by("code").first()
rng = random.Random(1)
in_street = Hazard.objects.filter(area_path__startswith=street.path)
street_ids = list(in_street.values_list("pk", flat=True))
all_ids = list(Hazard.objects.values_list("pk", flat=True))
print(json.dumps({
    "tokens": tokens,
    "buildings": buildings,
    "community": community.code,
    "street_ids": rng.sample(street_ids, min(1000, len(street_ids))),
    "all_ids": rng.sample(all_ids, min(1000, len(all_ids))),
    "hazards": len(all_ids),
    "outbox": OutboxMessage.objects.count(),
    "categories": sorted(
        Category.objects.filter(parent__isnull=False, is_active=True).values_list("code", flat=True)
    ),
}))
"""

DIAGNOSE_CODE = r"""
import time
from django.db import connection
from rest_framework.test import APIClient
from anxin.accounts.models import User
from anxin.hazards.models import Hazard

class Queries:
    # counts the queries run inside connection.execute_wrapper(...)

    def __init__(self):
        self.count, self.slowest, self.sql = 0, 0.0, ""

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.count += 1
            if spent > self.slowest:
                self.slowest, self.sql = spent, sql


out = {}
urls = json.loads(URLS)
for username in ("street_admin", "district_admin"):
    user = User.objects.get(username=username)
    client = APIClient()
    client.force_authenticate(user)
    for label, url in urls[username]:
        client.get(url)  # warm
        queries = Queries()
        with connection.execute_wrapper(queries):
            response = client.get(url)
        out[f"{username} {label}"] = {
            "status": response.status_code,
            "queries": queries.count,
            "slowest_ms": round(queries.slowest * 1000, 1),
            "slowest_sql": queries.sql[:300],
        }
# Where the time of a report goes: the whole request against the action alone.
import uuid
from anxin.areas.models import Area
from anxin.hazards.actions import report_hazard

reporter = User.objects.get(username="grid_worker")
building = Area.objects.filter(parent=reporter.memberships.get().area).order_by("code").first()
point = {"lat": building.centroid_lat, "lng": building.centroid_lng}
client = APIClient()
client.force_authenticate(reporter)


def post():
    return client.post(
        "/api/v1/hazards/",
        {"category": "0201", "title": "x", "address": "y", **point},
        format="json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )


post()
queries = Queries()
with connection.execute_wrapper(queries):
    response = post()
started = time.perf_counter()
for _ in range(10):
    post()
whole = (time.perf_counter() - started) / 10
started = time.perf_counter()
for _ in range(10):
    report_hazard(reporter=reporter, category="0201", address="y", **point)
action = (time.perf_counter() - started) / 10
out["POST report"] = {
    "status": response.status_code,
    "queries": queries.count,
    "request_ms": round(whole * 1000, 1),
    "report_hazard_ms": round(action * 1000, 1),
    "duplicates_in_answer": len(response.json().get("duplicates", [])),
}
user = User.objects.get(username="street_admin")
visible = Hazard.objects.restrict(user, "view").select_related(
    "category", "grid", "community", "responsible_organisation"
)
out["plan: list"] = visible.order_by("-id")[:51].explain()
rectifying = visible.filter(status="rectifying")
out["plan: list status=rectifying"] = rectifying.order_by("-id")[:51].explain()
print(json.dumps(out))
"""


# Run under callgrind (``instruction_counts``): the same report and minimal insert,
# through the WSGI application in this one process, counting the instructions
# of each window of requests (callgrind_control switches counting on and off).
INSTRUCTIONS_CODE = r"""
import gc, io, os, random, subprocess, sys, uuid
sys.path.insert(0, "bench")
from django.core.wsgi import get_wsgi_application
from hazard_api import report_body

setup = json.loads(os.environ["BENCH_SETUP"])
count = int(os.environ["BENCH_REQUESTS"])
app = get_wsgi_application()
rng = random.Random(7)
token = setup["tokens"]["grid_worker"]


def call(path, body, **headers):
    data = json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": f"Token {token}", "HTTP_ACCEPT": "application/json", **headers,
    }
    status = []
    response = app(environ, lambda s, h: status.append(s))
    b"".join(response)
    response.close()
    assert status[0].startswith("201"), status


def report():
    body = report_body(rng, setup["buildings"], setup["categories"])
    call("/api/v1/hazards/", body, HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)


def minimal():
    call("/bench/minimal-insert", {"name": "x"})


for _ in range(30):
    report()
    minimal()
gc.collect()
gc.freeze()  # as the gunicorn workers do (gunicorn.conf.py)
pid = str(os.getpid())
for name, request in (("report", report), ("minimal", minimal)):
    subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True)
    subprocess.run(["callgrind_control", "--instr=on", pid], check=True, capture_output=True)
    for _ in range(count):
        request()
    subprocess.run(["callgrind_control", "--instr=off", pid], check=True, capture_output=True)
    subprocess.run(["callgrind_control", f"--dump={name}", pid], check=True, capture_output=True)
print(json.dumps({"pid": pid}))
"""


def instruction_counts(
    env: dict[str, str], tmp: Path, setup: dict[str, Any], count: int
) -> dict[str, float]:
    """Instructions per report and per minimal insert, in-process under callgrind
    (user space only: no kernel, no waiting, no caches; the same count whatever
    the machine's speed). Empty when valgrind is not installed."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        say("  valgrind is not installed: no instruction counts (apt-get install valgrind)")
        return {}
    out = tmp / "callgrind"
    out.mkdir()
    # No checkpointing thread (anxin.core.sqlite): under callgrind a request
    # takes ~50 times as long, so a thread that checkpoints 0.25 s after a
    # commit would checkpoint after every few reports instead of every ~30,
    # and its instructions would be counted with theirs. The commit that passes
    # wal_autocheckpoint checkpoints, as it did before the thread.
    child_env = dict(
        env,
        BENCH_SETUP=json.dumps(setup),
        BENCH_REQUESTS=str(count),
        SQLITE_CHECKPOINT_SECONDS="0",
    )
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}/out.%p",
        PYTHON,
        "-c",
        PRELUDE + INSTRUCTIONS_CODE,
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=1800
    )
    if result.returncode != 0:
        raise RuntimeError(f"callgrind child failed:\n{result.stderr[-3000:]}")
    counts = {}
    for part, name in ((1, "report"), (2, "minimal")):
        (dump,) = out.glob(f"out.*.{part}")
        totals = re.search(r"^totals: (\d+)", dump.read_text(), re.MULTILINE)
        assert totals, dump
        counts[name] = int(totals.group(1)) / count
    return counts


@dataclass
class DatabaseRun:
    database: str
    hazards: int = 0
    migrate_s: float = 0.0
    seed_s: float = 0.0
    generate_s: float | None = None
    reused: str = ""
    results: list[Result] = field(default_factory=list)
    ratios: dict[str, float] = field(default_factory=dict)
    diagnosis: dict[str, Any] = field(default_factory=dict)
    unsent: int = -1
    relay_cpu_s: float = 0.0
    relayed: int = 0
    instructions: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def run_database(database: str, args: argparse.Namespace) -> DatabaseRun:
    run = DatabaseRun(database)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f"anxin-api-bench-{database}-"))
    try:
        template = args.seeded_pg if database == "postgres" else None
        with postgres_database(template) if database == "postgres" else _nothing():
            env = project_env(tmp, database)
            seeded = args.seeded_sqlite if database == "sqlite" else args.seeded_pg
            if database == "sqlite" and seeded:
                # A copy: the requests below add rows, the seeded file stays as it was.
                shutil.copyfile(seeded, tmp / "bench.sqlite3")
            t = time.perf_counter()
            manage(env, "migrate", "-v0")
            run.migrate_s = time.perf_counter() - t
            if seeded:
                run.reused = seeded
                say(f"[{database}] reusing the seeded database {seeded} (a copy); migrated")
            else:
                say(
                    f"[{database}] migrated in {run.migrate_s:.1f} s; "
                    f"seeding {args.hazards:,} hazards"
                )
                t = time.perf_counter()
                out = manage(env, "seed_demo", "--hazards", str(args.hazards), "--seed", "42")
                run.seed_s = time.perf_counter() - t
                # the line with the digest, in English or Chinese: "... in 59.7 s (digest …)"
                found = re.search(r"(\d+\.\d)\s?(?:s|秒)\W+(?:digest|摘要值)", out)
                run.generate_s = float(found.group(1)) if found else None
                say(
                    f"[{database}] seed_demo took {run.seed_s:.1f} s"
                    + (f" (generating the hazards: {run.generate_s:.1f} s)" if found else "")
                )
            setup = run_python(env, SETUP_CODE)
            run.hazards = setup["hazards"]
            with relay_worker(env, tmp) as worker, gunicorn(env, tmp) as port:
                say(f"[{database}] gunicorn on 127.0.0.1:{port} and a relaying worker, measuring")
                cpu = cpu_seconds(worker)
                measure_all(run, port, setup, args)
                run.unsent, rows = wait_for_relay(env)
                run.relay_cpu_s = cpu_seconds(worker) - cpu
                run.relayed = rows - setup["outbox"]
            run.diagnosis = run_python(
                env, f"URLS = {json.dumps(json.dumps(diagnose_urls(setup)))}\n" + DIAGNOSE_CODE
            )
            if args.instructions and database == "sqlite":
                say(f"[{database}] counting instructions under callgrind")
                run.instructions = instruction_counts(env, tmp, setup, args.instructions)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    run.seconds = time.perf_counter() - started
    return run


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def list_urls(setup: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("list", "/api/v1/hazards/?page_size=50"),
        ("list status=rectifying", "/api/v1/hazards/?page_size=50&status=rectifying"),
        ("list area=community", f"/api/v1/hazards/?page_size=50&area={setup['community']}"),
    ]


def diagnose_urls(setup: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    return {
        "street_admin": [
            *list_urls(setup),
            ("detail", f"/api/v1/hazards/{setup['street_ids'][0]}/"),
        ],
        "district_admin": [("list", "/api/v1/hazards/?page_size=50")],
    }


def report_body(
    rng: random.Random, buildings: list[list[float]], categories: list[str]
) -> dict[str, Any]:
    """A report of the benchmark: a random subclass (few duplicates among the
    reports), a point inside one of the grid worker's buildings."""
    west, south, east, north = rng.choice(buildings)
    return {
        "category": rng.choice(categories),
        "lat": round(rng.uniform(south + (north - south) * 0.1, north - (north - south) * 0.1), 7),
        "lng": round(rng.uniform(west + (east - west) * 0.1, east - (east - west) * 0.1), 7),
        "title": "压测上报",
        "description": "benchmark report",
        "address": "benchmark",
    }


def measure_all(
    run: DatabaseRun, port: int, setup: dict[str, Any], args: argparse.Namespace
) -> None:
    n, threads = args.requests, args.threads
    rng = random.Random(7)
    buildings = setup["buildings"]
    categories = setup["categories"]  # all subclasses: few duplicates among the reports
    reporter = setup["tokens"]["grid_worker"]

    def report(client: Client, i: int) -> tuple[int, bytes, float]:
        body = report_body(rng, buildings, categories)
        return client.call(
            "POST", "/api/v1/hazards/", body, **{"Idempotency-Key": uuid.uuid4().hex}
        )

    def minimal(client: Client, i: int) -> tuple[int, bytes, float]:
        return client.call("POST", "/bench/minimal-insert", {"name": "x"})

    def minimal_plain(client: Client, i: int) -> tuple[int, bytes, float]:
        return client.call("POST", "/bench/minimal-insert-plain", {"name": "x"})

    # The three endpoints take turns, a slice of the requests at a time, so that
    # a change in the machine's speed during the run (other work, CPU steal)
    # falls on all three alike instead of on whichever was being measured.
    rounds = max(1, min(args.rounds, n))
    for mode in (1, threads):
        label = "seq" if mode == 1 else f"{mode} threads"
        hazard = Result("POST /api/v1/hazards/", label)
        floor = Result("POST /bench/minimal-insert", label)
        plain = Result("POST /bench/minimal-insert-plain", label)
        for r in range(rounds):
            share = n // rounds + (1 if r < n % rounds else 0)
            warmup = 10 if r == 0 else 2
            for result, request in ((hazard, report), (floor, minimal), (plain, minimal_plain)):
                measure(
                    result.label,
                    port,
                    reporter,
                    request,
                    share,
                    mode,
                    ok=(201,),
                    warmup=warmup,
                    into=result,
                )
        run.results += [hazard, floor, plain]
        run.ratios[hazard.mode] = hazard.rate / floor.rate if floor.rate else 0.0
        say(
            f"  {hazard.mode}: report {hazard.rate:.1f} req/s, minimal (REST API) "
            f"{floor.rate:.1f} req/s, minimal (bare Django view) {plain.rate:.1f} req/s; "
            f"report/bare ratio {hazard.rate / plain.rate if plain.rate else 0:.2f}"
        )

    if args.reports_only:
        return
    for username, ids_key in (("street_admin", "street_ids"), ("district_admin", "all_ids")):
        token = setup["tokens"][username]
        probe = Client(port, token)
        status, body, _s = probe.call("GET", "/api/v1/hazards/?page_size=50")
        next_url = json.loads(body).get("next") if status == 200 else None
        urls = list_urls(setup)
        if next_url:
            parsed = urlsplit(next_url)
            urls.append(("list page 2 (cursor)", f"{parsed.path}?{parsed.query}"))
        ids = setup[ids_key]
        for label, url in urls:
            run.results.append(measure(f"GET {label} [{username}]", port, token, _get(url), n, 1))
        run.results.append(
            measure(
                f"GET detail [{username}]",
                port,
                token,
                _detail(ids, 1),
                n,
                1,
            )
        )
        for label, url in urls[:1]:
            run.results.append(
                measure(f"GET {label} [{username}]", port, token, _get(url), n, threads)
            )
        run.results.append(
            measure(
                f"GET detail [{username}]",
                port,
                token,
                _detail(ids, -1),
                n,
                threads,
            )
        )
        say(f"  GETs as {username} done")


def _get(url: str) -> Request:
    return lambda client, i: client.call("GET", url)


def _detail(ids: list[int], direction: int) -> Request:
    """Details of the sample's ids, from its start (1) or its end (-1), warm-up excluded."""

    def request(client: Client, i: int) -> tuple[int, bytes, float]:
        index = i if direction == 1 else -1 - i
        return client.call("GET", f"/api/v1/hazards/{ids[index % len(ids)]}/")

    return request


# --- report ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_run(run: DatabaseRun) -> list[tuple[str, str, str, str]]:
    """Print one database's table; return its target rows (database, what, value, verdict)."""
    say("")
    say(f"== {run.database}: {run.hazards:,} hazards in the database ==")
    seeding = f"seed_demo {run.seed_s:.1f} s"
    if run.generate_s is not None:
        seeding += f" (hazard generation {run.generate_s:.1f} s)"
    if run.reused:
        seeding = f"seeded database reused (copy of {run.reused})"
    say(f"migrate {run.migrate_s:.1f} s, {seeding}; this database took {run.seconds:.0f} s")
    say(f"outbox rows the worker's relay had not sent 10 s after the last request: {run.unsent}")
    say(
        f"CPU time of the relaying worker during the run: {run.relay_cpu_s:.2f} s for "
        f"{run.relayed} outbox rows"
        + (f" ({run.relay_cpu_s / run.relayed * 1000:.2f} ms per row)" if run.relayed else "")
    )
    say(
        f"{'request':<52} {'mode':<10} {'n':>5} {'req/s':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'max ms':>7} {'err':>4}"
    )
    for r in run.results:
        say(
            f"{r.label:<52} {r.mode:<10} {len(r.latencies):>5} {r.rate:>7.1f} {r.pct(0.5):>7.1f} "
            f"{r.pct(0.95):>7.1f} {r.max_ms:>7.1f} {r.errors:>4}"
        )
        if r.sample_error:
            say(f"    first error: {r.sample_error}")
    if run.instructions:
        report, minimal = run.instructions["report"], run.instructions["minimal"]
        say(
            f"instructions per request (in-process, callgrind): report {report / 1e6:.2f} M, "
            f"minimal insert {minimal / 1e6:.2f} M; minimal/report {minimal / report:.3f}"
        )
    targets = []
    for mode, ratio in run.ratios.items():
        targets.append(
            (
                run.database,
                f"report/minimal req/s ratio ({mode})",
                f"{ratio:.2f} (>= {RATIO_TARGET})",
                verdict(ratio >= RATIO_TARGET),
            )
        )
    for r in run.results:
        if r.label.startswith("GET list") and r.mode == "seq":
            p95 = r.pct(0.95)
            targets.append(
                (
                    run.database,
                    f"{r.label} {r.mode} p95",
                    f"{p95:.1f} ms (< {LIST_P95_TARGET_MS:.0f})",
                    verdict(p95 < LIST_P95_TARGET_MS and not r.errors),
                )
            )
    say("")
    say("queries per request (in-process, warm) and the slowest query:")
    for key, value in run.diagnosis.items():
        if key == "POST report":
            say(
                f"  {key:<45} {value['queries']:>3} queries, {value['request_ms']} ms per request "
                f"of which report_hazard {value['report_hazard_ms']} ms; "
                f"{value['duplicates_in_answer']} duplicates in the answer "
                f"(status {value['status']})"
            )
            continue
        if key.startswith("plan:"):
            continue
        say(
            f"  {key:<45} {value['queries']:>3} queries, slowest {value['slowest_ms']} ms "
            f"(status {value['status']})"
        )
    for key, value in run.diagnosis.items():
        if key.startswith("plan:"):
            say(f"  {key}:")
            for line in str(value).splitlines()[:12]:
                say(f"    {line}")
    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per row")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="the report and the minimal inserts take turns in this many rounds (default 10)",
    )
    parser.add_argument(
        "--seeded-sqlite",
        metavar="FILE",
        help="instead of migrate + seed_demo, start from a copy of this SQLite file "
        "(seeded earlier by seed_demo; for quicker repeated runs)",
    )
    parser.add_argument(
        "--seeded-pg",
        metavar="DATABASE",
        help="instead of seed_demo, create anxin_bench from this seeded PostgreSQL "
        "database (CREATE DATABASE … TEMPLATE; it must have no open connections)",
    )
    parser.add_argument(
        "--reports-only",
        action="store_true",
        help="measure the report and minimal-insert rows only (no GET rows, no list target)",
    )
    parser.add_argument(
        "--instructions",
        type=int,
        default=0,
        metavar="N",
        help="SQLite: also count the instructions of N reports and N minimal inserts "
        "in-process under valgrind's callgrind (a figure the machine's speed does not move)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    say(
        f"hazard API benchmark: {args.hazards:,} hazards, {args.requests} requests per row, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    targets = []
    for database in databases:
        run = run_database(database, args)
        targets += print_run(run)
    say("")
    say("== targets ==")
    for database, what, value, mark in targets:
        say(f"  {mark}  {database:<9} {what:<62} {value}")
    say("")
    say(
        f"total {time.perf_counter() - started:.0f} s "
        f"(load average at the end {os.getloadavg()[0]:.1f})"
    )
    return 0 if all(t[3] == "PASS" for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
