"""Admin helpers: the admin sees the same rows as the API (``restrict``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import HttpRequest

from anxin.accounts.choices import Action


def restricted_queryset(
    model: type[models.Model], request: HttpRequest, action: str
) -> QuerySet[Any]:
    """The rows of ``model`` the request's user may act on, as a plain queryset.

    Models whose rules cross a to-many relation are filtered by a pk subquery
    instead of DISTINCT, which keeps the admin's ordering, search and bulk
    actions working on an ordinary queryset.
    """
    rules = getattr(model, "scope_rules", None)
    if rules is None:
        raise TypeError(f"{model.__name__} declares no scope_rules")
    manager: Any = model._default_manager
    if rules.distinct:
        return manager.filter(pk__in=manager.restrict(request.user, action).values("pk"))  # type: ignore[no-any-return]
    return manager.restrict(request.user, action)  # type: ignore[no-any-return]


class RestrictedAdminMixin:
    """Scope a ModelAdmin to the rows the signed-in user may see.

    Superusers see everything (``restrict`` lets them); other staff see only
    the rows of ``Model.objects.restrict(user, "view")``; changing or deleting
    a row needs it to be in ``restrict(user, scope_change_action)``; the choices
    of foreign keys and many-to-many fields to scoped models are limited the
    same way, so a form cannot link to a row outside the user's scope.
    """

    scope_view_action: str = Action.VIEW
    scope_change_action: str = Action.CHANGE
    model: type[models.Model]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if getattr(request.user, "is_superuser", False):
            return queryset
        if getattr(self.model, "scope_rules", None) is not None and not getattr(
            self.model.scope_rules,  # type: ignore[attr-defined]
            "distinct",
            False,
        ):
            return queryset.restrict(request.user, self.scope_view_action)  # type: ignore[attr-defined,no-any-return]
        allowed = restricted_queryset(self.model, request, self.scope_view_action)
        return queryset.filter(pk__in=allowed.values("pk"))

    def _may_change(self, request: HttpRequest, obj: models.Model | None) -> bool:
        if obj is None or getattr(request.user, "is_superuser", False):
            return True
        return (
            restricted_queryset(self.model, request, self.scope_change_action)
            .filter(pk=obj.pk)
            .exists()
        )

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        allowed: bool = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed and self._may_change(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        allowed: bool = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed and self._may_change(request, obj)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        related = db_field.remote_field.model
        if "queryset" not in kwargs and getattr(related, "scope_rules", None) is not None:
            kwargs["queryset"] = restricted_queryset(related, request, self.scope_change_action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc,no-any-return]

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        related = db_field.remote_field.model
        if "queryset" not in kwargs and getattr(related, "scope_rules", None) is not None:
            kwargs["queryset"] = restricted_queryset(related, request, self.scope_view_action)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc,no-any-return]


class RestrictedInlineMixin:
    """Scope an inline to the rows the signed-in user may see (its parent is
    restricted by ``RestrictedAdminMixin``; its own rows may reach further)."""

    scope_view_action: str = Action.VIEW
    model: type[models.Model]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if getattr(request.user, "is_superuser", False):
            return queryset
        allowed = restricted_queryset(self.model, request, self.scope_view_action)
        return queryset.filter(pk__in=allowed.values("pk"))
