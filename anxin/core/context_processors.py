from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anxin.accounts.selectors import is_resident_only
from anxin.core import navigation

WORKBENCH_BASE = "base.html"
PHONE_BASE = "residents/mobile_base.html"


def workbench(request: HttpRequest) -> dict[str, Any]:
    """Navigation items for the logged-in user (pages register theirs in
    ``anxin.core.navigation``), and the layout shared pages (the inbox, the
    notification preferences) extend: the phone app's for residents."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "page_base": WORKBENCH_BASE}
    if is_resident_only(user):
        return {"nav_items": [], "page_base": PHONE_BASE}
    return {"nav_items": navigation.items_for(request), "page_base": WORKBENCH_BASE}
