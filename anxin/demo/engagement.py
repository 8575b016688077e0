"""Residents' engagement in the demo: ratings of closed hazards, points and
campaigns for the demo resident (``resident``), so that the phone app's points,
campaigns and rating pages and the satisfaction figure have something to show;
and a locality policy on the resident's community (anonymous reports allowed,
faces and plates blurred on the public board).

Idempotent: run twice, nothing new is written. The demo resident's most recent
closed hazard is left unrated, so the rating form can be tried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from anxin.accounts.choices import Role
from anxin.accounts.models import User
from anxin.areas.choices import Level
from anxin.areas.models import Area
from anxin.hazards.choices import Status
from anxin.hazards.models import Hazard
from anxin.points.actions import rule_points
from anxin.points.choices import PointKind
from anxin.points.models import Campaign, CampaignParticipation, PointEntry
from anxin.ratings.models import Rating
from anxin.residents.models import LocalityPolicy

SCORES = (5, 5, 5, 5, 5, 4, 4, 4, 3, 2)
COMMENTS = (
    "",
    "",
    "处理很及时，谢谢网格员！",
    "物业整改到位。",
    "速度可以再快一点。",
    "现场已清理干净。",
    "",
)
NOT_REAL = (Status.REPORTED, Status.REJECTED, Status.MERGED)


@dataclass
class EngagementResult:
    ratings: int = 0
    points: int = 0
    campaigns: int = 0


def _demo_resident(district: Area) -> User | None:
    return (
        User.objects.filter(
            memberships__role=Role.RESIDENT,
            memberships__is_active=True,
            home_building__path__startswith=district.path,
        )
        .select_related("home_building")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def seed_engagement(
    district_code: str, now: datetime | None = None, seed: int = 1
) -> EngagementResult:
    result = EngagementResult()
    district = Area.objects.filter(code=district_code, level=Level.DISTRICT).first()
    resident = _demo_resident(district) if district is not None else None
    if district is None or resident is None or resident.home_building is None:
        return result
    now = now or timezone.now()
    rng = random.Random(seed)
    _locality_policy(resident)
    result.campaigns = _campaigns(resident, now)
    result.ratings = _ratings(resident, now, rng)
    result.points = _verified_points(resident)
    return result


def _locality_policy(resident: User) -> None:
    """The demo resident's community takes reports without an account and blurs
    faces and number plates on its public board, so both can be tried."""
    building = resident.home_building
    assert building is not None
    community = (
        Area.objects.filter(code__in=building.ancestor_codes(), level=Level.COMMUNITY)
        .order_by("-depth")
        .first()
    )
    if community is not None:
        LocalityPolicy.objects.get_or_create(
            area=community,
            defaults={"allow_anonymous_reports": True, "blur_public_photos": True},
        )


def _campaigns(resident: User, now: datetime) -> int:
    building = resident.home_building
    assert building is not None
    community = building.ancestors().filter(level=Level.COMMUNITY).first()
    street = building.ancestors().filter(level=Level.STREET).first()
    if community is None or street is None:
        return 0
    today = timezone.localdate(now)
    made = 0
    _running, created = Campaign.objects.get_or_create(
        area=community,
        name="电动自行车安全隐患排查专项行动",
        defaults={
            "description": (
                "排查楼道停放、飞线充电和进楼入户的电动自行车，"
                "发现后请在“上报”中拍照上报。参与即可获得积分。"
            ),
            "starts_on": today - timedelta(days=10),
            "ends_on": today + timedelta(days=20),
        },
    )
    made += int(created)
    past, created = Campaign.objects.get_or_create(
        area=street,
        name="汛前排水设施检查行动",
        defaults={
            "description": "汛期前检查小区雨水井、排水沟是否堵塞，发现积水点及时上报。",
            "starts_on": today - timedelta(days=120),
            "ends_on": today - timedelta(days=90),
            "points": 8,
        },
    )
    made += int(created)
    participation, joined = CampaignParticipation.objects.get_or_create(
        campaign=past, user=resident
    )
    if joined:
        moment = timezone.make_aware(
            datetime.combine(past.starts_on + timedelta(days=3), datetime.min.time())
        ) + timedelta(hours=19)
        CampaignParticipation.objects.filter(pk=participation.pk).update(joined_at=moment)
        PointEntry.objects.bulk_create(
            [
                PointEntry(
                    user=resident,
                    kind=PointKind.CAMPAIGN,
                    points=past.points or rule_points(PointKind.CAMPAIGN) or 0,
                    campaign=past,
                    note=past.name,
                    created_at=moment,
                )
            ],
            ignore_conflicts=True,
        )
    return made


def _ratings(resident: User, now: datetime, rng: random.Random) -> int:
    closed = list(
        Hazard.objects.filter(reporter=resident, status=Status.CLOSED, closed_at__lte=now)
        .exclude(ratings__rater=resident)
        .order_by("closed_at", "pk")
    )
    latest = (
        Hazard.objects.filter(reporter=resident, status=Status.CLOSED)
        .order_by("-closed_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    to_rate = [h for h in closed if h.pk != latest]
    ratings = Rating.objects.bulk_create(
        [
            Rating(hazard=h, rater=resident, score=rng.choice(SCORES), comment=rng.choice(COMMENTS))
            for h in to_rate
        ],
        ignore_conflicts=True,
    )
    per_rating = rule_points(PointKind.RATING)
    entries = []
    for hazard in to_rate:
        assert hazard.closed_at is not None
        moment = min(now, hazard.closed_at + timedelta(hours=rng.randint(2, 72)))
        Rating.objects.filter(hazard=hazard, rater=resident).update(created_at=moment)
        if per_rating:
            entries.append(
                PointEntry(
                    user=resident,
                    kind=PointKind.RATING,
                    points=per_rating,
                    hazard=hazard,
                    note=hazard.code,
                    created_at=moment,
                )
            )
    PointEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(ratings)


def _verified_points(resident: User) -> int:
    points = rule_points(PointKind.REPORT_VERIFIED)
    if not points:
        return 0
    already = set(
        PointEntry.objects.filter(user=resident, kind=PointKind.REPORT_VERIFIED).values_list(
            "hazard_id", flat=True
        )
    )
    entries = [
        PointEntry(
            user=resident,
            kind=PointKind.REPORT_VERIFIED,
            points=points,
            hazard=hazard,
            note=hazard.code,
            created_at=hazard.verified_at or hazard.rectified_at or hazard.reported_at,
        )
        for hazard in Hazard.objects.filter(reporter=resident)
        .exclude(status__in=NOT_REAL)
        .order_by("reported_at", "pk")
        if hazard.pk not in already
    ]
    PointEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)
