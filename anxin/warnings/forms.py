"""Forms of the warnings pages: a rule (only the parameters of its kind are
shown), and a flood warning raised by hand. The rules themselves are checked by
``actions.validate_rule``; these forms carry the values and show its errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from anxin.areas.models import Area
from anxin.hazards.forms import category_choices
from anxin.warnings.choices import (
    ALL_PARAMETERS,
    COUNT_PER_LEVELS,
    DEFAULT_PARAMETERS,
    KIND_PARAMETERS,
    RULE_AREA_LEVELS,
    RULE_MANAGER_ROLES,
    ClusterWithin,
    RuleKind,
)
from anxin.warnings.models import WarningRule

RULE_FIELDS = ("area", "kind", *ALL_PARAMETERS, "is_active")


def managed_areas(user: Any, areas: QuerySet[Area] | None = None) -> list[Area]:
    """Districts, streets and communities whose rules ``user`` may set (of
    ``areas``, the rows the page was given, when it has them)."""
    if not user.is_authenticated:
        return []
    paths = [
        m.area.path
        for m in user.active_memberships()
        if m.role in RULE_MANAGER_ROLES and m.area is not None
    ]
    if not paths and not user.is_superuser:
        return []
    if areas is None:
        areas = Area.objects.restrict(user, "view")
    rows = areas.filter(level__in=RULE_AREA_LEVELS).order_by("path")[:2000]
    if user.is_superuser:
        return list(rows)
    return [a for a in rows if any(a.path.startswith(p) for p in paths)]


class RuleForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"))
    kind = forms.ChoiceField(label=_("Kind of rule"), choices=RuleKind.choices)
    category = forms.ChoiceField(label=_("Hazard class"), required=False)
    min_count = forms.IntegerField(label=_("Minimum count"), required=False)
    radius_m = forms.IntegerField(label=_("Radius (m)"), required=False)
    window_days = forms.IntegerField(label=_("Window (days)"), required=False)
    cluster_within = forms.ChoiceField(
        label=_("Cluster within"), choices=ClusterWithin.choices, required=False
    )
    threshold = forms.IntegerField(label=_("Red hazards pending (threshold)"), required=False)
    count_per = forms.ChoiceField(label=_("Count per"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, rule: WarningRule | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]
        from anxin.areas.choices import Level

        per_level = [(v, Level(v).label) for v in COUNT_PER_LEVELS]
        self.fields["count_per"].choices = per_level  # type: ignore[attr-defined]
        top = None
        choices = []
        for area in managed_areas(user):
            top = area.depth if top is None else min(top, area.depth)
            choices.append((area.code, area, area.depth))
        self.fields["area"].choices = [  # type: ignore[attr-defined]
            (code, "\u3000" * (depth - (top or 0)) + area.name) for code, area, depth in choices
        ]
        if rule is not None and rule.pk:
            # a rule keeps its area and kind; they are shown, not edited
            self.fields["area"].choices = [(rule.area.code, rule.area.name)]  # type: ignore[attr-defined]
            self.fields["area"].disabled = True
            self.fields["kind"].disabled = True

    @property
    def chosen_kind(self) -> str:
        value = self["kind"].value() or (self.rule.kind if self.rule else RuleKind.SINGLE)
        return value if value in RuleKind.values else RuleKind.SINGLE

    def parameter_fields(self) -> list[forms.BoundField]:
        """The fields of the chosen kind only."""
        used = KIND_PARAMETERS[self.chosen_kind]
        return [self[name] for name in ALL_PARAMETERS if name in used]

    def data_for_action(self) -> dict[str, Any]:
        """The submitted values in the shape ``actions.create_rule`` takes; the
        parameters the kind does not use are left out."""
        raw = self.data
        kind = self.chosen_kind
        values: dict[str, Any] = {"kind": kind, "is_active": bool(raw.get("is_active"))}
        if not (self.rule and self.rule.pk):
            values["area"] = raw.get("area", "")
        for name in KIND_PARAMETERS[kind]:
            values[name] = raw.get(name, "")
        return values


def rule_initial(rule: WarningRule | None, kind: str | None = None) -> dict[str, Any]:
    """Initial values: the rule's own, or the defaults of ``kind``."""
    if rule is not None:
        initial: dict[str, Any] = {
            "area": rule.area.code,
            "kind": rule.kind,
            "is_active": rule.is_active,
            "category": rule.category.code if rule.category else "",
        }
        for name in ALL_PARAMETERS:
            if name != "category":
                initial[name] = getattr(rule, name)
        return initial
    chosen = kind if kind in RuleKind.values else RuleKind.SINGLE
    return {"kind": chosen, "is_active": True, **DEFAULT_PARAMETERS.get(chosen, {})}


def add_errors(form: forms.Form, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class FloodWarningForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"))
    message = forms.CharField(
        label=_("Message to residents and staff"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    radius_m = forms.IntegerField(
        label=_("Radius around low-lying yards (m)"),
        required=False,
        help_text=_("Empty: the radius of the flood-warning rule in force."),
    )

    def __init__(self, *args: Any, user: Any, areas: QuerySet[Area] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        mine = [a for a in managed_areas(user, areas) if a.level in ("district", "street")]
        top = min((a.depth for a in mine), default=0)
        indented = [(a.code, "\u3000" * (a.depth - top) + a.name) for a in mine]
        self.fields["area"].choices = indented  # type: ignore[attr-defined]
