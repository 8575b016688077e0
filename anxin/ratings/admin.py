from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from anxin.core.admin import RestrictedAdminMixin
from anxin.ratings.models import Rating


@admin.register(Rating)
class RatingAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: ratings are written by residents through the action only."""

    list_display = ("created_at", "hazard", "score", "rater")
    list_filter = ("score",)
    search_fields = ("hazard__code", "comment")
    list_select_related = ("hazard", "rater")
    readonly_fields = ("hazard", "rater", "score", "comment", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
