"""Reads of the points ledger and campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from anxin.points.models import Campaign, CampaignParticipation, PointEntry


def balance(user: Any) -> int:
    """A person's points: the sum of their ledger."""
    if user is None or not user.is_authenticated:
        return 0
    total = PointEntry.objects.filter(user=user).aggregate(total=Sum("points"))["total"]
    return int(total or 0)


def own_entries(entries: QuerySet[PointEntry], user: Any) -> QuerySet[PointEntry]:
    """Of ``entries``, the person's own (staff may see others' entries)."""
    pk = getattr(user, "pk", None)
    return entries.none() if pk is None else entries.filter(user_id=pk)


def ledger(user: Any) -> QuerySet[PointEntry]:
    """A person's own ledger, newest first."""
    return own_entries(PointEntry.objects.restrict(user, "view"), user).select_related(
        "hazard", "campaign"
    )


def open_campaigns(campaigns: QuerySet[Campaign], today: date | None = None) -> QuerySet[Campaign]:
    """Of ``campaigns`` (those the user may see), the ones running today."""
    today = today or timezone.localdate()
    return (
        campaigns.filter(is_active=True, starts_on__lte=today, ends_on__gte=today)
        .select_related("area")
        .order_by("ends_on", "pk")
    )


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    joined: bool
    may_join: bool
    points: int | None


def campaign_rows(
    campaigns: QuerySet[Campaign], user: Any, today: date | None = None
) -> list[CampaignRow]:
    """The running ``campaigns`` (those the user may see) for the phone app, with
    whether the user joined or may join."""
    from anxin.points.actions import rule_points
    from anxin.points.choices import PointKind

    running = list(open_campaigns(campaigns, today))
    joined = set(
        CampaignParticipation.objects.filter(
            user_id=getattr(user, "pk", None), campaign__in=running
        ).values_list("campaign_id", flat=True)
    )
    building = getattr(user, "home_building", None) if user.is_authenticated else None
    default = rule_points(PointKind.CAMPAIGN)
    rows = []
    for campaign in running:
        inside = building is not None and building.path.startswith(campaign.area.path)
        rows.append(
            CampaignRow(
                campaign=campaign,
                joined=campaign.pk in joined,
                may_join=inside and campaign.pk not in joined and user.is_resident,
                points=campaign.points if campaign.points is not None else default,
            )
        )
    return rows
