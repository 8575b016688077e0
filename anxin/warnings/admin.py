"""Admin for warning rules, warnings and special-governance tasks, scoped like the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from anxin.core.admin import RestrictedAdminMixin
from anxin.warnings.actions import validate_rule
from anxin.warnings.models import RiskWarning, SpecialGovernanceTask, WarningEvent, WarningRule


class WarningRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = WarningRule
        fields = (
            "area",
            "kind",
            "category",
            "min_count",
            "radius_m",
            "window_days",
            "cluster_within",
            "threshold",
            "count_per",
            "is_active",
        )

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors or not self.instance.area_id:
            return
        try:
            validate_rule(self.instance)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)


@admin.register(WarningRule)
class WarningRuleAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = WarningRuleForm
    list_display = ("kind", "level", "area", "category", "is_active", "updated_at")
    list_filter = ("kind", "level", "is_active")
    autocomplete_fields = ("area",)
    list_select_related = ("area", "category")

    def save_model(
        self, request: HttpRequest, obj: WarningRule, form: object, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)  # type: ignore[arg-type]


class WarningEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WarningEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "kind", "actor", "note", "data")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RiskWarning)
class RiskWarningAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "level", "kind", "area", "status", "raised_at")
    list_filter = ("level", "kind", "status")
    search_fields = ("title", "cause_key")
    list_select_related = ("area",)
    readonly_fields = (
        "level",
        "kind",
        "rule",
        "area",
        "category",
        "cause_key",
        "group_key",
        "title",
        "message",
        "status",
        "raised_at",
        "raised_by",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
        "resolution_note",
        "proposed_departments",
        "details",
    )
    inlines = [WarningEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SpecialGovernanceTask)
class SpecialGovernanceTaskAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "community", "category", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = ("warning", "community", "category", "created_at", "closed_at", "closed_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
