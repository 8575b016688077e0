from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anxin.core import navigation


def workbench(request: HttpRequest) -> dict[str, Any]:
    """Navigation items for the logged-in user (pages register theirs in
    ``anxin.core.navigation``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": navigation.items_for(request)}
