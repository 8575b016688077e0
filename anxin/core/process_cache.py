"""Small per-process caches of configuration read on hot paths.

Configuration that changes rarely (the taxonomy, time limits, who is the grid
worker of a grid) is read on every report. Each cache reloads after ``ttl``
seconds, and at once in the process where a change was saved (the owning app
connects ``invalidate`` to its models' save/delete signals). Other processes
see a change within ``ttl``. ``VersionedCache`` keeps values that belong to
one row and carry its version number instead (a user's memberships): those are
never stale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

_registry: list[ProcessCache[object] | VersionedCache[object]] = []


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


class VersionedCache(Generic[T]):
    """Values that belong to one row and stay valid while a version number on
    that row is unchanged (a user's memberships, keyed by the user's
    ``memberships_version``). The row is read anyway (authentication loads the
    user), so every process sees a change with its next read of the row: no
    time-to-live, nothing stale. The process that made the change also forgets
    at once (``forget``), for objects it still holds with the old number.
    At most ``max_entries`` are kept; the oldest go first.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self._max = max_entries
        self._entries: dict[tuple[int, int], T] = {}
        self._lock = threading.Lock()
        _registry.append(self)  # type: ignore[arg-type]

    def get(self, owner_id: int, version: int, loader: Callable[[], T]) -> T:
        key = (owner_id, version)
        value = self._entries.get(key)
        if value is not None:
            return value
        value = loader()
        with self._lock:
            if len(self._entries) >= self._max:
                for old in list(self._entries)[: max(1, self._max // 10)]:
                    self._entries.pop(old, None)
            self._entries[key] = value
        return value

    def forget(self, owner_ids: Iterable[int]) -> None:
        gone = set(owner_ids)
        with self._lock:
            for key in [k for k in self._entries if k[0] in gone]:
                self._entries.pop(key, None)

    def invalidate(self, *args: object, **kwargs: object) -> None:
        with self._lock:
            self._entries.clear()
