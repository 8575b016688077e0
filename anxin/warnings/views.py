"""Workbench pages: the warnings list and a warning's page with its timeline and
the acknowledge / resolve buttons (HTMX). Every query starts from
``RiskWarning.objects.restrict``; every write calls the same actions as the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from anxin.core.errors import Conflict
from anxin.core.pages import is_htmx, scoped
from anxin.warnings import actions
from anxin.warnings.choices import WarningLevel, WarningStatus
from anxin.warnings.models import RiskWarning
from anxin.warnings.rules import department_label
from anxin.warnings.selectors import (
    governance_task,
    may_change_warning,
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
