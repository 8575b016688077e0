"""Admin of users, memberships and the audit trail.

Non-superuser staff see only rows in their scope (``RestrictedAdminMixin``);
residents' names and mobile numbers are masked for viewers without the
personal-data permission, and every unmasked view is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.forms import CheckboxInput, ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from anxin.accounts import actions
from anxin.accounts.choices import Action, AuditVerb, Role
from anxin.accounts.models import AuditEntry, LoginFailure, Membership, User
from anxin.accounts.selectors import mask_mobile, mask_name, may_see_personal_data
from anxin.areas.models import Area
from anxin.core.admin import RestrictedAdminMixin, restricted_queryset
from anxin.organisations.models import Organisation


class LockoutAwareAuthenticationForm(AdminAuthenticationForm):
    """Says so when a login name is locked out instead of blaming the password."""

    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, "anxin_locked_out", False):
            return ValidationError(
                _("Too many failed logins with this name. Try again in %(minutes)d minutes."),
                code="locked_out",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        return super().get_invalid_login_error()


admin.site.site_header = _("Anxin community safety")
admin.site.site_title = _("Anxin admin")
admin.site.index_title = _("Site administration")
admin.site.login_form = LockoutAwareAuthenticationForm

_UNMASKED_ATTR = "_anxin_unmasked_subjects"


def _active_memberships_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(is_active=True).select_related("area", "organisation"),
        to_attr="_prefetched_active_memberships",
    )


def _restrict_choice_field(
    db_field: Any, request: HttpRequest, field: ModelChoiceField[Any] | None
) -> None:
    """Offer only the areas and organisations the editor manages."""
    if field is None:
        return
    if db_field.name == "area":
        field.queryset = restricted_queryset(Area, request, Action.MANAGE)
    elif db_field.name == "organisation":
        field.queryset = restricted_queryset(Organisation, request, Action.MANAGE)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    fk_name = "user"
    fields = ("role", "area", "organisation", "scope", "is_active")
    autocomplete_fields = ("area",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return restricted_queryset(Membership, request, Action.VIEW).select_related(
            "area", "organisation"
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        _restrict_choice_field(db_field, request, field)
        return field


class MaskingMixin:
    """Masks residents' personal data unless the viewer may see it, and audits
    every unmasked view (one entry per subject per page)."""

    def _viewer_may_see(self, request: HttpRequest) -> bool:
        cached = getattr(request, "_anxin_may_see_personal_data", None)
        if cached is None:
            cached = may_see_personal_data(request.user)  # type: ignore[arg-type]
            request._anxin_may_see_personal_data = cached  # type: ignore[attr-defined]
        return bool(cached)

    def _shown(self, request: HttpRequest | None, subject: User, value: Any, masker: Any) -> Any:
        if request is None or not value or subject.pk == request.user.pk:
            return value  # one's own data is not someone else's personal data
        if not subject.is_resident:
            return value
        if not self._viewer_may_see(request):
            return masker(value)
        unmasked = getattr(request, _UNMASKED_ATTR, None)
        if unmasked is not None:
            unmasked[subject.pk] = subject
        return value

    @staticmethod
    def _audit_after_render(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Collect subjects shown unmasked while the page renders, then audit them."""
        if not isinstance(response, TemplateResponse):
            return response
        setattr(request, _UNMASKED_ATTR, {})

        def _record(rendered: HttpResponse) -> None:
            subjects: dict[int, User] = getattr(request, _UNMASKED_ATTR, {})
            if subjects:
                actions.record_personal_data_views(
                    request.user,  # type: ignore[arg-type]
                    subjects.values(),
                    request,
                )

        response.add_post_render_callback(_record)
        return response


@admin.register(User)
class UserAdmin(MaskingMixin, RestrictedAdminMixin, DjangoUserAdmin):  # type: ignore[misc]
    list_display = ("username", "full_name", "mobile", "is_active", "is_staff", "role_list")
    list_filter = ("is_active", "is_staff", "memberships__role")
    search_fields = ("username", "full_name", "mobile")
    ordering = ("username",)
    autocomplete_fields = ("home_building",)
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "mobile", "email", "home_building")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "mobile",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    scope_change_action = Action.MANAGE

    # --- queryset -----------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related(_active_memberships_prefetch())

    # --- changelist columns ---------------------------------------------------------
    def get_list_display(self, request: HttpRequest) -> Any:
        # Column callables receive only the row: close over the request so the
        # masking decision and the audit use the viewer of this page.
        @admin.display(description=_("full name"), ordering="full_name")
        def shown_full_name(obj: User) -> str:
            return self._shown(request, obj, obj.full_name, mask_name) or ""

        @admin.display(description=_("mobile number"), ordering="mobile")
        def shown_mobile(obj: User) -> str:
            return self._shown(request, obj, obj.mobile, mask_mobile) or ""

        return (
            "username",
            shown_full_name,
            shown_mobile,
            "is_active",
            "is_staff",
            "role_list",
        )

    def action_checkbox(self, obj: User) -> SafeString:
        # Django labels the box with str(obj), a full name: use the username.
        attrs = {
            "class": "action-select",
            "aria-label": format_html(
                gettext("Select this object for an action - {}"), obj.username
            ),
        }
        checkbox = CheckboxInput(attrs, lambda value: False)
        return mark_safe(checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk)))

    @admin.display(description=_("roles"))
    def role_list(self, obj: User) -> str:
        labels = sorted({str(Role(m.role).label) for m in obj.active_memberships()})
        return "、".join(labels) or "—"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        return self._audit_after_render(request, response)

    # --- change form: mask or audit a resident's personal data ----------------------
    def _masked_for(self, request: HttpRequest, obj: User | None) -> bool:
        return (
            obj is not None
            and obj.pk != request.user.pk
            and obj.is_resident
            and not self._viewer_may_see(request)
        )

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if not self._masked_for(request, obj):
            return fieldsets
        swap: dict[Any, Any] = {"full_name": "masked_full_name", "mobile": "masked_mobile"}
        return tuple(
            (name, {**opts, "fields": tuple(swap.get(f, f) for f in opts["fields"])})
            for name, opts in fieldsets
        )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if self._masked_for(request, obj):
            readonly += ["masked_full_name", "masked_mobile"]
        if not request.user.is_superuser:  # type: ignore[union-attr]
            # Staff may manage users in their scope but not hand out privileges.
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    @admin.display(description=_("full name"))
    def masked_full_name(self, obj: User) -> str:
        return mask_name(obj.full_name) or "—"

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, obj: User) -> str:
        return mask_mobile(obj.mobile) or "—"

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and isinstance(response, TemplateResponse):
            obj = response.context_data.get("original") if response.context_data else None
            if (
                isinstance(obj, User)
                and obj.pk != request.user.pk
                and obj.is_resident
                and self._viewer_may_see(request)
            ):
                actions.record_personal_data_views(request.user, [obj], request)  # type: ignore[arg-type]
        return response

    # --- memberships saved through the inline are audited like the actions do -------
    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        changed_active = {
            f.instance.pk: f.initial.get("is_active")
            for f in formset.forms
            if f.instance.pk is not None
        }
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            _audit_grant(request, membership)
        for membership, _changed in formset.changed_objects:
            _audit_active_change(request, membership, changed_active.get(membership.pk))


def _audit_grant(request: HttpRequest, membership: Membership) -> None:
    actions.record_audit(
        request.user,  # type: ignore[arg-type]
        AuditVerb.MEMBERSHIP_GRANTED,
        membership,
        detail={
            "user": membership.user.username,
            "role": membership.role,
            "area": membership.area.code if membership.area else None,
            "via": "admin",
        },
        request=request,
    )


def _audit_active_change(request: HttpRequest, membership: Membership, was_active: Any) -> None:
    if was_active and not membership.is_active:
        actions.record_audit(
            request.user,  # type: ignore[arg-type]
            AuditVerb.MEMBERSHIP_REVOKED,
            membership,
            detail={"via": "admin"},
            request=request,
        )
    elif was_active is False and membership.is_active:
        _audit_grant(request, membership)


@admin.register(Membership)
class MembershipAdmin(RestrictedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "area", "organisation", "scope", "is_active")
    list_filter = ("role", "scope", "is_active")
    search_fields = ("user__username", "area__code", "area__name")
    list_select_related = ("user", "area", "organisation")
    autocomplete_fields = ("user", "area")
    fields = ("user", "role", "area", "organisation", "scope", "is_active")
    # Granting a role is managing the tree: only on nodes the editor manages.
    scope_change_action = Action.MANAGE

    @admin.display(description=_("user"), ordering="user__username")
    def username(self, obj: Membership) -> str:
        # A username, not str(user): a resident's full name is personal data.
        return obj.user.username

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        was_active = form.initial.get("is_active") if change else None
        super().save_model(request, obj, form, change)
        if not change:
            _audit_grant(request, obj)
        else:
            _audit_active_change(request, obj, was_active)


class ReadOnlyAdminMixin:
    """The audit trail is append-only: nobody adds, edits or deletes through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _users_in_scope(request: HttpRequest) -> QuerySet[User]:
    return User.objects.restrict(request.user, Action.MANAGE)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "created_at",
        "actor_username",
        "verb",
        "object_type",
        "object_id",
        "ip_address",
    )
    list_filter = ("verb", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor__username", "object_type", "object_id")
    list_select_related = ("actor",)
    date_hierarchy = "created_at"
    fields = ("created_at", "actor", "verb", "object_type", "object_id", "detail", "ip_address")
    readonly_fields = fields

    @admin.display(description=_("actor"), ordering="actor__username")
    def actor_username(self, obj: AuditEntry) -> str:
        return obj.actor.username if obj.actor else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        # Audit entries have no area of their own: staff see the entries whose
        # actor is a user they manage.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:  # type: ignore[union-attr]
            return queryset
        return queryset.filter(actor__in=_users_in_scope(request).values("pk"))


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "login", "ip_address")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("login", "ip_address")
    date_hierarchy = "created_at"
    fields = ("created_at", "login", "ip_address")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoginFailure]:
        # Failures name a login, not a user: staff see failures of the usernames
        # and mobile numbers of the users they manage.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:  # type: ignore[union-attr]
            return queryset
        users = _users_in_scope(request)
        usernames = users.annotate(login_name=Lower("username")).values("login_name")
        mobiles = users.exclude(mobile=None).values("mobile")
        return queryset.filter(Q(login__in=usernames) | Q(login__in=mobiles))
