"""The demo resident's ratings, points and campaigns (anxin.demo.engagement)."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Sum

from anxin.accounts.models import User
from anxin.demo.engagement import seed_engagement
from anxin.hazards.choices import Status
from anxin.hazards.models import Hazard
from anxin.points.models import Campaign, CampaignParticipation, PointEntry
from anxin.ratings.models import Rating
from anxin.ratings.selectors import may_rate
from anxin.residents.models import LocalityPolicy
from anxin.residents.selectors import policy_for_path

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_resident_has_ratings_points_and_campaigns() -> None:
    call_command(
        "seed_demo", "--hazards", "400", "--seed", "5", "--now", NOW.isoformat(), stdout=StringIO()
    )
    resident = User.objects.get(username="resident")
    closed = Hazard.objects.filter(reporter=resident, status=Status.CLOSED)
    assert closed.count() >= 2
    rated = Rating.objects.filter(rater=resident)
    assert rated.count() == closed.count() - 1
    latest = closed.order_by("-closed_at", "-pk").first()
    assert latest is not None and may_rate(latest, resident)  # left for the demo
    assert all(r.created_at >= r.hazard.closed_at for r in rated.select_related("hazard"))
    kinds = set(PointEntry.objects.filter(user=resident).values_list("kind", flat=True))
    assert kinds == {"report_verified", "rating", "campaign"}
    assert Campaign.objects.count() == 2
    assert CampaignParticipation.objects.filter(user=resident).count() == 1
    # the resident's community shows the locality policy: anonymous reports, blurring
    assert resident.home_building is not None
    policy = policy_for_path(resident.home_building.path)
    assert policy.allow_anonymous_reports and policy.blur_public_photos
    assert LocalityPolicy.objects.count() == 1
    totals = (
        Rating.objects.count(),
        PointEntry.objects.count(),
        PointEntry.objects.aggregate(s=Sum("points"))["s"],
    )
    # running it again writes nothing new
    seed_engagement("330106", now=NOW, seed=5)
    assert (
        Rating.objects.count(),
        PointEntry.objects.count(),
        PointEntry.objects.aggregate(s=Sum("points"))["s"],
    ) == totals
    assert Campaign.objects.count() == 2
    assert LocalityPolicy.objects.count() == 1
