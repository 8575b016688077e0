"""Settings read from the environment: a missing production secret fails loudly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from anxin.core.tests.subprocesses import clean_env, run_python

IMPORT_SETTINGS = "import anxin.settings as s; print('DEBUG', s.DEBUG)"


def test_settings_refuse_to_load_without_secret_key_in_production(tmp_path: Path) -> None:
    # Given no SECRET_KEY and neither DEBUG, ANXIN_TESTING nor ANXIN_DEMO
    env = clean_env(tmp_path)

    # When
    result = run_python(IMPORT_SETTINGS, env)

    # Then
    assert result.returncode != 0
    assert "ImproperlyConfiguredEnv" in result.stderr
    assert "SECRET_KEY is required" in result.stderr


def test_settings_load_with_a_secret_key(tmp_path: Path) -> None:
    env = clean_env(tmp_path, SECRET_KEY="a-long-random-production-secret")

    result = run_python(IMPORT_SETTINGS, env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False"


def test_demo_mode_needs_no_secret_key_and_keeps_debug_off(tmp_path: Path) -> None:
    env = clean_env(tmp_path, ANXIN_DEMO="1")

    result = run_python(IMPORT_SETTINGS, env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False"


def test_a_malformed_variable_stops_start_up_naming_it(tmp_path: Path) -> None:
    env = clean_env(tmp_path, SECRET_KEY="x" * 50, LOGIN_LOCKOUT_FAILURES="five")

    result = run_python(IMPORT_SETTINGS, env)

    assert result.returncode != 0
    assert "LOGIN_LOCKOUT_FAILURES must be an integer, not 'five'" in result.stderr


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    # Given an embedded database file (the test database may live in memory,
    # where WAL is impossible, so a child process opens a real file)
    database = tmp_path / "wal.sqlite3"
    env = clean_env(tmp_path, ANXIN_TESTING="1", SQLITE_PATH=str(database))
    code = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'anxin.settings'\n"
        "django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    for pragma in ('journal_mode', 'foreign_keys', 'busy_timeout'):\n"
        "        cursor.execute(f'PRAGMA {pragma}')\n"
        "        print(pragma, cursor.fetchone()[0])\n"
    )

    # When Django opens a connection
    result = run_python(code, env)

    # Then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "journal_mode wal",
        "foreign_keys 1",
        "busy_timeout 20000",
    ]
    # and WAL is recorded in the file itself, so every other client sees it too
    with sqlite3.connect(database) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
