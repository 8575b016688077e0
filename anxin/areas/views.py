"""Organisation pages: the org tree with hazard counts per node, and a node page
with its open hazards, overdue and on-time rates and a monthly chart."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anxin.areas.models import Area
from anxin.core.pages import scoped
from anxin.hazards.choices import OPEN_STATUSES
from anxin.maps import selectors
from anxin.maps.selectors import NodeCounts
from anxin.ratings.selectors import satisfaction_for_node

# The hazard file page and the hazard list (anxin.hazards).
HAZARD_URL = "/hazards/{id}/"
HAZARD_LIST_URL = "/hazards/?area={code}"
OPEN_HAZARDS_SHOWN = 20


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@scoped(Area, "view", argument="areas")
@require_GET
def org_tree(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    nodes = selectors.visible_tree(areas)
    counts = selectors.tree_counts(request.user, nodes)
    top_depth = min((node.depth for node in nodes), default=0)
    rows = [
        {
            "area": node,
            "indent": node.depth - top_depth,
            "counts": counts.get(node.pk, NodeCounts()),
        }
        for node in nodes
    ]
    return render(request, "areas/tree.html", {"rows": rows})


@scoped(
    Area.objects.select_related("parent"),
    "view",
    argument="node",
    lookup="code",
    queryset_argument="areas",
)
@require_GET
def org_node(request: HttpRequest, node: Area, areas: QuerySet[Area]) -> HttpResponse:
    now = timezone.now()
    summary = selectors.node_summary(request.user, node, now)
    ancestors = list(node.ancestors())
    visible_ancestor_ids = set(
        areas.filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
    )
    open_hazards = list(
        selectors.node_hazards(request.user, node)
        .filter(status__in=OPEN_STATUSES)
        .select_related("category")
        .order_by("-reported_at", "-id")[:OPEN_HAZARDS_SHOWN]
    )
    rated = satisfaction_for_node(request.user, node)
    chart: dict[str, Any] = {
        "months": summary.months,
        "reported": summary.reported,
        "closed": summary.closed,
        "labels": {"reported": _("Reported"), "closed": _("Closed")},
    }
    return render(
        request,
        "areas/node.html",
        {
            "node": node,
            "ancestors": [(a, a.pk in visible_ancestor_ids) for a in ancestors],
            "parent_visible": node.parent_id in visible_ancestor_ids,
            "summary": summary,
            "overdue_rate": _percent(summary.overdue_rate),
            "on_time_rate": _percent(summary.on_time_rate),
            "satisfaction": rated,
            "satisfaction_rate": _percent(rated.satisfied_share),
            "open_hazards": [
                {"hazard": h, "url": HAZARD_URL.format(id=h.pk)} for h in open_hazards
            ],
            "list_url": HAZARD_LIST_URL.format(code=node.code),
            "chart": chart,
        },
    )
