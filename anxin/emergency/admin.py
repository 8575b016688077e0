"""Admin of emergency readiness, scoped like the API (``RestrictedAdminMixin``).

Stock, plan versions, responses and reviews change only through the actions
(the workbench and the API), so here they are read-only; teams, drills,
training records and the safety-month calendar are edited directly."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from anxin.core.admin import RestrictedAdminMixin, RestrictedInlineMixin
from anxin.emergency.models import (
    Drill,
    EmergencyPlan,
    EmergencyResponse,
    EmergencyTeam,
    PlanVersion,
    ResponseEvent,
    ResponseReview,
    ResponseTask,
    SafetyActivity,
    StockMovement,
    SupplyItem,
    TrainingRecord,
    WeatherAlert,
)


class ReadOnlyAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows written by actions only: listed and shown, never added or changed here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MovementInline(RestrictedInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = StockMovement
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "quantity", "balance_after", "response", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SupplyItem)
class SupplyItemAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "store", "quantity", "unit", "minimum_stock", "expires_on")
    list_filter = ("kind",)
    search_fields = ("name", "store__name")
    list_select_related = ("store",)
    readonly_fields = ("quantity", "removed_at")
    fields = (
        "store",
        "kind",
        "name",
        "unit",
        "quantity",
        "minimum_stock",
        "expires_on",
        "last_checked_on",
        "removed_at",
    )
    inlines = [MovementInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # removed through the workbench, which checks the plans first


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "item", "kind", "quantity", "balance_after", "response", "actor")
    list_filter = ("kind",)
    list_select_related = ("item", "item__store", "response", "actor")


@admin.register(EmergencyTeam)
class EmergencyTeamAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "area", "members", "duty_phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    autocomplete_fields = ("area",)


class VersionInline(RestrictedInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = PlanVersion
    extra = 0
    can_delete = False
    fields = ("number", "created_at", "created_by", "change_note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "hazard_class", "level", "area", "current_version", "is_active")
    list_filter = ("hazard_class", "level", "is_active")
    search_fields = ("title",)
    inlines = [VersionInline]


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ("plan", "number", "created_at", "created_by")


class EventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ResponseEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "actor", "from_stage", "to_stage", "note", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TaskInline(RestrictedInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ResponseTask
    extra = 0
    can_delete = False
    fields = ("title", "stage", "role", "assignee", "due_at", "done_at", "done_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EmergencyResponse)
class EmergencyResponseAdmin(ReadOnlyAdmin):
    list_display = ("title", "stage", "level", "area", "proposed_at", "started_at", "ended_at")
    list_filter = ("stage", "level")
    search_fields = ("title",)
    list_select_related = ("area",)
    inlines = [TaskInline, EventInline]


@admin.register(ResponseReview)
class ResponseReviewAdmin(ReadOnlyAdmin):
    list_display = ("response", "status", "due_at", "submitted_at", "reminded_at", "escalated_at")
    list_filter = ("status",)


@admin.register(Drill)
class DrillAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "area", "plan", "scheduled_on", "status", "held_on")
    list_filter = ("status",)
    autocomplete_fields = ("area",)
    filter_horizontal = ("participants",)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "area", "held_on", "hours", "volunteers")
    autocomplete_fields = ("area",)
    filter_horizontal = ("attendees",)


@admin.register(SafetyActivity)
class SafetyActivityAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "kind", "area", "starts_at", "venue")
    list_filter = ("kind",)
    autocomplete_fields = ("area",)


@admin.register(WeatherAlert)
class WeatherAlertAdmin(ReadOnlyAdmin):
    list_display = ("headline", "hazard", "colour", "area", "onset", "outcome", "imported_at")
    list_filter = ("hazard", "outcome")
    search_fields = ("identifier", "headline")
