from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Action
from anxin.accounts.selectors import mask_mobile
from anxin.core.admin import RestrictedAdminMixin
from anxin.residents.models import LocalityPolicy, SignupCode


@admin.register(LocalityPolicy)
class LocalityPolicyAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """What a district, street or community allows residents. Staff see and set
    the policies of the localities they manage."""

    scope_change_action = Action.MANAGE
    list_display = ["area", "area_level", "allow_anonymous_reports", "blur_public_photos"]
    list_filter = ["allow_anonymous_reports", "blur_public_photos", "area__level"]
    search_fields = ["area__name", "area__code"]
    list_select_related = ["area"]

    @admin.display(description=_("level"), ordering="area__level")
    def area_level(self, obj: LocalityPolicy) -> str:
        return obj.area.get_level_display()


@admin.register(SignupCode)
class SignupCodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: one-time codes sent at sign-up (only a hash of each code is kept)."""

    list_display = ["masked_mobile", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["created_at", "used_at"]
    search_fields = ["mobile"]
    exclude = ["mobile", "code_hash"]
    readonly_fields = ["masked_mobile", "created_at", "expires_at", "attempts", "used_at"]
    date_hierarchy = "created_at"

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, obj: SignupCode) -> str:
        return mask_mobile(obj.mobile) or ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SignupCode | None = None) -> bool:
        return False
