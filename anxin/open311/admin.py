from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from anxin.open311 import actions
from anxin.open311.models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "user", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["api_key", "created_at"]
    fields = ["name", "user", "is_active", "api_key", "created_at"]
    actions = ["issue_new_keys"]

    @admin.action(description=_("Issue new API keys (the old keys stop working)"))
    def issue_new_keys(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        count = 0
        for client in queryset:
            actions.issue_new_key(client)
            count += 1
        self.message_user(
            request,
            ngettext("Issued %(n)d new key.", "Issued %(n)d new keys.", count) % {"n": count},
            messages.SUCCESS,
        )
