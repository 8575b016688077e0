"""The workbench's main navigation: each app registers its pages once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any  # a lazy translation
    visible: Callable[[Any], bool] = lambda user: True
    order: int = 100


_registry: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _registry):
        _registry.append(item)
        _registry.sort(key=lambda i: i.order)


def items_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    items = []
    for item in _registry:
        if not item.visible(user):
            continue
        url = reverse(item.url_name)
        items.append(
            {"url": url, "label": item.label, "active": request.path.startswith(url) and url != "/"}
        )
    return items
