"""Run the project in a child process with a controlled environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR: Path = settings.BASE_DIR

# Variables that change which settings apply; a child starts without any of them.
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
)


def clean_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The current environment without the project's settings variables, plus ``overrides``."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env["ANXIN_VAR_DIR"] = str(var_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def run_python(
    code: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
