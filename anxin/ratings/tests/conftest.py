"""Fixtures of the ratings tests (the points tests use them too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Media in a temporary folder; English messages (the assertions read them),
    whatever the catalogues hold."""
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
