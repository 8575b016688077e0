from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from anxin.core.admin import RestrictedAdminMixin
from anxin.notifications import actions
from anxin.notifications.models import (
    Delivery,
    GroupRobot,
    Notification,
    NotificationPreference,
)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "channel",
        "target_shown",
        "status",
        "severity",
        "attempts",
        "last_status_code",
        "short_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "severity", "created_at"]
    search_fields = ["target", "key", "last_error"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "channel",
        "key",
        "notification",
        "robot",
        "target_shown",
        "payload",
        "severity",
        "status",
        "not_before",
        "next_attempt_at",
        "attempts",
        "last_status_code",
        "last_error",
        "history",
        "created_at",
        "sent_at",
        "failed_at",
    ]
    exclude = ["target"]
    actions = ["retry_now"]
    list_select_related = ["robot"]

    @admin.display(description=_("target"))
    def target_shown(self, obj: Delivery) -> str:
        return obj.target_display

    @admin.display(description=_("last error"))
    def short_error(self, obj: Delivery) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = actions.retry_now(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued to be sent again.",
                "%(count)d deliveries queued to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "recipient", "kind", "title", "severity", "created_at", "read_at"]
    list_filter = ["severity", "kind", "created_at"]
    search_fields = ["title", "key", "recipient__username"]
    raw_id_fields = ["recipient", "hazard"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [f.name for f in Notification._meta.fields]


@admin.register(GroupRobot)
class GroupRobotAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "area", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "area__name", "area__code"]
    raw_id_fields = ["area"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "user",
        "email_enabled",
        "sms_enabled",
        "quiet_hours_start",
        "quiet_hours_end",
        "digest_enabled",
    ]
    list_filter = ["email_enabled", "sms_enabled", "digest_enabled"]
    raw_id_fields = ["user"]
