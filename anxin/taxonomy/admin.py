from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from anxin.taxonomy.choices import REQUIRED_FIELD_CHOICES
from anxin.taxonomy.models import Category

REQUIRED_FIELD_LABELS = {
    "photo": _("Photo"),
    "address": _("Address"),
    "location": _("Location on the map"),
    "description": _("Description"),
    "building": _("Building"),
    "quantity": _("Quantity or size"),
    "contact": _("Contact phone"),
}


class CategoryAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    required_fields = forms.MultipleChoiceField(
        label=_("required fields"),
        choices=[(name, REQUIRED_FIELD_LABELS.get(name, name)) for name in REQUIRED_FIELD_CHOICES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What a report of this subclass must carry."),
    )

    class Meta:
        model = Category
        fields = [
            "code",
            "parent",
            "name_zh",
            "name_en",
            "keywords",
            "is_active",
            "risk_colour",
            "responsible_kind",
            "required_fields",
            "duplicate_radius_m",
            "duplicate_window_days",
            "deadline_policy",
            "deadline_days",
            "ordering",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            parent_field = self.fields["parent"]
            assert isinstance(parent_field, forms.ModelChoiceField)
            parent_field.queryset = Category.objects.filter(parent__isnull=True)


class MainClassFilter(admin.SimpleListFilter):
    title = _("main class")
    parameter_name = "main_class"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(c.code, str(c)) for c in Category.objects.filter(parent__isnull=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        code = self.value()
        if not code:
            return queryset
        return queryset.filter(code__startswith=code)


class SubclassInline(admin.TabularInline):  # type: ignore[type-arg]
    """The subclasses of a main class, for an overview; each links to its own form."""

    model = Category
    fk_name = "parent"
    fields = ["code", "name_zh", "name_en", "risk_colour", "responsible_kind", "is_active"]
    readonly_fields = ["code"]
    extra = 0
    show_change_link = True
    verbose_name = _("subclass")
    verbose_name_plural = _("subclasses")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # New subclasses are added through the category form, which sets their code.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deactivate instead: hazards refer to categories by code.
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CategoryAdminForm
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "risk_colour",
        "responsible_kind",
        "duplicate_radius_m",
        "duplicate_window_days",
        "deadline_policy",
        "is_active",
    ]
    list_display_links = ["code", "name_zh"]
    list_filter = [
        MainClassFilter,
        "risk_colour",
        "responsible_kind",
        "deadline_policy",
        "is_active",
    ]
    search_fields = ["code", "name_zh", "name_en", "keywords"]
    list_select_related = ["parent"]
    ordering = ["code"]
    fieldsets = [
        (None, {"fields": ["code", "parent", "name_zh", "name_en", "keywords", "is_active"]}),
        (
            _("Defaults of a new report"),
            {
                "fields": [
                    "risk_colour",
                    "responsible_kind",
                    "required_fields",
                    "duplicate_radius_m",
                    "duplicate_window_days",
                    "deadline_policy",
                    "deadline_days",
                    "ordering",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk:
            # Codes are stable; the main class follows from the code.
            readonly += ["code", "parent"]
        return readonly

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[Any]]:
        if obj is not None and obj.pk and obj.is_main_class:
            return [SubclassInline]
        return []
