"""Input of the capture endpoints (JSON answers; the page itself is plain HTML)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import validate_mobile
from anxin.capture.selectors import subclass
from anxin.taxonomy.models import Category


class PointForm(forms.Form):
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)


class CategoryField(forms.CharField):
    """A 4-digit code of an active subclass, cleaned to the Category."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=4, label=_("Category"), **kwargs)

    def clean(self, value: Any) -> Category:  # type: ignore[override]
        code = super().clean(value)
        category = subclass(code)
        if category is None:
            raise forms.ValidationError(
                _("Unknown hazard category %(c)s.") % {"c": code}, code="unknown"
            )
        return category


class NearbyForm(PointForm):
    category = CategoryField()


class FollowForm(PointForm):
    hazard = forms.IntegerField(min_value=1)


class AnonymousReportForm(PointForm):
    """A report by someone without an account, where the locality allows it."""

    category = forms.CharField(max_length=4, label=_("Category"))
    title = forms.CharField(max_length=120, required=False, label=_("Title"))
    description = forms.CharField(max_length=4000, required=False, label=_("Description"))
    name = forms.CharField(max_length=60, required=False, label=_("Your name"))
    phone = forms.CharField(
        max_length=20, required=False, label=_("Your phone"), validators=[validate_mobile]
    )


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """Field -> messages, the shape the API answers with (``__all__`` for the form)."""
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}
