from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anxin.core import navigation

WORKBENCH_BASE = "base.html"
PHONE_BASE = "residents/mobile_base.html"


def only_resident(user: Any) -> bool:
    """A logged-in resident with no staff role: they use the phone app (/m/)."""
    if user is None or not user.is_authenticated or user.is_staff or user.is_superuser:
        return False
    roles = user.roles
    return bool(roles) and roles <= {"resident"}


def workbench(request: HttpRequest) -> dict[str, Any]:
    """Navigation items for the logged-in user (pages register theirs in
    ``anxin.core.navigation``), and the layout shared pages (the inbox, the
    notification preferences) extend: the phone app's for residents."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "page_base": WORKBENCH_BASE}
    if only_resident(user):
        return {"nav_items": [], "page_base": PHONE_BASE}
    return {"nav_items": navigation.items_for(request), "page_base": WORKBENCH_BASE}
