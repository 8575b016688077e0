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
