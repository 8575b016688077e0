"""Writes of the points ledger (积分). Every award is one ``PointEntry`` row; a
unique constraint per (person, kind, hazard) and (person, kind, campaign) makes
every award idempotent: asking twice earns nothing new."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core.errors import Conflict
from anxin.hazards.choices import EventKind, Status
from anxin.hazards.models import Hazard, HazardEvent
from anxin.points.choices import DEFAULT_POINTS, PointKind
from anxin.points.models import Campaign, CampaignParticipation, PointEntry, PointRule

if TYPE_CHECKING:
    from anxin.ratings.models import Rating

# A report counts as "verified as real" when it leaves ``reported`` for any
# state but these (the workflow sends it to ``verified`` or, fixed on the spot,
# to ``awaiting_recheck``).
NOT_REAL = frozenset({Status.REPORTED, Status.REJECTED, Status.MERGED})


class CampaignJoinError(ValidationError):
    """The resident may not join this campaign (400, with the reason)."""


class AlreadyJoined(Conflict):
    """The resident already joined this campaign (409)."""


def rule_points(kind: str) -> int | None:
    """The points a kind earns now, or None when its rule is switched off."""
    rule = PointRule.objects.filter(kind=kind).first()
    if rule is None:
        return DEFAULT_POINTS[kind]
    return rule.points if rule.is_active else None


def award(
    user: Any,
    kind: str,
    *,
    points: int | None = None,
    hazard: Hazard | None = None,
    campaign: Campaign | None = None,
    note: str = "",
) -> PointEntry | None:
    """Add one ledger line, once. Returns the new entry, or None when nothing
    was awarded (rule switched off, zero points, or already awarded)."""
    if points is None:
        points = rule_points(kind)
    if not points:
        return None
    lookup: dict[str, Any] = {"user": user, "kind": kind}
    if hazard is not None:
        lookup["hazard"] = hazard
    if campaign is not None:
        lookup["campaign"] = campaign
    if (hazard is not None or campaign is not None) and PointEntry.objects.filter(
        **lookup
    ).exists():
        return None
    try:
        with transaction.atomic():
            return PointEntry.objects.create(
                **lookup, points=points, note=note[:200], created_at=timezone.now()
            )
    except IntegrityError:
        # Two deliveries at once: the constraint kept the second one out.
        return None


def _is_resident(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.is_resident)


def award_for_verified_report(hazard_id: int, event_ids: Iterable[int]) -> PointEntry | None:
    """Points for the resident whose report was verified as real. Only the
    events given are looked at (those of one committed change): among them one
    must move the hazard out of ``reported`` to a real state. Never for a
    rejected or merged report; never twice for one hazard."""
    ids = [int(i) for i in event_ids or ()]
    if not ids:
        return None
    moved = (
        HazardEvent.objects.filter(
            pk__in=ids,
            hazard_id=hazard_id,
            kind=EventKind.TRANSITION,
            from_status=Status.REPORTED,
        )
        .exclude(to_status__in=NOT_REAL)
        .exists()
    )
    if not moved:
        return None
    hazard = Hazard.objects.select_related("reporter").filter(pk=hazard_id).first()
    if hazard is None or hazard.reporter is None or not _is_resident(hazard.reporter):
        return None
    return award(
        hazard.reporter,
        PointKind.REPORT_VERIFIED,
        hazard=hazard,
        note=hazard.code,
    )


def award_for_rating(rating: Rating) -> PointEntry | None:
    """Points for rating a closed hazard; called in the rating's transaction."""
    return award(rating.rater, PointKind.RATING, hazard=rating.hazard, note=rating.hazard.code)


def join_campaign(campaign_id: int, actor: Any) -> CampaignParticipation:
    """A resident whose home building lies in the campaign's area joins it
    while it runs, once, and earns its points (the campaign's own number, or
    the rule's default)."""
    if actor is None or not actor.is_authenticated:
        raise Http404(_("No such campaign."))
    campaign = Campaign.objects.restrict(actor, "view").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404(_("No such campaign."))
    if CampaignParticipation.objects.filter(campaign=campaign, user=actor).exists():
        raise AlreadyJoined(_("You have already joined this campaign."))
    if not campaign.is_running():
        raise CampaignJoinError(
            {"campaign": [_("This campaign is not running now; it cannot be joined.")]}
        )
    building = actor.home_building
    if building is None or not building.path.startswith(campaign.area.path):
        raise CampaignJoinError(
            {
                "campaign": [
                    _(
                        "Only residents whose home building is in %(area)s may join this "
                        "campaign. Set your home building in your profile."
                    )
                    % {"area": campaign.area.name}
                ]
            }
        )
    if not _is_resident(actor):
        raise CampaignJoinError({"campaign": [_("Only residents join campaigns.")]})
    with transaction.atomic():
        try:
            with transaction.atomic():
                participation = CampaignParticipation.objects.create(campaign=campaign, user=actor)
        except IntegrityError as exc:
            raise AlreadyJoined(_("You have already joined this campaign.")) from exc
        points = campaign.points if campaign.points is not None else rule_points(PointKind.CAMPAIGN)
        award(actor, PointKind.CAMPAIGN, points=points, campaign=campaign, note=campaign.name)
    return participation
