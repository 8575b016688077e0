"""The staff report form: a report with photos and a point on the map, the
category search, and the duplicate check that offers to add the photos to an
open file instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from anxin.core.pages import page_login_required, scoped, unscoped
from anxin.hazards import actions
from anxin.hazards.choices import OPEN_STATUSES, Phase
from anxin.hazards.errors import HazardValidationError
from anxin.hazards.forms import FILES_NOT_KEPT, ReportForm, add_action_errors
from anxin.hazards.models import Hazard
from anxin.hazards.selectors import nearby_open
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import active_subclasses, search_categories


def _report_context(form: ReportForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "files_not_kept": FILES_NOT_KEPT,
        "categories": list(active_subclasses()),
        **extra,
    }


def _merge_report_into(
    request: HttpRequest, hazards: QuerySet[Hazard], form: ReportForm, target_id: str
) -> HttpResponse:
    """A staff reporter's "merge into": this report becomes evidence on the open
    file (when the user may add evidence) and the user follows it."""
    user: Any = request.user
    target = hazards.filter(
        pk=int(target_id) if target_id.isdigit() else -1, status__in=OPEN_STATUSES
    ).first()
    if target is None:
        form.is_valid()
        form.add_error(None, _("That file is no longer open; report a new hazard instead."))
        return render(request, "hazards/new.html", _report_context(form), status=422)
    files = request.FILES.getlist("attachments")
    note = (request.POST.get("description") or "").strip()
    added = False
    if files:
        try:
            actions.add_evidence(target.pk, user, [(f, Phase.FOUND) for f in files], note=note)
            added = True
        except HazardValidationError as exc:
            form.is_valid()
            add_action_errors(form, exc)
            return render(request, "hazards/new.html", _report_context(form), status=422)
        except (PermissionDenied, Http404):
            added = False
    actions.follow(target.pk, user)
    if added:
        messages.success(
            request,
            _("Your photos were added to %(code)s and you now follow it.") % {"code": target.code},
        )
    else:
        messages.success(request, _("You now follow %(code)s.") % {"code": target.code})
    return redirect("hazards:detail", pk=target.pk)


@scoped(Hazard, "view", argument="hazards")
@require_http_methods(["GET", "POST"])
def hazard_new(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    user: Any = request.user
    if request.method == "GET":
        return render(request, "hazards/new.html", _report_context(ReportForm()))
    form = ReportForm(request.POST, request.FILES)
    merge_into = request.POST.get("merge_into", "")
    if merge_into:
        return _merge_report_into(request, hazards, form, merge_into)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = actions.report_hazard(
                reporter=user,
                category=data["category"],
                lat=data["lat"],
                lng=data["lng"],
                title=data.get("title", ""),
                description=data.get("description", ""),
                address=data.get("address", ""),
                risk_colour=data.get("risk_colour", ""),
                grade=data["grade"],
                quantity=data.get("quantity", ""),
                uploads=[(f, Phase.FOUND) for f in data.get("attachments") or []],
                idempotency_key=data.get("idempotency_key") or None,
            )
        except HazardValidationError as exc:
            unplaced = add_action_errors(form, exc)
            form.location_errors.extend(unplaced.get("location", []))
        else:
            hazard = result.hazard
            messages.success(request, _("Reported as %(code)s.") % {"code": hazard.code})
            if result.missing:
                messages.warning(
                    request,
                    _("This report still lacks: %(items)s.") % {"items": ", ".join(result.missing)},
                )
            visible = hazards.filter(pk__in=[h.pk for h in result.duplicates])
            codes = [h.code for h in visible]
            if codes:
                messages.warning(
                    request,
                    _("Possible duplicates nearby: %(codes)s.") % {"codes": ", ".join(codes)},
                )
            return redirect("hazards:detail", pk=hazard.pk)
    return render(request, "hazards/new.html", _report_context(form), status=422)


@unscoped("hazard categories are the same for everyone")
@page_login_required
@require_GET
def category_options(request: HttpRequest) -> HttpResponse:
    """HTMX: the category select's options matching the search text."""
    text = request.GET.get("category_search", "")[:60]
    selected = request.GET.get("category", "")
    found = list(search_categories(text)[:80])
    if len(found) == 1:
        selected = found[0].code
    return render(
        request,
        "hazards/_category_options.html",
        {"categories": found, "selected": selected, "text": text},
    )


@scoped(Hazard, "view", argument="hazards")
@require_GET
def duplicate_check(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    """HTMX: open hazards of the chosen subclass near the chosen point, in scope."""
    code = request.GET.get("category", "")
    category = Category.objects.filter(code=code, parent__isnull=False).first()
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        lat = lng = None  # type: ignore[assignment]
    rows: list[dict[str, Any]] = []
    if category is not None and lat is not None and lng is not None:
        since = timezone.now() - timedelta(days=category.duplicate_window_days)
        queryset = hazards.filter(category=category, reported_at__gte=since)
        for hazard, distance in nearby_open(
            lat, lng, category.duplicate_radius_m, queryset, limit=10
        ):
            rows.append({"hazard": hazard, "distance": round(distance)})
    return render(
        request,
        "hazards/_duplicates.html",
        {"rows": rows, "ready": category is not None and lat is not None},
    )
