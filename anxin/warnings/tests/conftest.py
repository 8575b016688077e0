from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import anxin.hazards.tasks  # noqa: F401  (eager runs look tasks up by name)
from anxin.hazards.models import Hazard
from anxin.testing import reports


@pytest.fixture
def report(django_capture_on_commit_callbacks: Any, personas: Any) -> Callable[..., Hazard]:
    """Report a hazard and run what follows its commit (signals, warnings,
    notifications), as the worker would."""

    def _report(category: str, lat: float = 30.015, lng: float = 120.007, **kwargs: Any) -> Hazard:
        reporter = kwargs.pop("reporter", personas.grid_worker)
        with django_capture_on_commit_callbacks(execute=True):
            return reports.report(reporter, (lat, lng), category, **kwargs)

    return _report


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run ``fn`` and then the on-commit work it scheduled."""

    def _run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _run
