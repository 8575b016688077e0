#!/usr/bin/env python3
"""Set up and run Anxin on one machine: ``python3 dev.py demo|test|check``.

Standard library only, so it runs before anything is installed. Every command
first brings the checkout up to date:

1. ``.venv`` is created with the running interpreter when missing;
2. ``requirements.lock`` is installed, then the project itself with ``--no-deps``
   (skipped while the lock and pyproject.toml are unchanged since the last install);
3. ``npm ci`` installs the browser libraries (skipped while package-lock.json is
   unchanged) and the files pages need are copied into ``anxin/static/vendor/``;
4. ``manage.py collectstatic``.

Commands:

``demo``   migrate, load the demo data and serve on http://127.0.0.1:8000/ with
           gunicorn plus a Celery worker with embedded beat; Ctrl-C stops both.
``test``   check Chromium and CJK fonts, then run pytest (extra arguments are
           passed through: ``python3 dev.py test -k scoping``).
``check``  ruff check, ruff format --check, mypy and makemigrations --check.
``setup``  only the set-up steps above (e.g. before migrating a production install).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
VENV_PYTHON = VENV_BIN / "python"
REQUIREMENTS = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
PACKAGE_LOCK = ROOT / "package-lock.json"
NODE_MODULES = ROOT / "node_modules"
VENV_STAMP = VENV / ".anxin-installed"
NODE_STAMP = NODE_MODULES / ".anxin-installed"
VENDOR_DIR = ROOT / "anxin" / "static" / "vendor"
SEED_DEMO = ROOT / "anxin" / "demo" / "management" / "commands" / "seed_demo.py"
CHROMIUM = Path(os.environ.get("ANXIN_CHROMIUM", "/usr/bin/chromium"))
MIN_PYTHON = (3, 11)

# Browser files pages load, copied from node_modules/ into anxin/static/vendor/.
# Nothing is loaded from a CDN: deployments are often on closed networks.
VENDOR_FILES: dict[str, str] = {
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.js.map": "leaflet/leaflet.js.map",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/LICENSE": "leaflet/LICENSE",
    "leaflet.markercluster/dist/leaflet.markercluster.js": (
        "leaflet.markercluster/leaflet.markercluster.js"
    ),
    "leaflet.markercluster/dist/leaflet.markercluster.js.map": (
        "leaflet.markercluster/leaflet.markercluster.js.map"
    ),
    "leaflet.markercluster/dist/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css": (
        "leaflet.markercluster/MarkerCluster.Default.css"
    ),
    "leaflet.markercluster/MIT-LICENCE.txt": "leaflet.markercluster/LICENSE",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
    "echarts/LICENSE": "echarts/LICENSE",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "htmx.org/LICENSE": "htmx/LICENSE",
}
VENDOR_DIRS: dict[str, str] = {"leaflet/dist/images": "leaflet/images"}


class SetupError(RuntimeError):
    """A set-up step failed; the message says what to do."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(command: Sequence[str | Path], env: dict[str, str] | None = None) -> None:
    """Run a command in the checkout; a non-zero exit stops dev.py."""
    printable = " ".join(str(part) for part in command)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        raise SetupError(f"command failed with exit code {result.returncode}: {printable}")


def digest(*paths: Path) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode())
        sha.update(path.read_bytes() if path.exists() else b"")
    return sha.hexdigest()


def base_env() -> dict[str, str]:
    """The caller's environment with the virtualenv first on PATH."""
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONHOME", None)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


# --- set-up ---------------------------------------------------------------------------


def ensure_venv() -> None:
    if VENV_PYTHON.exists():
        probe = subprocess.run([str(VENV_PYTHON), "-c", "import sys"], check=False)
        if probe.returncode == 0:
            return
        say(f"{VENV} is broken; recreating it")
        shutil.rmtree(VENV)
    say(f"creating {VENV.name} with {sys.executable}")
    result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], cwd=ROOT, check=False)
    if result.returncode != 0 or not VENV_PYTHON.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        raise SetupError(
            "could not create the virtualenv; on Debian/Ubuntu install the venv module "
            "first: apt-get install python3-venv"
        )


def ensure_python_packages() -> None:
    wanted = digest(REQUIREMENTS, PYPROJECT)
    if VENV_STAMP.exists() and VENV_STAMP.read_text().strip() == wanted:
        say("Python packages are up to date (requirements.lock unchanged)")
        return
    say("installing Python packages from requirements.lock")
    pip: list[str | Path] = [VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check"]
    run([*pip, "-r", REQUIREMENTS])
    run([*pip, "--no-deps", "-e", "."])
    VENV_STAMP.write_text(wanted + "\n")


def ensure_node_packages() -> None:
    wanted = digest(PACKAGE_LOCK)
    if NODE_MODULES.is_dir() and NODE_STAMP.exists() and NODE_STAMP.read_text().strip() == wanted:
        say("front-end packages are up to date (package-lock.json unchanged)")
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError("npm is required to install the front-end packages; install Node.js")
    say("installing front-end packages with npm ci")
    run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"])
    NODE_STAMP.write_text(wanted + "\n")


def copy_vendor_files() -> None:
    """Recreate anxin/static/vendor/ from node_modules/ (it is not in git)."""
    shutil.rmtree(VENDOR_DIR, ignore_errors=True)
    for source, target in VENDOR_FILES.items():
        origin = NODE_MODULES / source
        if not origin.exists():
            raise SetupError(f"{origin} is missing; delete node_modules/ and run again")
        destination = VENDOR_DIR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, destination)
    for source, target in VENDOR_DIRS.items():
        shutil.copytree(NODE_MODULES / source, VENDOR_DIR / target)
    say(f"browser libraries copied to {VENDOR_DIR.relative_to(ROOT)}/")


def manage(args: Sequence[str], env: dict[str, str]) -> None:
    run([VENV_PYTHON, "manage.py", *args], env=env)


def set_up(env: dict[str, str]) -> None:
    if sys.version_info < MIN_PYTHON:
        raise SetupError(
            f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is required, "
            f"this is {sys.version.split()[0]}"
        )
    ensure_venv()
    ensure_python_packages()
    ensure_node_packages()
    copy_vendor_files()
    say("collecting static files")
    manage(["collectstatic", "--noinput", "--verbosity", "0"], env)


# --- demo -------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def seed_demo(env: dict[str, str]) -> str:
    """Run seed_demo, showing its output; return it to print the logins again later."""
    if not SEED_DEMO.exists():
        say("seed_demo is not available in this checkout; starting without demo data")
        return ""
    say("loading demo data (seed_demo)")
    result = subprocess.run(
        [str(VENV_PYTHON), "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        raise SetupError(f"seed_demo failed with exit code {result.returncode}")
    return result.stdout


def wait_until_healthy(url: str, children: list[subprocess.Popen[bytes]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def stop_children(children: list[subprocess.Popen[bytes]], grace: float = 20.0) -> None:
    """SIGTERM each child (gunicorn and celery stop their own workers), then SIGKILL
    the child's whole process group if it is still there after ``grace`` seconds."""
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


class Stop(Exception):
    """Raised by the signal handler to leave the supervision loop."""


_stopping = threading.Event()


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    # Once only: a second Ctrl-C (or a signal sent to the whole group) arriving
    # while the children are being stopped must not cut that short and leave
    # them running.
    if _stopping.is_set():
        return
    _stopping.set()
    raise Stop(signal.Signals(signum).name)


def demo(port: int, worker: bool) -> int:
    env = base_env()
    env["ANXIN_DEMO"] = "1"
    env["DEBUG"] = "0"
    if not port_is_free(port):
        raise SetupError(f"port {port} on 127.0.0.1 is busy; choose another with --port")
    set_up(env)
    say("migrating the database")
    manage(["migrate", "--noinput"], env)
    seeded = seed_demo(env)

    base = f"http://127.0.0.1:{port}"
    commands: list[tuple[str, list[str]]] = [
        (
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "anxin.wsgi:application",
            ],
        )
    ]
    if worker:
        commands.append(
            (
                "celery",
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "anxin",
                    "worker",
                    "-B",
                    "--loglevel=info",
                    "--concurrency=1",
                ],
            )
        )

    children: list[subprocess.Popen[bytes]] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    _stopping.clear()
    for sig in previous:
        signal.signal(sig, _raise_stop)
    exit_code = 0
    try:
        for name, command in commands:
            say(f"starting {name}")
            # Own process group: Ctrl-C reaches dev.py only, which then stops each
            # child (and its workers) in order.
            children.append(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))
        if not wait_until_healthy(f"{base}/healthz", children, 60):
            say("the web server did not answer /healthz; stopping")
            exit_code = 1
        else:
            banner = [
                "",
                "Anxin demo is running (Ctrl-C stops it)",
                f"  site       {base}/",
                f"  phone app  {base}/m/  (residents; report offline at {base}/m/report/)",
                f"  admin      {base}/admin/",
                f"  API        {base}/api/v1/",
                f"  API docs   {base}/api/docs/",
                f"  health     {base}/healthz",
                f"  worker     {'Celery worker + beat' if worker else 'not started (--no-worker)'}",
                "",
            ]
            print("\n".join(banner), flush=True)
            if seeded:
                print(seeded, end="" if seeded.endswith("\n") else "\n", flush=True)
            while True:
                for (name, _), child in zip(commands, children, strict=True):
                    code = child.poll()
                    if code is not None:
                        say(f"{name} exited with code {code}; stopping")
                        exit_code = code or 1
                        raise Stop(name)
                time.sleep(0.5)
    except Stop:
        pass
    finally:
        _stopping.set()
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        say("stopping")
        stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code


# --- test ---------------------------------------------------------------------------------


def has_cjk_fonts() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is not None:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            return True
    return any(Path("/usr/share/fonts").glob("**/NotoSansCJK*"))


def ensure_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append("chromium")
    if not has_cjk_fonts():
        missing.append("fonts-noto-cjk")
    if shutil.which("xgettext") is None:  # the translation-completeness test
        missing.append("gettext")
    if not missing:
        return
    if os.geteuid() == 0 and Path("/etc/debian_version").exists():
        say(f"installing {' '.join(missing)} with apt-get")
        apt_env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update"], env=apt_env)
        run(["apt-get", "install", "-y", "--no-install-recommends", *missing], env=apt_env)
        return
    say(
        f"missing {', '.join(missing)}: browser tests need Chromium at {CHROMIUM} and CJK "
        "fonts, the translation check needs gettext "
        "(Debian/Ubuntu: sudo apt-get install chromium fonts-noto-cjk gettext)"
    )


def test(pytest_args: list[str]) -> int:
    env = base_env()
    set_up({**env, "DJANGO_SETTINGS_MODULE": "anxin.settings_test"})
    ensure_browser()
    say("running pytest " + " ".join(pytest_args))
    return subprocess.run(
        [str(VENV_BIN / "pytest"), *pytest_args], cwd=ROOT, env=env, check=False
    ).returncode


# --- check --------------------------------------------------------------------------------


def check() -> int:
    env = base_env()
    env["ANXIN_TESTING"] = "1"
    set_up(env)
    steps = [
        ("ruff check", [str(VENV_BIN / "ruff"), "check", "."]),
        ("ruff format --check", [str(VENV_BIN / "ruff"), "format", "--check", "."]),
        ("mypy", [str(VENV_BIN / "mypy"), "anxin"]),
        (
            "makemigrations --check",
            [str(VENV_PYTHON), "manage.py", "makemigrations", "--check", "--dry-run"],
        ),
    ]
    failed = []
    for name, command in steps:
        say(name)
        if subprocess.run(command, cwd=ROOT, env=env, check=False).returncode != 0:
            failed.append(name)
    if failed:
        say("FAILED: " + ", ".join(failed))
        return 1
    say("all checks passed")
    return 0


# --- setup --------------------------------------------------------------------------------


def setup_only() -> int:
    env = base_env()
    if not env.get("SECRET_KEY"):
        # collectstatic must load the settings; static files do not depend on the key.
        env.setdefault("ANXIN_DEMO", "1")
    set_up(env)
    say("set-up complete")
    return 0


# --- command line ---------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    try:
        return dispatch(argv)
    except KeyboardInterrupt:
        say("interrupted")
        return 130


def dispatch(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py",
        description="Set up and run Anxin (demo server, tests, static checks).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="serve the demo with its logins")
    demo_parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    demo_parser.add_argument(
        "--no-worker", action="store_true", help="do not start the Celery worker and beat"
    )
    commands.add_parser("test", help="run the tests; further arguments go to pytest")
    commands.add_parser("check", help="ruff, mypy and makemigrations --check")
    commands.add_parser("setup", help="only create/update .venv, node_modules and static files")

    # Everything after "test" belongs to pytest, including options like -k or -x.
    if argv[:1] == ["test"]:
        try:
            return test(argv[1:])
        except SetupError as exc:
            say(f"error: {exc}")
            return 2
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return demo(args.port, worker=not args.no_worker)
        if args.command == "setup":
            return setup_only()
        return check()
    except SetupError as exc:
        say(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
