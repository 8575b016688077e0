"""The hazard list: filters, to-do queues, sorting and keyset pages, and the
same rows as an Excel ledger (台账)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Case, DateTimeField, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from anxin.accounts.choices import role_allows
from anxin.core.pages import is_htmx, scoped
from anxin.core.pagination import SortKey, keyset_page, query_with
from anxin.hazards.choices import RiskColour, Status
from anxin.hazards.exports import ledger_workbook
from anxin.hazards.forms import HazardFilterForm
from anxin.hazards.models import Hazard
from anxin.hazards.presenters import deadline_state

PAGE_SIZE = 50
LIST_ROWS = Hazard.objects.select_related(
    "category", "category__parent", "grid", "community", "responsible_organisation"
)

# The list's sort orders: a hazard without a deadline sorts after every
# deadline; colours and statuses by their rank, not their names.
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
COLOUR_RANK = {RiskColour.BLUE: 1, RiskColour.YELLOW: 2, RiskColour.ORANGE: 3, RiskColour.RED: 4}
STATUS_RANK = {s: i for i, s in enumerate(Status.values)}


def _rank(field: str, ranks: dict[Any, int]) -> Case:
    return Case(
        *[When(**{field: value}, then=Value(rank)) for value, rank in ranks.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


SORT_KEYS = {
    "reported_at": SortKey(F("reported_at"), is_datetime=True),
    "deadline": SortKey(
        Coalesce("deadline", Value(FAR_FUTURE), output_field=DateTimeField()), is_datetime=True
    ),
    "colour": SortKey(_rank("risk_colour", COLOUR_RANK)),
    "status": SortKey(_rank("status", STATUS_RANK)),
}


SORT_DEFAULT_DIRECTION = {
    "reported_at": "-",
    "deadline": "",
    "colour": "-",
    "status": "",
}


def _sort_links(params: QueryDict, current: str) -> dict[str, dict[str, str]]:
    links = {}
    for key, first in SORT_DEFAULT_DIRECTION.items():
        if current.lstrip("-") == key:
            wanted = key if current.startswith("-") else f"-{key}"
            arrow = "↓" if current.startswith("-") else "↑"
        else:
            wanted, arrow = f"{first}{key}", ""
        links[key] = {"url": query_with(params, sort=wanted), "arrow": arrow}
    return links


@scoped(LIST_ROWS, "view", argument="hazards")
@require_GET
def hazard_list(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    form = HazardFilterForm(request.GET or None, user=request.user)
    if form.is_bound:
        form.is_valid()
    now = timezone.now()
    sort = form.sort_order
    queryset = form.filter(hazards, now)
    page = keyset_page(
        queryset,
        SORT_KEYS[sort.lstrip("-")],
        sort.startswith("-"),
        request.GET.get("after"),
        request.GET.get("before"),
        PAGE_SIZE,
    )
    for hazard in page.rows:
        hazard.deadline_state = deadline_state(hazard, now)  # type: ignore[attr-defined]
    params = request.GET
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "sort_links": _sort_links(params, sort),
        "next_url": query_with(params, after=page.next_cursor) if page.next_cursor else None,
        "previous_url": query_with(params, before=page.previous_cursor)
        if page.previous_cursor
        else None,
        "export_url": reverse("hazards:export") + query_with(params),
        "may_export": may_export(request.user),
        "queue": form.cleaned_data.get("queue") if form.is_bound and form.is_valid() else "",
        "now": now,
    }
    if is_htmx(request):
        context["fragment"] = True
        return render(request, "hazards/_results.html", context)
    return render(request, "hazards/list.html", context)


def may_export(user: Any) -> bool:
    return bool(
        user.is_superuser or any(role_allows(m.role, "export") for m in user.active_memberships())
    )


@scoped(LIST_ROWS, "export", argument="hazards")
@require_GET
def hazard_export(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    if not may_export(request.user):
        return render(request, "hazards/export_forbidden.html", status=403)
    form = HazardFilterForm(request.GET or None, user=request.user)
    if form.is_bound:
        form.is_valid()
    now = timezone.now()
    queryset = form.filter(hazards, now).order_by("-reported_at", "-id")
    content = ledger_workbook(queryset, now)
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="hazard-ledger-{stamp}.xlsx"'
    return response
