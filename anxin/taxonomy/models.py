from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from anxin.organisations.choices import OrganisationKind
from anxin.taxonomy.choices import REQUIRED_FIELD_CHOICES, DeadlinePolicy, RiskColour


class Category(models.Model):
    """A main class (2-digit code) or subclass (4-digit code) of hazards.

    Subclasses carry the defaults a new report of that kind starts from. Codes
    are stable: once created they never change, so data and integrations can
    rely on them.
    """

    code = models.CharField(_("code"), max_length=4, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("main class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subclasses",
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=120)
    keywords = models.CharField(
        _("keywords"),
        max_length=255,
        blank=True,
        help_text=_("Pinyin and synonyms, space separated."),
    )
    risk_colour = models.CharField(
        _("default risk colour"), max_length=8, choices=RiskColour.choices, blank=True
    )
    responsible_kind = models.CharField(
        _("responsible organisation type"),
        max_length=32,
        choices=OrganisationKind.choices,
        blank=True,
    )
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate radius (m)"), default=50)
    duplicate_window_days = models.PositiveIntegerField(_("duplicate window (days)"), default=7)
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    deadline_policy = models.CharField(
        _("deadline policy"),
        max_length=16,
        choices=DeadlinePolicy.choices,
        default=DeadlinePolicy.BY_COLOUR,
    )
    deadline_days = models.PositiveIntegerField(
        _("deadline override (days)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the time limit of the risk colour."),
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hazard category")
        verbose_name_plural = _("hazard categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        language = (get_language() or "zh-hans").lower()
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh

    @property
    def is_main_class(self) -> bool:
        return len(self.code) == 2

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if not self.code.isdigit() or len(self.code) not in (2, 4):
            errors.setdefault("code", []).append(
                _("A main class has a 2-digit code and a subclass a 4-digit code.")
            )
        elif len(self.code) == 2 and self.parent_id:
            errors.setdefault("parent", []).append(_("A main class has no parent."))
        elif len(self.code) == 4:
            if self.parent is None:
                errors.setdefault("parent", []).append(_("A subclass belongs to a main class."))
            elif not self.code.startswith(self.parent.code):
                errors.setdefault("code", []).append(
                    _("A subclass code starts with its main class code %(code)s.")
                    % {"code": self.parent.code}
                )
            if not self.risk_colour:
                errors.setdefault("risk_colour", []).append(_("A subclass needs a default colour."))
        if self.pk:
            original = Category.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if original is not None and original != self.code:
                errors.setdefault("code", []).append(_("Codes are stable and cannot change."))
        unknown = [f for f in (self.required_fields or []) if f not in REQUIRED_FIELD_CHOICES]
        if not isinstance(self.required_fields, list) or unknown:
            errors.setdefault("required_fields", []).append(
                _("Required fields must be a list drawn from: %(choices)s.")
                % {"choices": ", ".join(REQUIRED_FIELD_CHOICES)}
            )
        if errors:
            raise ValidationError(errors)
