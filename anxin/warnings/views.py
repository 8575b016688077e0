"""Workbench pages: the warnings list and a warning's page with its timeline and
the acknowledge / resolve buttons (HTMX). Every query starts from
``RiskWarning.objects.restrict``; every write calls the same actions as the API."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.areas.models import Area
from anxin.core.errors import Conflict
from anxin.core.pages import is_htmx, scoped
from anxin.warnings import actions
from anxin.warnings.choices import RULE_AREA_LEVELS, RuleKind, WarningLevel, WarningStatus
from anxin.warnings.forms import FloodWarningForm, RuleForm, managed_areas, rule_initial
from anxin.warnings.forms import add_errors as add_rule_errors
from anxin.warnings.models import RiskWarning, WarningRule
from anxin.warnings.preview import preview_rule
from anxin.warnings.rules import department_label
from anxin.warnings.selectors import (
    governance_task,
    may_change_warning,
    may_see_warnings,
    rules_in_force_count,
    timeline,
    visible_hazards,
)

PAGE_SIZE = 100

# A warning as its page shows it.
WARNING_PAGE = RiskWarning.objects.select_related("area", "rule", "acknowledged_by", "resolved_by")


def _context(request: HttpRequest, warning: RiskWarning, **extra: Any) -> dict[str, Any]:
    user: Any = request.user
    may_change = may_change_warning(warning, user) and actions.may_handle(warning, user)
    return {
        "warning": warning,
        "events": timeline(warning),
        "hazards": visible_hazards(warning, user),
        "departments": [department_label(k) for k in warning.proposed_departments],
        "task": governance_task(warning),
        "may_acknowledge": may_change and warning.status == WarningStatus.RAISED,
        "may_resolve": may_change and warning.status != WarningStatus.RESOLVED,
        **extra,
    }


@scoped(RiskWarning.objects.select_related("area"), "view", argument="warnings")
@require_GET
def warning_list(request: HttpRequest, warnings: QuerySet[RiskWarning]) -> HttpResponse:
    queryset = warnings.annotate(hazard_count=Count("links", distinct=True))
    status = request.GET.get("status", "open")
    if status == "open":
        queryset = queryset.exclude(status=WarningStatus.RESOLVED)
    elif status in WarningStatus.values:
        queryset = queryset.filter(status=status)
    level = request.GET.get("level", "")
    if level in WarningLevel.values:
        queryset = queryset.filter(level=level)
    return render(
        request,
        "warnings/list.html",
        {
            "warnings": queryset[:PAGE_SIZE],
            "status": status,
            "level": level,
            "statuses": WarningStatus.choices,
            "levels": WarningLevel.choices,
            "rules_in_force": rules_in_force_count(request.user),
            "may_raise_flood": any(
                a.level in ("district", "street") for a in managed_areas(request.user)
            ),
        },
    )


@scoped(WARNING_PAGE, "view", argument="warning", lookup="pk")
@require_GET
def warning_detail(request: HttpRequest, warning: RiskWarning) -> HttpResponse:
    return render(request, "warnings/detail.html", _context(request, warning))


def _act(
    request: HttpRequest, warning: RiskWarning, warnings: QuerySet[RiskWarning], do: Any
) -> HttpResponse:
    error = ""
    try:
        do(warning)
    except ValidationError as exc:
        error = " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    except (PermissionDenied, Conflict) as exc:
        error = str(exc)
    warning = get_object_or_404(warnings, pk=warning.pk)
    if is_htmx(request):
        status = 400 if error else 200
        return render(
            request, "warnings/_state.html", _context(request, warning, error=error), status=status
        )
    if error:
        return render(
            request, "warnings/detail.html", _context(request, warning, error=error), status=400
        )
    return redirect("warnings:detail", pk=warning.pk)


@scoped(WARNING_PAGE, "view", argument="warning", lookup="pk", queryset_argument="warnings")
@require_POST
def warning_acknowledge(
    request: HttpRequest, warning: RiskWarning, warnings: QuerySet[RiskWarning]
) -> HttpResponse:
    user: Any = request.user
    note = request.POST.get("note", "")
    return _act(request, warning, warnings, lambda w: actions.acknowledge(w, user, note))


@scoped(WARNING_PAGE, "view", argument="warning", lookup="pk", queryset_argument="warnings")
@require_POST
def warning_resolve(
    request: HttpRequest, warning: RiskWarning, warnings: QuerySet[RiskWarning]
) -> HttpResponse:
    user: Any = request.user
    note = request.POST.get("note", "")
    return _act(request, warning, warnings, lambda w: actions.resolve(w, user, note))


# --- rules -------------------------------------------------------------------------------------
RULES = WarningRule.objects.select_related("area", "category", "created_by")
RULE_AREAS = Area.objects.filter(level__in=RULE_AREA_LEVELS)
LEVELS = [WarningLevel.BLUE, WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED]


@scoped(RULES, "view", argument="rules")
@require_GET
def rule_list(request: HttpRequest, rules: QuerySet[WarningRule]) -> HttpResponse:
    """The rules in force for the user's areas, by level; street and district
    admins add and edit them."""
    user: Any = request.user
    if not may_see_warnings(user):
        raise Http404
    rows = sorted(rules, key=lambda r: (LEVELS.index(WarningLevel(r.level)), r.area.path, r.pk))
    managed = managed_areas(user)
    missing = [
        area
        for area in managed
        if area.level == "district"
        and {r.kind for r in rows if r.area_id == area.pk} != set(RuleKind.values)
    ]
    return render(
        request,
        "warnings/rules.html",
        {
            "rules": rows,
            "may_add": bool(managed),
            "editable": {r.pk for r in rows if actions.may_manage_rules(user, r.area)},
            "missing_defaults": missing,
        },
    )


def _rule_page(
    request: HttpRequest, form: RuleForm, rule: WarningRule | None, preview: Any = None
) -> HttpResponse:
    return render(
        request,
        "warnings/rule_form.html",
        {"form": form, "rule": rule, "preview": preview},
        status=422 if form.errors else 200,
    )


def _save_rule(request: HttpRequest, rule: WarningRule | None) -> HttpResponse:
    user: Any = request.user
    form = RuleForm(request.POST, user=user, rule=rule)
    data = form.data_for_action()
    try:
        if request.POST.get("preview"):
            draft = actions.build_rule(user, data, rule)
            return _rule_page(request, form, rule, preview_rule(draft, user))
        if rule is None:
            saved = actions.create_rule(user, data)
        else:
            saved = actions.update_rule(rule, user, data)
    except ValidationError as exc:
        add_rule_errors(form, exc)
        return _rule_page(request, form, rule)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _rule_page(request, form, rule)
    messages.success(request, _("The rule is saved: %(rule)s.") % {"rule": saved})
    return redirect("warnings:rules")


@scoped(RULE_AREAS, "view", argument="areas")
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    user: Any = request.user
    if not managed_areas(user, areas):
        raise PermissionDenied(_("Only street and district admins set warning rules."))
    if request.method == "POST":
        return _save_rule(request, None)
    form = RuleForm(initial=rule_initial(None, request.GET.get("kind")), user=user)
    return _rule_page(request, form, None)


@scoped(RULES, "view", argument="rule", lookup="pk")
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule: WarningRule) -> HttpResponse:
    user: Any = request.user
    if not actions.may_manage_rules(user, rule.area):
        raise PermissionDenied(_("You may change rules only for your own street or district."))
    if request.method == "POST":
        return _save_rule(request, rule)
    return _rule_page(request, RuleForm(initial=rule_initial(rule), user=user, rule=rule), rule)


@scoped(RULE_AREAS, "view", argument="areas")
@require_GET
def rule_params(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    """The parameters of the kind chosen in the form (HTMX swaps them in)."""
    user: Any = request.user
    if not managed_areas(user, areas):
        raise PermissionDenied
    form = RuleForm(initial=rule_initial(None, request.GET.get("kind")), user=user)
    return render(request, "warnings/_rule_params.html", {"form": form})


@scoped(RULES, "view", argument="rules")
@require_POST
def rule_preview(request: HttpRequest, rules: QuerySet[WarningRule]) -> HttpResponse:
    """What the rule in the form would have raised over the last 90 days (HTMX)."""
    user: Any = request.user
    if not managed_areas(user):
        raise PermissionDenied
    rule = None
    if request.POST.get("rule"):
        rule = rules.filter(
            pk=request.POST["rule"] if request.POST["rule"].isdigit() else 0
        ).first()
        if rule is None:
            raise Http404
    form = RuleForm(request.POST, user=user, rule=rule)
    try:
        draft = actions.build_rule(user, form.data_for_action(), rule)
    except (ValidationError, PermissionDenied) as exc:
        errors = (
            [str(m) for msgs in exc.message_dict.values() for m in msgs]
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict")
            else [str(exc)]
        )
        return render(request, "warnings/_rule_preview.html", {"errors": errors})
    return render(request, "warnings/_rule_preview.html", {"preview": preview_rule(draft, user)})


@scoped(RULE_AREAS, "view", argument="areas")
@require_POST
def rule_defaults(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    """Install the default rule set on a district that lacks some of it."""
    user: Any = request.user
    area = areas.filter(code=request.POST.get("area", "")).first()
    if area is None:
        raise Http404
    if not actions.may_manage_rules(user, area):
        raise PermissionDenied(_("You may set rules only for your own street or district."))
    created = actions.ensure_default_rules(area, user)
    messages.success(
        request,
        _("%(n)d default rules installed for %(area)s.") % {"n": len(created), "area": area.name},
    )
    return redirect("warnings:rules")


# --- a flood warning by hand --------------------------------------------------------------------
@scoped(RULE_AREAS, "view", argument="areas")
@require_http_methods(["GET", "POST"])
def flood_new(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    """Street and district admins raise a flood warning for their area: residents
    near low-lying yards are told and the flood plan is proposed."""
    user: Any = request.user
    form = FloodWarningForm(request.POST or None, user=user, areas=areas)
    if not form.fields["area"].choices:  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only street and district admins may raise a flood warning."))
    if request.method == "POST" and form.is_valid():
        try:
            warning, _created = actions.raise_flood_warning(
                form.cleaned_data["area"],
                user,
                form.cleaned_data["message"],
                radius_m=form.cleaned_data.get("radius_m"),
                key=request.POST.get("idempotency_key") or None,
            )
        except ValidationError as exc:
            add_rule_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("warnings:detail", pk=warning.pk)
    return render(
        request,
        "warnings/flood_form.html",
        {"form": form, "idempotency_key": uuid.uuid4().hex},
        status=422 if form.errors else 200,
    )
