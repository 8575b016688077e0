"""Page benchmark: the hazard list and the map endpoints at 100,000 hazards.

Run from the project root:

    .venv/bin/python bench/pages.py [--hazards 100000] [--requests 200] [--warmup 20]

It migrates a throw-away SQLite file (WAL), writes the demo district with the demo
generator (``anxin.demo.generator.build_demo``: 2 streets x 3 communities x 4 grids
and ``--hazards`` hazard files with their timelines over the last year), logs in
the demo ``street_admin`` by creating a session server-side, starts gunicorn
(WSGI, 2 workers, the project's gunicorn.conf.py otherwise) on a free port with
the production settings (``anxin.settings``, DEBUG off) and times, one request at
a time over a keep-alive connection, ``--requests`` GETs of each page after
``--warmup`` untimed ones:

* ``/hazards/``            the hazard list page (first page of the filtered list);
* ``/map/data/``           the map markers (default: open hazards);
* ``/map/heat/?zoom=12``   heat cells at H3 res 7, ``?zoom=15`` at res 9;
* ``/map/areas/``          the org tree polygons (GeoJSON, cached per user);
* ``/org/`` and ``/org/<street>/``  the organisation pages.

It prints p50 and p95 per page against the target p95 < 200 ms (PASS/MISS) and
exits with status 1 if a page answers anything but 200 (``--strict``: or misses).
The temporary directory is deleted at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TMP = Path(tempfile.mkdtemp(prefix="anxin-bench-pages-"))


def _option(name: str) -> str | None:
    """An option's value read before Django starts (settings need the path)."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


DB_PATH = Path(_option("--db") or TMP / "bench.sqlite3").resolve()
# The server and this process share the settings, the database file and the
# secret key (sessions are checked against it).
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "anxin.settings",
    "ANXIN_DEMO": "1",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(40),
    "SQLITE_PATH": str(DB_PATH),
    "ANXIN_VAR_DIR": str(TMP / "var"),
    "LOG_LEVEL": "WARNING",
    "GUNICORN_LOG_LEVEL": "warning",
}
os.environ.update(SERVER_ENV)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from anxin.accounts.models import User  # noqa: E402
from anxin.demo.generator import DemoConfig, build_demo  # noqa: E402
from anxin.hazards.choices import OPEN_STATUSES  # noqa: E402
from anxin.hazards.models import Hazard  # noqa: E402

TARGET_P95_MS = 200.0
BENCH_USER = "street_admin"


@dataclass
class Measurement:
    path: str
    label: str
    status: int = 0
    size: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.status != 200:
            return "ERROR"
        return "PASS" if self.p95_ms < TARGET_P95_MS else "MISS"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile of the samples (``share`` in 0..1)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def session_cookie(user: User) -> str:
    """A logged-in session for ``user``, created server-side (the database holds
    the session; the server verifies it with the shared secret key)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def start_server(port: int) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--access-logfile",
        "/dev/null",
        "anxin.wsgi:application",
    ]
    env = {**os.environ, **SERVER_ENV}
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def measure(port: int, cookie: str, path: str, label: str, count: int, warmup: int) -> Measurement:
    result = Measurement(path=path, label=label)
    headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
        "Accept-Language": "zh-hans",
        "Connection": "keep-alive",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples: list[float] = []
    try:
        for i in range(warmup + count):
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if response.status != 200:
                result.status = response.status
                result.error = body[:200].decode("utf-8", "replace")
                return result
            result.status, result.size = 200, len(body)
            if i >= warmup:
                samples.append(elapsed)
    finally:
        conn.close()
    result.p50_ms = percentile(samples, 0.50)
    result.p95_ms = percentile(samples, 0.95)
    result.max_ms = max(samples)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=100_000, help="hazard files to generate")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--db",
        help="use (and keep) this SQLite file; the demo is generated only when it has none",
    )
    parser.add_argument(
        "--only", default="", help="measure only the pages whose path contains this text"
    )
    args = parser.parse_args()
    # The demo accounts would cost ~0.3 s each with argon2: this throw-away
    # database needs no strong hashes (sessions do not depend on the hasher).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    server: subprocess.Popen[bytes] | None = None
    try:
        call_command("migrate", interactive=False, verbosity=0)
        kind = "kept" if args.db else "temporary"
        print(f"database: {kind} SQLite file {SERVER_ENV['SQLITE_PATH']}")
        started = time.perf_counter()
        if not User.objects.filter(username=BENCH_USER).exists():
            build_demo(DemoConfig(hazards=args.hazards))
            print(
                f"demo district with {Hazard.objects.count():,} hazards written in "
                f"{time.perf_counter() - started:.1f} s"
            )
        else:
            print(f"demo district already there, {Hazard.objects.count():,} hazards")
        user = User.objects.get(username=BENCH_USER)
        visible = Hazard.objects.restrict(user, "view")
        street = next(m.area for m in user.active_memberships() if m.area is not None)
        print(
            f"{BENCH_USER} ({street.name}) sees {visible.count():,} hazards, "
            f"{visible.filter(status__in=OPEN_STATUSES).count():,} open"
        )
        cookie = session_cookie(user)
        port = free_port()
        server = start_server(port)
        print(f"gunicorn: 2 workers on 127.0.0.1:{port}; {args.requests} requests per page")
        pages = [
            ("/hazards/", "hazard list page"),
            ("/map/data/", "map markers (open)"),
            ("/map/heat/?zoom=12", "map heat, H3 res 7"),
            ("/map/heat/?zoom=15", "map heat, H3 res 9"),
            ("/map/areas/", "map polygons (GeoJSON)"),
            ("/org/", "org tree with counts"),
            (f"/org/{street.code}/", "org node page (street)"),
        ]
        results = [
            measure(port, cookie, path, label, args.requests, args.warmup)
            for path, label in pages
            if args.only in path
        ]
    finally:
        if server is not None:
            stop_server(server)
        from django.db import connections

        connections.close_all()
        if args_keep():
            print(f"kept {TMP}")
        else:
            shutil.rmtree(TMP, ignore_errors=True)

    print()
    header = (
        f"{'page':<28} {'what':<26} {'KiB':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f"  target p95 < {TARGET_P95_MS:.0f} ms"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        if r.status != 200:
            print(f"{r.path:<28} {r.label:<26} {'':>8} {'':>8} {'':>8} {'':>8}  ERROR {r.status}")
            continue
        print(
            f"{r.path:<28} {r.label:<26} {r.size / 1024:8.1f} {r.p50_ms:8.1f} {r.p95_ms:8.1f}"
            f" {r.max_ms:8.1f}  {r.verdict}"
        )
    failed = [r for r in results if r.status != 200]
    for r in failed:
        print(f"\n{r.path} answered {r.status}: {r.error}")
    missed = [r for r in results if r.verdict == "MISS"]
    if failed or (args.strict and missed):
        return 1
    return 0


def args_keep() -> bool:
    return "--keep" in sys.argv[1:]


if __name__ == "__main__":
    sys.exit(main())
