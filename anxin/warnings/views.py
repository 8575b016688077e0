"""Workbench pages: the warnings list and a warning's page with its timeline and
the acknowledge / resolve buttons (HTMX). Every query starts from
``RiskWarning.objects.restrict``; every write calls the same actions as the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from anxin.core.errors import Conflict
from anxin.warnings import actions
from anxin.warnings.choices import WarningLevel, WarningStatus
from anxin.warnings.models import RiskWarning, SpecialGovernanceTask
from anxin.warnings.rules import department_label
from anxin.warnings.selectors import timeline, visible_hazards

LOGIN_URL = "login"
PAGE_SIZE = 100


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _visible(request: HttpRequest, pk: int) -> RiskWarning:
    warning = (
        RiskWarning.objects.restrict(request.user, "view")
        .select_related("area", "rule", "acknowledged_by", "resolved_by")
        .filter(pk=pk)
        .first()
    )
    if warning is None:
        raise Http404
    return warning


def _context(request: HttpRequest, warning: RiskWarning, **extra: Any) -> dict[str, Any]:
    user: Any = request.user
    may_change = RiskWarning.objects.restrict(user, "change").filter(
        pk=warning.pk
    ).exists() and actions.may_handle(warning, user)
    return {
        "warning": warning,
        "events": timeline(warning),
        "hazards": visible_hazards(warning, user),
        "departments": [department_label(k) for k in warning.proposed_departments],
        "task": SpecialGovernanceTask.objects.filter(warning=warning).first(),
        "may_acknowledge": may_change and warning.status == WarningStatus.RAISED,
        "may_resolve": may_change and warning.status != WarningStatus.RESOLVED,
        **extra,
    }


@login_required(login_url=LOGIN_URL)
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        RiskWarning.objects.restrict(request.user, "view")
        .select_related("area")
        .annotate(hazard_count=Count("links", distinct=True))
    )
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


@login_required(login_url=LOGIN_URL)
@require_GET
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _visible(request, pk)
    return render(request, "warnings/detail.html", _context(request, warning))


def _act(request: HttpRequest, pk: int, do: Any) -> HttpResponse:
    warning = _visible(request, pk)
    error = ""
    try:
        do(warning)
    except ValidationError as exc:
        error = " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    except (PermissionDenied, Conflict) as exc:
        error = str(exc)
    warning = _visible(request, pk)
    if _is_htmx(request):
        status = 400 if error else 200
        return render(
            request, "warnings/_state.html", _context(request, warning, error=error), status=status
        )
    if error:
        return render(
            request, "warnings/detail.html", _context(request, warning, error=error), status=400
        )
    return redirect("warnings:detail", pk=pk)


@login_required(login_url=LOGIN_URL)
@require_POST
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    return _act(request, pk, lambda w: actions.acknowledge(w, user, request.POST.get("note", "")))


@login_required(login_url=LOGIN_URL)
@require_POST
def warning_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    return _act(request, pk, lambda w: actions.resolve(w, user, request.POST.get("note", "")))
