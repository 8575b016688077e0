"""Admin for organisations, scoped like the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest

from anxin.areas.models import Area
from anxin.core.admin import RestrictedAdminMixin
from anxin.organisations.actions import save_organisation
from anxin.organisations.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "contact_name", "contact_phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "contact_name", "contact_phone")
    autocomplete_fields = ("served_areas",)
    readonly_fields = ("created_at", "updated_at")

    def get_form(
        self,
        request: HttpRequest,
        obj: Organisation | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("served_areas")
        if field is not None and obj is not None and obj.pk:
            # Keep links to areas outside the editor's scope (a district
            # department edited by a street admin) valid choices.
            linked = obj.served_areas.values("pk")
            field.queryset = Area.objects.filter(  # type: ignore[attr-defined]
                Q(pk__in=field.queryset.values("pk")) | Q(pk__in=linked)  # type: ignore[attr-defined]
            )
        return form

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        save_organisation(obj, actor=request.user)
