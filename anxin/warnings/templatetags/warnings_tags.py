"""``{% warnings_in_force %}``: the warnings in force for the viewer's areas, for
the staff home."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Case, IntegerField, Value, When

from anxin.warnings.selectors import open_warnings

register = template.Library()
SHOWN = 5


@register.inclusion_tag("warnings/_in_force.html", takes_context=True)
def warnings_in_force(context: dict[str, Any]) -> dict[str, Any]:
    user = context.get("user")
    if user is None or not user.is_authenticated or (user.is_resident and not user.is_superuser):
        return {"warnings": [], "more": 0}
    severity = Case(
        When(level="red", then=Value(0)),
        When(level="orange", then=Value(1)),
        When(level="yellow", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    queryset = open_warnings(user).select_related("area")
    rows = list(
        queryset.annotate(severity=severity).order_by("severity", "-raised_at")[: SHOWN + 1]
    )
    more = queryset.count() - SHOWN if len(rows) > SHOWN else 0
    return {"warnings": rows[:SHOWN], "more": more}
