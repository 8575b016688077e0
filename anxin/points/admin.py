"""Admin: the points rules are configuration (积分规则); campaigns are scoped
like the API; the ledger is read-only (entries are written by actions only)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from anxin.core.admin import RestrictedAdminMixin, RestrictedInlineMixin
from anxin.points.models import Campaign, CampaignParticipation, PointEntry, PointRule


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("kind", "points", "is_active", "description", "updated_at")
    list_editable = ("points", "is_active")
    readonly_fields = ("kind", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one rule per kind, seeded by a migration

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ParticipationInline(RestrictedInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = CampaignParticipation
    extra = 0
    can_delete = False
    readonly_fields = ("user", "joined_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "area", "starts_on", "ends_on", "points", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    autocomplete_fields = ("area",)
    list_select_related = ("area",)
    inlines = [ParticipationInline]


@admin.register(PointEntry)
class PointEntryAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "user", "kind", "points", "hazard", "campaign", "note")
    list_filter = ("kind",)
    search_fields = ("user__username", "note")
    list_select_related = ("user", "hazard", "campaign")
    readonly_fields = ("user", "kind", "points", "hazard", "campaign", "note", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
