"""Forms of the workbench pages: the list filters and queues, the action forms
of the hazard file page, and the staff report form.

Forms only parse and keep what the user typed; every write goes through the
actions in ``anxin.hazards.actions``, whose validation errors are copied back
onto the form (``add_action_errors``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Role
from anxin.accounts.selectors import roles_of
from anxin.areas.models import Area
from anxin.hazards.choices import (
    SIX_ITEM_PLAN_FIELDS,
    Grade,
    Phase,
    RiskColour,
    SourceChannel,
    Status,
)
from anxin.hazards.models import Hazard
from anxin.hazards.selectors import QUEUES, overdue_q, queue_q
from anxin.organisations.models import Organisation
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import active_subclasses

# --- the list filters ---------------------------------------------------------------------
SORT_FIELDS = ("reported_at", "deadline", "colour", "status")
SORT_CHOICES = [(s, s) for s in SORT_FIELDS] + [(f"-{s}", f"-{s}") for s in SORT_FIELDS]
DEFAULT_SORT = "-reported_at"
YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


def category_choices(with_main_classes: bool = True) -> list[tuple[str, Any]]:
    """Grouped choices: each main class (all its subclasses) then its subclasses."""
    groups: dict[str, list[tuple[str, str]]] = {}
    mains: dict[str, Category] = {}
    for sub in active_subclasses():
        assert sub.parent is not None
        mains[sub.parent.code] = sub.parent
        groups.setdefault(sub.parent.code, []).append((sub.code, f"{sub.code} {sub.name}"))
    choices: list[tuple[str, Any]] = [("", _("Any category"))]
    for code, subs in groups.items():
        main = mains[code]
        options = [(code, f"{code} {main.name} · {_('all')}")] if with_main_classes else []
        choices.append((f"{code} {main.name}", options + subs))
    return choices


def area_choices(user: Any) -> list[tuple[str, str]]:
    """Visible areas down to the grid, indented by depth."""
    areas = (
        Area.objects.restrict(user, "view")
        .filter(level__in=["district", "street", "community", "grid"])
        .order_by("path")
        .only("code", "name", "depth")
    )
    rows = list(areas[:2000])
    if not rows:
        return []
    top = min(a.depth for a in rows)
    return [("", str(_("Any area")))] + [
        (a.code, "\u3000" * (a.depth - top) + f"{a.name}") for a in rows
    ]


class HazardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    queue = forms.ChoiceField(
        label=_("Queue"),
        required=False,
        choices=[("", _("Any"))] + [(q.name, q.label) for q in QUEUES],
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        required=False,
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    colour = forms.MultipleChoiceField(
        label=_("Risk colour"),
        required=False,
        choices=RiskColour.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("Any source")), *list(SourceChannel.choices)],
    )
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=YES_NO)
    listed = forms.ChoiceField(label=_("Listed"), required=False, choices=YES_NO)
    reported_from = forms.DateField(
        label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reported_to = forms.DateField(
        label=_("Reported until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        required=False, choices=SORT_CHOICES, widget=forms.HiddenInput, initial=DEFAULT_SORT
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]
        areas = area_choices(user)
        if areas:
            self.fields["area"].choices = areas  # type: ignore[attr-defined]
        else:
            del self.fields["area"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("reported_from"), data.get("reported_to")
        if start and end and end < start:
            self.add_error("reported_to", _("The end of the range is before its start."))
        return data

    @property
    def sort_order(self) -> str:
        value = self.cleaned_data.get("sort") if self.is_bound and self.is_valid() else ""
        return value or DEFAULT_SORT

    def filter(self, queryset: QuerySet[Hazard], now: datetime) -> QuerySet[Hazard]:
        """Apply the valid filters (invalid ones are shown and ignored)."""
        data = self.cleaned_data if self.is_bound else {}
        if self.is_bound and not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        if data.get("queue"):
            queryset = queryset.filter(queue_q(data["queue"], self.user, now))
        if data.get("status"):
            queryset = queryset.filter(status__in=data["status"])
        if data.get("colour"):
            queryset = queryset.filter(risk_colour__in=data["colour"])
        category = data.get("category") or ""
        if len(category) == 2:
            queryset = queryset.filter(category__parent__code=category)
        elif category:
            queryset = queryset.filter(category__code=category)
        if data.get("area"):
            path = Area.objects.filter(code=data["area"]).values_list("path", flat=True).first()
            queryset = queryset.filter(area_path__startswith=path) if path else queryset.none()
        if data.get("source"):
            queryset = queryset.filter(source=data["source"])
        if data.get("overdue") == "yes":
            queryset = queryset.filter(overdue_q(now))
        elif data.get("overdue") == "no":
            queryset = queryset.exclude(overdue_q(now))
        if data.get("listed") == "yes":
            queryset = queryset.filter(is_listed=True)
        elif data.get("listed") == "no":
            queryset = queryset.filter(is_listed=False)
        tz = timezone.get_current_timezone()
        if data.get("reported_from"):
            start = datetime.combine(data["reported_from"], time.min, tzinfo=tz)
            queryset = queryset.filter(reported_at__gte=start)
        if data.get("reported_to"):
            end = datetime.combine(data["reported_to"] + timedelta(days=1), time.min, tzinfo=tz)
            queryset = queryset.filter(reported_at__lt=end)
        text = (data.get("q") or "").strip()
        if text:
            queryset = queryset.filter(
                Q(code__icontains=text)
                | Q(machine_code__startswith=text)
                | Q(title__icontains=text)
                | Q(address__icontains=text)
                | Q(description__icontains=text)
            )
        return queryset


# --- file uploads -------------------------------------------------------------------------
class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (photos, video, voice)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*,video/*,audio/*", "multiple": True}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not items and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return [single(item, initial) for item in items if item]


FILES_NOT_KEPT = _("Files cannot be kept after an error: choose them again.")


# --- actions on the hazard file page ------------------------------------------------------
@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: Any
    fields: tuple[str, ...]
    phase: str = Phase.VERIFY
    style: str = ""  # "", "secondary" or "danger"
    transition: bool = True


ACTION_SPECS: dict[str, ActionSpec] = {
    s.name: s
    for s in (
        ActionSpec("verify", _("Verify"), ("reason", "attachments", "expert_opinion")),
        ActionSpec(
            "reject", _("Reject as false report"), ("reason", "attachments"), style="danger"
        ),
        ActionSpec("merge", _("Merge into another file"), ("into", "reason"), style="secondary"),
        ActionSpec("dispatch", _("Dispatch"), ("organisation", "deadline", "reason")),
        ActionSpec(
            "accept", _("Accept the work order"), ("reason", "attachments"), Phase.RECTIFY_BEFORE
        ),
        ActionSpec("return", _("Return for re-dispatch"), ("reason",), style="secondary"),
        ActionSpec(
            "rectify", _("Submit rectification"), ("attachments", "reason"), Phase.RECTIFY_AFTER
        ),
        ActionSpec(
            "fix_on_spot", _("Fixed on the spot"), ("attachments", "reason"), Phase.RECTIFY_AFTER
        ),
        ActionSpec(
            "pass_recheck", _("Recheck passed — close"), ("reason", "attachments"), Phase.RECHECK
        ),
        ActionSpec(
            "fail_recheck",
            _("Recheck failed"),
            ("reason", "deadline", "attachments"),
            Phase.RECHECK,
            style="danger",
        ),
        ActionSpec("publicise", _("Publicise"), (), transition=False),
        ActionSpec("list", _("List for supervision"), ("level", "reason"), transition=False),
        ActionSpec("delist", _("Delist"), ("reason",), style="secondary", transition=False),
        ActionSpec("whistle", _("Whistle call"), ("departments", "reason"), transition=False),
        ActionSpec("whistle_report", _("Report to a whistle call"), ("answer",), transition=False),
        ActionSpec(
            "extension",
            _("Request an extension"),
            ("deadline", "reason"),
            style="secondary",
            transition=False,
        ),
        ActionSpec(
            "extension_decision",
            _("Decide the extension request"),
            ("extension", "approve", "reason"),
            transition=False,
        ),
        ActionSpec(
            "interim_control",
            _("Interim control measures"),
            ("measures", "attachments"),
            Phase.RECTIFY_BEFORE,
            style="secondary",
            transition=False,
        ),
        ActionSpec("plan", _("Six-item plan"), SIX_ITEM_PLAN_FIELDS, transition=False),
        ActionSpec(
            "evidence",
            _("Add evidence"),
            ("phase", "attachments", "reason"),
            style="secondary",
            transition=False,
        ),
    )
}

PLAN_LABELS = {
    "targets": _("Targets of the rectification"),
    "method": _("Method and measures"),
    "funds_and_materials": _("Funds and materials"),
    "people": _("People responsible"),
    "time_limit": _("Time limit"),
    "safety_measures": _("Safety measures and emergency plan"),
}
REASON_LABELS = {
    "rectify": _("Note on the rectification"),
    "fix_on_spot": _("What was done"),
    "evidence": _("Note"),
    "delist": _("Why delist"),
    "whistle": _("What the departments should do"),
}


def organisation_choices(hazard: Hazard, user: Any) -> QuerySet[Organisation]:
    """Organisations a dispatcher (or a whistle call) may pick: those serving the
    hazard's area and those the user may see."""
    from anxin.organisations.selectors import organisations_serving

    serving = list(organisations_serving(hazard.area).values_list("pk", flat=True))
    visible = list(
        Organisation.objects.restrict(user, "view")
        .filter(is_active=True)
        .values_list("pk", flat=True)
    )
    return Organisation.objects.filter(pk__in=set(serving) | set(visible), is_active=True).order_by(
        "kind", "name"
    )


class ActionForm(forms.Form):
    """One form for every action on the file page; fields by ``ActionSpec``."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachments = MultipleFileField(label=_("Photos"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices, required=False)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organisation = forms.ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.none()
    )
    into = forms.CharField(label=_("Merge into (code or number)"), max_length=80)
    expert_opinion = forms.CharField(
        label=_("Expert opinion"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    level = forms.ChoiceField(
        label=_("Listing level"), choices=[("street", _("Street")), ("district", _("District"))]
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments to call"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    answer = forms.CharField(
        label=_("Arrival report and answer"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    extension = forms.ChoiceField(label=_("Extension request"))
    approve = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    measures = forms.CharField(
        label=_("Measures taken"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    targets = forms.CharField(
        label=PLAN_LABELS["targets"], max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    method = forms.CharField(
        label=PLAN_LABELS["method"], max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    funds_and_materials = forms.CharField(label=PLAN_LABELS["funds_and_materials"], max_length=2000)
    people = forms.CharField(label=PLAN_LABELS["people"], max_length=2000)
    time_limit = forms.DateField(
        label=PLAN_LABELS["time_limit"], widget=forms.DateInput(attrs={"type": "date"})
    )
    safety_measures = forms.CharField(
        label=PLAN_LABELS["safety_measures"],
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        spec: ActionSpec,
        hazard: Hazard,
        user: Any,
        *args: Any,
        candidates: Iterable[Hazard] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", f"id_{spec.name}_%s")
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.hazard = hazard
        wanted = list(spec.fields)
        if spec.name == "verify" and not (
            user.is_superuser or (Role.STREET_ADMIN in roles_of(user) and hazard.is_major)
        ):
            wanted.remove("expert_opinion")
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.order_fields(wanted)
        from anxin.hazards.workflow import TRANSITIONS

        t = TRANSITIONS.get(spec.name)
        if "reason" in self.fields:
            self.fields["reason"].label = REASON_LABELS.get(spec.name, _("Reason"))
            if (t is not None and t.reason_required) or spec.name == "extension":
                self.fields["reason"].required = True
        if "attachments" in self.fields:
            if spec.phase == Phase.RECTIFY_AFTER:
                self.fields["attachments"].label = _("Photos after rectification")
                self.fields["attachments"].help_text = _("Required unless already uploaded.")
            elif spec.phase == Phase.RECTIFY_BEFORE:
                self.fields["attachments"].label = _("Photos before rectification")
            if spec.name == "evidence":
                self.fields["attachments"].required = True
        if "phase" in self.fields:
            self.fields["phase"].initial = Phase.VERIFY
        if "deadline" in self.fields:
            if spec.name == "dispatch":
                self.fields["deadline"].help_text = _("Leave empty for the default time limit.")
            elif spec.name == "fail_recheck":
                self.fields["deadline"].label = _("New deadline")
                self.fields["deadline"].help_text = _("Leave empty to keep the current deadline.")
            else:
                self.fields["deadline"].required = True
                self.fields["deadline"].label = _("Deadline asked for")
        if "organisation" in self.fields:
            field: Any = self.fields["organisation"]
            field.queryset = organisation_choices(hazard, user)
            if hazard.responsible_organisation_id:
                field.initial = hazard.responsible_organisation_id
        if "departments" in self.fields:
            departments: Any = self.fields["departments"]
            departments.queryset = organisation_choices(hazard, user).exclude(kind="property")
        if "into" in self.fields:
            self.candidates = list(candidates)
            self.fields["into"].help_text = _(
                "The code of the file that stays open, or its number."
            )
        if "extension" in self.fields:
            pending = hazard.extensions.filter(decision="pending").order_by("created_at")
            ext_field: Any = self.fields["extension"]
            ext_field.choices = [
                (str(e.pk), f"{e.requested_deadline:%Y-%m-%d} · {e.reason[:40]}") for e in pending
            ]
            if len(ext_field.choices) == 1:
                ext_field.initial = ext_field.choices[0][0]
        for name in SIX_ITEM_PLAN_FIELDS:
            if name in self.fields and hazard.six_item_plan.get(name):
                self.fields[name].initial = hazard.six_item_plan[name]

    def uploads(self) -> list[tuple[Any, str]]:
        phase = self.cleaned_data.get("phase") or self.spec.phase
        return [(f, phase) for f in self.cleaned_data.get("attachments") or []]


def add_action_errors(form: forms.Form, error: ValidationError) -> dict[str, list[str]]:
    """Copy an action's field errors onto the form. A key like
    ``six_item_plan.targets`` goes to the field ``targets``; keys the form has no
    field for go to the whole form and are returned (e.g. ``location``)."""
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    unplaced: dict[str, list[str]] = {}
    for key, texts in messages.items():
        field = key.split(".", 1)[1] if "." in key else key
        for text in texts:
            if field in form.fields:
                form.add_error(field, text)
            else:
                form.add_error(None, text)
                unplaced.setdefault(field, []).append(text)
    return unplaced


# --- the staff report form ----------------------------------------------------------------
class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    title = forms.CharField(label=_("Title"), required=False, max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(
        label=_("Photos"), required=False, help_text=_("You may choose several photos.")
    )
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    lng = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=255)
    risk_colour = forms.ChoiceField(
        label=_("Risk colour"),
        required=False,
        choices=[("", _("Category default")), *list(RiskColour.choices)],
    )
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, initial=Grade.ORDINARY)
    quantity = forms.CharField(label=_("Quantity / size"), required=False, max_length=60)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location_errors: list[str] = []
        self.fields["category"].choices = category_choices(with_main_classes=False)  # type: ignore[attr-defined]
        self.fields["category"].choices[0] = ("", _("Choose a category"))  # type: ignore[attr-defined,index]
        if not self.is_bound:
            self.fields["idempotency_key"].initial = uuid.uuid4().hex

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lat") is None or data.get("lng") is None:
            message = _("Location: click the map or use your device's location.")
            self.location_errors.append(str(message))
            self.add_error(None, message)
        return data


def colour_of(category_code: str) -> str:
    cat = Category.objects.filter(code=category_code).only("risk_colour").first()
    return cat.risk_colour if cat else ""
