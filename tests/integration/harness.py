"""Real processes and real receivers for the integration tests and the benches.

Nothing here is mocked: PostgreSQL on 127.0.0.1:5432, Redis (the machine's shared
server or one started here on its own port), ``celery worker`` / ``celery beat``
/ gunicorn as child processes, an HTTP server that receives webhooks and an SMTP
server (aiosmtpd) that receives e-mail, both on 127.0.0.1 in this process.

Every wait has a deadline, and every child process is killed by ``stop_all``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG_HOST = os.environ.get("ANXIN_IT_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ANXIN_IT_PG_PORT", "5432"))
PG_ROLES = ("postgres", "root")
SHARED_REDIS_URL = os.environ.get("ANXIN_IT_REDIS_URL", "redis://127.0.0.1:6379/9")

# Variables that change which settings a child uses; a child starts without them.
SETTINGS_VARIABLES = (
    "DEBUG",
    "ANXIN_TESTING",
    "ANXIN_DEMO",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "SQLITE_PATH",
    "ANXIN_VAR_DIR",
    "MEDIA_ROOT",
    "CELERY_TASK_ALWAYS_EAGER",
    "OUTBOX_RELAY_ON_COMMIT",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "SMS_BACKEND",
    "BROKER_VISIBILITY_TIMEOUT_SECONDS",
    "SWEEP_INTERVAL_SECONDS",
    "OUTBOX_RELAY_INTERVAL_SECONDS",
)


class Unavailable(RuntimeError):
    """A service the integration tests need is missing; the message says which."""


T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- PostgreSQL ------------------------------------------------------------------------
def pg_url(database: str, role: str) -> str:
    return f"postgres://{role}@{PG_HOST}:{PG_PORT}/{database}"


def pg_admin_role() -> str:
    """The superuser role that trust authentication lets in (postgres, else root)."""
    errors = []
    for role in PG_ROLES:
        try:
            with psycopg.connect(pg_url("postgres", role), connect_timeout=5):
                return role
        except psycopg.OperationalError as exc:
            errors.append(f"{role}: {str(exc).strip()}")
    raise Unavailable(
        f"PostgreSQL is required on {PG_HOST}:{PG_PORT} with trust authentication for the "
        "role postgres (or root); start it (CI: .ci/run does) — " + "; ".join(errors)
    )


def pg_execute(role: str, *statements: str) -> None:
    with psycopg.connect(pg_url("postgres", role), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def create_database(role: str, name: str, template: str | None = None) -> str:
    suffix = f' TEMPLATE "{template}"' if template else ""
    pg_execute(role, f'CREATE DATABASE "{name}"{suffix}')
    return pg_url(name, role)


def drop_database(role: str, name: str) -> None:
    pg_execute(role, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class Database:
    """A PostgreSQL database of this run, read from the test with plain SQL."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]

    def value(self, sql: str, *params: Any) -> Any:
        found = self.rows(sql, *params)
        return found[0][0] if found else None


# --- Redis -----------------------------------------------------------------------------
def redis_server_binary() -> str:
    path = shutil.which("redis-server")
    if path is None:
        raise Unavailable(
            "redis-server is required for the integration tests (apt-get install redis-server)"
        )
    return path


def redis_ping(url: str, timeout: float = 2.0) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        return bool(client.ping())
    except redis.RedisError:
        return False


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()


# --- waiting ---------------------------------------------------------------------------
def wait_until(
    probe: Callable[[], T],
    seconds: float,
    what: str,
    diagnostics: Callable[[], str] | None = None,
    interval: float = 0.2,
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            extra = diagnostics() if diagnostics else ""
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}\n{extra}")
        time.sleep(interval)


# --- child processes -------------------------------------------------------------------
def child_env(
    *,
    database_url: str,
    redis_url: str,
    var_dir: Path,
    **overrides: str,
) -> dict[str, str]:
    """The environment of every child: the real settings (not the test settings)
    on this run's database and broker; tasks always go through the broker."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    var_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "anxin.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "test",
            "ANXIN_VAR_DIR": str(var_dir),
            "MEDIA_ROOT": str(var_dir / "media"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
            "NOTIFY_SITE_URL": "https://anxin.example.cn",
        }
    )
    env.update(overrides)
    return env


@dataclass
class Child:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def alive(self) -> bool:
        return self.popen.poll() is None

    def children(self) -> list[int]:
        """Pids of this process's direct children (e.g. a worker's pool process)."""
        found: list[int] = []
        task_dir = Path(f"/proc/{self.pid}/task")
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for task in task_dir.iterdir():
                text = (task / "children").read_text().split()
                found.extend(int(pid) for pid in text)
        return found


class Processes:
    """Child processes of one test; ``stop_all`` kills every one of them."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[Child] = []
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        log = self.log_dir / f"{name}-{len(self.children)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                list(argv),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: killpg takes its children too
            )
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def worker(
        self, env: dict[str, str], name: str = "w1", extra: Sequence[str] = (), wait: bool = True
    ) -> Child:
        child = self.start(
            name,
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "anxin",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "-n",
                f"{name}@%h",
                "--without-mingle",
                "--without-gossip",
                *extra,
            ],
            env,
        )
        if wait:
            self.wait_for_log(child, " ready.", 60)
        return child

    def beat(self, env: dict[str, str], schedule: Path) -> Child:
        child = self.start(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "anxin",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(schedule),
                "--max-interval",
                "1",
            ],
            env,
        )
        self.wait_for_log(child, "beat: Starting", 60)
        return child

    def gunicorn(self, env: dict[str, str], port: int) -> Child:
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
        }
        child = self.start(
            "gunicorn",
            [PYTHON, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            env,
        )
        wait_until(
            lambda: http_ok(f"http://127.0.0.1:{port}/healthz"),
            60,
            "gunicorn to answer /healthz",
            self.diagnostics,
        )
        return child

    def wait_for_log(self, child: Child, text: str, seconds: float) -> None:
        def probe() -> bool:
            if not child.alive():
                raise AssertionError(f"{child.name} exited:\n{child.tail(80)}")
            return text in child.text()

        wait_until(probe, seconds, f"{child.name} to log {text!r}", self.diagnostics)

    def kill(self, child: Child, sig: int = signal.SIGKILL, group: bool = True) -> None:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(child.pid, sig)
            else:
                os.kill(child.pid, sig)
        if sig == signal.SIGKILL:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=10)

    def stop(self, child: Child, grace: float = 10.0) -> None:
        if child.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=grace)
        # Whatever is left of the group (a pool process, a gunicorn worker) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.popen.wait(timeout=10)

    def stop_all(self, grace: float = 5.0) -> None:
        """SIGTERM every child at once, then SIGKILL what is left of each group."""
        for child in self.children:
            if child.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        for child in self.children:
            self.stop(child, grace=0.0)

    def diagnostics(self) -> str:
        parts = []
        for child in self.children:
            state = "running" if child.alive() else f"exited {child.popen.returncode}"
            parts.append(f"--- {child.name} ({state}) {child.log} ---\n{child.tail(30)}")
        return "\n".join(parts)


def run_python_module(
    module: str, args: Sequence[str], env: dict[str, str], timeout: float = 120
) -> str:
    result = subprocess.run(
        [PYTHON, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{module} {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        )
    return result.stdout


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"migrate failed:\n{result.stdout}\n{result.stderr[-5000:]}")


def scenario(name: str, env: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Run ``tests.integration.scenarios.<name>(**kwargs)`` in a child with ``env``."""
    out = run_python_module("tests.integration.scenarios", [name, json.dumps(kwargs)], env)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"scenario {name} printed no result:\n{out}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


# --- an HTTP server that receives webhooks ---------------------------------------------
@dataclass
class WebhookRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    arrived_at: float  # time.time()
    outcome: str = "pending"  # "completed" (answered 200) or "abandoned" (client gone)
    held: bool = False

    @property
    def delivery_id(self) -> str | None:
        return self.headers.get("x-anxin-delivery")

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class WebhookReceiver:
    """Records every POST and answers like a group robot (200, errcode 0).

    ``hold_next(seconds)`` makes the next request wait up to ``seconds`` before
    it is answered; while it waits, the receiver watches the connection, and if
    the client goes away (its process was killed) the request is recorded as
    ``abandoned`` and never answered.
    """

    def __init__(self) -> None:
        self.requests: list[WebhookRequest] = []
        self.lock = threading.Lock()
        self.holds: list[float] = []
        self.held_arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                request = WebhookRequest(
                    path=parsed.path,
                    query=dict(urllib.parse.parse_qsl(parsed.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    arrived_at=time.time(),
                )
                with receiver.lock:
                    receiver.requests.append(request)
                    hold = receiver.holds.pop(0) if receiver.holds else 0.0
                if hold:
                    request.held = True
                    receiver.held_arrived.set()
                    if receiver.client_left(self.connection, hold):
                        request.outcome = "abandoned"
                        self.close_connection = True
                        return
                data = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:
                    request.outcome = "abandoned"
                    return
                request.outcome = "completed"

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def client_left(connection: socket.socket, seconds: float) -> bool:
        """Wait up to ``seconds``; True as soon as the peer closed the connection."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            readable, _w, _x = select.select([connection], [], [], 0.05)
            if readable:
                try:
                    if connection.recv(1, socket.MSG_PEEK) == b"":
                        return True
                except OSError:
                    return True
        return False

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def hold_next(self, seconds: float) -> None:
        with self.lock:
            self.holds.append(seconds)

    def snapshot(self, path: str | None = None) -> list[WebhookRequest]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def completed(self, path: str | None = None) -> list[WebhookRequest]:
        return [r for r in self.snapshot(path) if r.outcome == "completed"]


# --- an SMTP server that receives e-mail -----------------------------------------------
@dataclass
class MailReceiver:
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def start(self) -> MailReceiver:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


# --- a Redis server of our own ---------------------------------------------------------
class OwnRedis:
    """``redis-server`` on its own port (nothing saved), stopped and started at will."""

    def __init__(self, processes: Processes, port: int | None = None) -> None:
        self.binary = redis_server_binary()
        self.processes = processes
        self.port = port or free_port()
        self.child: Child | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.child = self.processes.start(
            "redis",
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            os.environ.copy(),
        )
        wait_until(lambda: redis_ping(self.url, 0.5), 30, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.child is not None:
            self.processes.stop(self.child)
            self.child = None
        wait_until(lambda: not redis_ping(self.url, 0.5), 30, "redis-server to stop")


@contextlib.contextmanager
def running(*items: Any) -> Iterator[None]:
    """Start receivers and stop them afterwards, also on error."""
    started = []
    try:
        for item in items:
            item.start()
            started.append(item)
        yield
    finally:
        for item in reversed(started):
            item.stop()
