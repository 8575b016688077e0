from __future__ import annotations

from typing import Any

from django import template

from anxin.notifications.selectors import link_for, unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """The logged-in user's unread count (0 for anonymous visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return unread_count(user) if user is not None else 0  # type: ignore[arg-type]


@register.simple_tag(takes_context=True)
def notification_link(context: dict[str, Any], link: str) -> str:
    """The notification's link as the reader should follow it (residents open a
    hazard in the phone app)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return link_for(user, link)
