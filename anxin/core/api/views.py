"""Base viewsets: scoping is applied here, so no endpoint can forget it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets

from anxin.accounts.choices import Action


class RestrictedViewSetMixin:
    """Start every queryset from ``Model.objects.restrict(user, action)``.

    ``scoped_queryset`` gives the base queryset (with select_related etc.); the
    action is ``view`` for reads, ``export`` for export actions, ``change`` for
    writes. Objects outside scope answer 404 like missing ones.
    """

    scoped_queryset: QuerySet[Any]
    export_actions: tuple[str, ...] = ("export",)
    request: Any
    action: str | None

    def scope_action(self) -> str:
        if self.action in self.export_actions:
            return Action.EXPORT
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return Action.VIEW
        return Action.CHANGE

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped_queryset.restrict(self.request.user, self.scope_action())  # type: ignore[attr-defined,no-any-return]


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    pass
