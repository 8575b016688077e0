"""A task goes through the real embedded broker to a real Celery worker."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kombu import Connection

from anxin.core.tasks import heartbeat
from anxin.core.tests.subprocesses import BASE_DIR, clean_env

WAIT_SECONDS = 60


def heartbeat_rows(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=5)) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM core_workerheartbeat").fetchone()[0])


def test_heartbeat_task_runs_on_a_worker_through_the_filesystem_broker(tmp_path: Path) -> None:
    # Given a migrated embedded database and a worker on the filesystem broker
    var_dir = tmp_path / "var"
    database = tmp_path / "worker.sqlite3"
    env = clean_env(var_dir, ANXIN_TESTING="1", SQLITE_PATH=str(database))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )
    assert heartbeat_rows(database) == 0
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "anxin",
                "worker",
                "--loglevel=info",
                "--concurrency=1",
                "--hostname=anxin-test@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # When the task is sent through the same broker folders
        broker = var_dir / "broker"
        transport_options = {
            "data_folder_in": str(broker / "out"),
            "data_folder_out": str(broker / "out"),
            "processed_folder": str(broker / "processed"),
            "control_folder": str(broker / "control"),
            "store_processed": False,
        }
        with Connection("filesystem://", transport_options=transport_options) as connection:
            # Tests run tasks eagerly by default; this one must go to the broker.
            from anxin.celery import app

            eager = app.conf.task_always_eager
            app.conf.task_always_eager = False
            try:
                heartbeat.apply_async(connection=connection)
            finally:
                app.conf.task_always_eager = eager

        # Then the worker records its heartbeat in that database
        deadline = time.monotonic() + WAIT_SECONDS
        while heartbeat_rows(database) == 0:
            assert worker.poll() is None, "worker exited:\n" + log_path.read_text()
            assert time.monotonic() < deadline, (
                f"no heartbeat after {WAIT_SECONDS}s:\n" + log_path.read_text()
            )
            time.sleep(0.5)
        assert heartbeat_rows(database) == 1
        assert "anxin.core.tasks.heartbeat" in log_path.read_text()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
