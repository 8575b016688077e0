"""The filters of the map endpoints, validated with one form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.hazards.choices import OPEN_STATUSES, RiskColour, Status
from anxin.maps.selectors import HEAT_RESOLUTIONS, MapFilters
from anxin.taxonomy.models import Category

OPEN = "open"
ALL = "all"


def main_class_choices() -> list[tuple[str, Any]]:
    rows = Category.objects.filter(parent__isnull=True, is_active=True).order_by("code")
    return [("", _("All categories")), *((c.code, str(c)) for c in rows)]


def status_choices() -> list[tuple[str, Any]]:
    return [(OPEN, _("All open")), (ALL, _("All statuses")), *Status.choices]


class MapFilterForm(forms.Form):
    status = forms.MultipleChoiceField(label=_("Status"), required=False, choices=status_choices)
    colour = forms.MultipleChoiceField(
        label=_("Risk colour"), required=False, choices=RiskColour.choices
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=main_class_choices)
    date_from = forms.DateField(label=_("Reported from"), required=False)
    date_to = forms.DateField(label=_("Reported to"), required=False)
    res = forms.TypedChoiceField(
        label=_("Heat resolution"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(r), str(r)) for r in HEAT_RESOLUTIONS],
    )
    zoom = forms.IntegerField(label=_("Zoom"), required=False, min_value=0, max_value=22)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    def filters(self) -> MapFilters:
        """The validated filters; call after ``is_valid()``."""
        data = self.cleaned_data
        chosen = set(data.get("status") or [OPEN])
        if ALL in chosen:
            statuses: tuple[str, ...] = ()
        else:
            expanded = set(OPEN_STATUSES) if OPEN in chosen else set()
            expanded |= chosen - {OPEN}
            statuses = tuple(sorted(expanded))
        return MapFilters(
            statuses=statuses,
            colours=tuple(sorted(data.get("colour") or [])),
            category=data.get("category") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
