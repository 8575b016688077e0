"""Small per-process caches of configuration read on hot paths.

Configuration that changes rarely (the taxonomy, time limits, who is the grid
worker of a grid) is read on every report. Each cache reloads after ``ttl``
seconds, and at once in the process where a change was saved (the owning app
connects ``invalidate`` to its models' save/delete signals). Other processes
see a change within ``ttl``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_registry: list[ProcessCache[object]] = []


class ProcessCache(Generic[T]):
    def __init__(self, loader: Callable[[], T], ttl: float = 60.0) -> None:
        self._loader = loader
        self._ttl = ttl
        self._value: T | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        _registry.append(self)  # type: ignore[arg-type]

    def get(self) -> T:
        now = time.monotonic()
        value = self._value
        if value is not None and now - self._loaded_at < self._ttl:
            return value
        with self._lock:
            if self._value is None or time.monotonic() - self._loaded_at >= self._ttl:
                self._value = self._loader()
                self._loaded_at = time.monotonic()
            return self._value

    def invalidate(self, *args: object, **kwargs: object) -> None:
        """Usable directly as a signal receiver."""
        with self._lock:
            self._value = None


def clear_all() -> None:
    """Drop every cache (tests call this between tests)."""
    for cache in _registry:
        cache.invalidate()
