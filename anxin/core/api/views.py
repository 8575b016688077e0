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

    def scope_action(self) -> str:
        request: Any = getattr(self, "request", None)
        if getattr(self, "action", None) in self.export_actions:
            return Action.EXPORT
        if request is not None and request.method in ("GET", "HEAD", "OPTIONS"):
            return Action.VIEW
        return Action.CHANGE

    def get_queryset(self) -> QuerySet[Any]:
        request: Any = getattr(self, "request", None)
        user = request.user if request is not None else None
        return self.scoped_queryset.restrict(user, self.scope_action())  # type: ignore[attr-defined,no-any-return]


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    pass
