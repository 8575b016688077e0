from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import anxin.emergency.tasks
import anxin.hazards.tasks
import anxin.notifications.tasks
import anxin.warnings.tasks  # noqa: F401
from anxin.emergency.testing import Readiness


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run ``fn`` and then the on-commit work it scheduled (outbox relays, tasks)."""

    def _run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _run


@pytest.fixture
def readiness(tree: Any, personas: Any, committed: Callable[..., Any]) -> Readiness:
    """A low-lying yard by building 1 of grid A1a with a resident at home there,
    a store of street A with sandbags and pumps, a rescue team, the default
    warning rules and a flood plan for street A."""
    return committed(Readiness, tree, personas)
