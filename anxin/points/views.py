"""The points pages of the phone app: my ledger and the campaigns to join."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.core.errors import Conflict
from anxin.core.pages import RESIDENT_LOGIN_URL, scoped
from anxin.points import actions
from anxin.points.models import Campaign, PointEntry
from anxin.points.selectors import balance, campaign_rows, own_entries

LEDGER_ROWS = 200


@scoped(
    PointEntry.objects.select_related("hazard", "campaign"),
    "view",
    argument="entries",
    where=own_entries,
    login_url=RESIDENT_LOGIN_URL,
)
@require_GET
def ledger_page(request: HttpRequest, entries: QuerySet[PointEntry]) -> HttpResponse:
    user: Any = request.user
    rows = list(entries[:LEDGER_ROWS])
    return render(
        request,
        "points/ledger.html",
        {"balance": balance(user), "entries": rows, "truncated": len(rows) == LEDGER_ROWS},
    )


@scoped(Campaign, "view", argument="campaigns", login_url=RESIDENT_LOGIN_URL)
@require_GET
def campaigns_page(request: HttpRequest, campaigns: QuerySet[Campaign]) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "points/campaigns.html",
        {"rows": campaign_rows(campaigns, user), "home_building": user.home_building},
    )


@scoped(Campaign, "view", argument="campaign", lookup="pk", login_url=RESIDENT_LOGIN_URL)
@require_POST
def join(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """Join a campaign; the outcome is shown as a message on the campaigns page."""
    user: Any = request.user
    try:
        participation = actions.join_campaign(campaign.pk, user)
    except Http404:
        raise
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("points:campaigns")
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("points:campaigns")
    messages.success(
        request,
        _("You joined “%(name)s”.") % {"name": participation.campaign.name},
    )
    return redirect("points:campaigns")
