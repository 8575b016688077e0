from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from anxin.areas import spatial


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The demo makes 13 accounts; argon2 would spend seconds hashing them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_area_index() -> Iterator[None]:
    """No spatial index cached from another test's (rolled back) tree."""
    spatial.invalidate()
    yield
    spatial.invalidate()
