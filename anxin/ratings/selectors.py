"""Reads for ratings: who may rate a hazard, the rating box on a report's page,
and the satisfaction figures (满意度) shown on org pages and in the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from anxin.areas.models import Area
from anxin.hazards.choices import Status
from anxin.hazards.models import Hazard
from anxin.ratings.models import SATISFIED_FROM, SCORE_MAX, SCORE_MIN, Rating, _rating_area_q

SCORE_CHOICES = tuple(range(SCORE_MIN, SCORE_MAX + 1))


def is_entitled(hazard: Hazard, user: Any) -> bool:
    """Whether ``user`` is among the people who may rate ``hazard`` (whatever its
    state): a resident who reported it, follows it, or lives in its building."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not user.is_resident:
        return False
    if hazard.reporter_id is not None and hazard.reporter_id == user.pk:
        return True
    if hazard.building_id is not None and hazard.building_id == user.home_building_id:
        return True
    return hazard.followers.filter(pk=user.pk).exists()


def my_rating(hazard: Hazard, user: Any) -> Rating | None:
    if user is None or not user.is_authenticated:
        return None
    return Rating.objects.filter(hazard=hazard, rater=user).first()


def may_rate(hazard: Hazard, user: Any) -> bool:
    """Closed, entitled, not yet rated."""
    return (
        hazard.status == Status.CLOSED
        and is_entitled(hazard, user)
        and my_rating(hazard, user) is None
    )


def rating_context(
    hazard: Hazard,
    user: Any,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything ``ratings/_rate.html`` needs. Merge it into the page's context
    (``context.update(rating_context(hazard, request.user))``) and
    ``{% include "ratings/_rate.html" %}``. ``errors`` (field → messages, the
    key ``"non_field_errors"`` for the form as a whole) and ``values`` (what the user
    typed) re-render a rejected submission."""
    mine = my_rating(hazard, user)
    allowed = mine is None and hazard.status == Status.CLOSED and is_entitled(hazard, user)
    return {
        "rating_hazard": hazard,
        "may_rate": allowed,
        "my_rating": mine,
        "rating_errors": errors or {},
        "rating_values": values or {},
        "score_choices": SCORE_CHOICES,
    }


@dataclass(frozen=True)
class Satisfaction:
    """Satisfaction over a set of ratings: how many, the mean score, and the
    share of ratings at or above ``SATISFIED_FROM`` (4 of 5)."""

    count: int
    average: float | None
    satisfied: int
    satisfied_share: float | None  # 0..1, None when nothing was rated

    @property
    def satisfied_percent(self) -> float | None:
        return None if self.satisfied_share is None else round(self.satisfied_share * 100, 1)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["satisfied_from"] = SATISFIED_FROM
        return data


def satisfaction(ratings: QuerySet[Rating] | Area) -> Satisfaction:
    """Satisfaction figures for a queryset of ratings (already scoped by the
    caller) or for every rating of hazards in an org node (at or below it)."""
    qs = (
        Rating.objects.filter(_rating_area_q(ratings, True))
        if isinstance(ratings, Area)
        else ratings
    )
    row = qs.aggregate(
        count=Count("pk"),
        average=Avg("score"),
        satisfied=Count("pk", filter=Q(score__gte=SATISFIED_FROM)),
    )
    count = int(row["count"] or 0)
    satisfied = int(row["satisfied"] or 0)
    average = None if row["average"] is None else round(float(row["average"]), 2)
    return Satisfaction(
        count=count,
        average=average,
        satisfied=satisfied,
        satisfied_share=(satisfied / count) if count else None,
    )


def satisfaction_for_node(user: Any, node: Area) -> Satisfaction:
    """Satisfaction over the ratings of hazards at or below ``node`` that the
    user may see — what ``/api/v1/ratings/satisfaction/?area=<code>`` answers."""
    return satisfaction(Rating.objects.restrict(user, "view").filter(_rating_area_q(node, True)))
