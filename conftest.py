from __future__ import annotations

import pytest


@pytest.fixture
def tree(db):  # type: ignore[no-untyped-def]
    from anxin.testing.factories import Tree

    return Tree()


@pytest.fixture
def personas(tree):  # type: ignore[no-untyped-def]
    from anxin.testing.factories import Personas

    return Personas(tree)


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def fresh_area_index():  # type: ignore[no-untyped-def]
    """Each test starts and ends without a cached spatial index: the test
    database is rolled back between tests, so an index cached by one test
    would describe another test's tree."""
    from anxin.areas import spatial
    from anxin.core import process_cache

    spatial.invalidate()
    process_cache.clear_all()
    yield
    spatial.invalidate()
    process_cache.clear_all()
