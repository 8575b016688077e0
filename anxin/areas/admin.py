"""Admin for the org tree and named places, scoped like the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Action
from anxin.areas.actions import save_area
from anxin.areas.models import Area, Place
from anxin.core.admin import RestrictedAdminMixin

GEOMETRY_WIDGET = forms.Textarea(
    attrs={"rows": 8, "cols": 100, "style": "font-family: monospace", "spellcheck": "false"}
)


class AreaAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """Only a superuser may add a top-level area (a district)."""

    user: Any = None

    class Meta:
        model = Area
        fields = ("level", "code", "name", "name_en", "parent", "geometry", "address", "households")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        user = self.user
        if (
            "parent" in self.fields
            and not cleaned.get("parent")
            and not self.has_error("parent")
            and user is not None
            and not user.is_superuser
        ):
            self.add_error(
                "parent",
                _("Only a superuser can add a district; choose a parent in your part of the tree."),
            )
        return cleaned


@admin.register(Area)
class AreaAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = AreaAdminForm
    list_display = ("name", "code", "level", "parent", "households")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en", "address")
    ordering = ("path",)
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    formfield_overrides = {models.JSONField: {"widget": GEOMETRY_WIDGET}}
    scope_change_action = Action.MANAGE
    fieldsets = (
        (None, {"fields": ("level", "code", "name", "name_en", "parent")}),
        (_("Place"), {"fields": ("geometry", "centroid_lat", "centroid_lng", "address")}),
        (_("Figures"), {"fields": ("households",)}),
        (_("Tree"), {"fields": ("path", "depth", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Area | None = None) -> Any:
        readonly = ["path", "depth", "centroid_lat", "centroid_lng", "created_at", "updated_at"]
        if obj is not None and obj.pk:
            # Codes are stable: an area keeps its code, level and parent.
            readonly = ["level", "code", "parent", *readonly]
        return readonly

    def get_form(
        self, request: HttpRequest, obj: Area | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        save_area(obj, actor=request.user)


@admin.register(Place)
class PlaceAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "area")
    list_filter = ("kind",)
    search_fields = ("name", "address")
    autocomplete_fields = ("area",)
    list_select_related = ("area",)
    readonly_fields = ("lat", "lng", "created_at", "updated_at")
    formfield_overrides = {models.JSONField: {"widget": GEOMETRY_WIDGET}}
