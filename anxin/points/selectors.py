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


def ledger(user: Any) -> QuerySet[PointEntry]:
    """A person's own ledger, newest first."""
    return (
        PointEntry.objects.restrict(user, "view")
        .filter(user_id=getattr(user, "pk", None))
        .select_related("hazard", "campaign")
    )


def open_campaigns(user: Any, today: date | None = None) -> QuerySet[Campaign]:
    """Campaigns the user may see that run today."""
    today = today or timezone.localdate()
    return (
        Campaign.objects.restrict(user, "view")
        .filter(is_active=True, starts_on__lte=today, ends_on__gte=today)
        .select_related("area")
        .order_by("ends_on", "pk")
    )


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    joined: bool
    may_join: bool
    points: int | None


def campaign_rows(user: Any, today: date | None = None) -> list[CampaignRow]:
    """The open campaigns for the phone app, with whether the user joined or may join."""
    from anxin.points.actions import rule_points
    from anxin.points.choices import PointKind

    campaigns = list(open_campaigns(user, today))
    joined = set(
        CampaignParticipation.objects.filter(
            user_id=getattr(user, "pk", None), campaign__in=campaigns
        ).values_list("campaign_id", flat=True)
    )
    building = getattr(user, "home_building", None) if user.is_authenticated else None
    default = rule_points(PointKind.CAMPAIGN)
    rows = []
    for campaign in campaigns:
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
