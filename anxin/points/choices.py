from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PointKind(models.TextChoices):
    REPORT_VERIFIED = "report_verified", _("Report verified as real")
    RATING = "rating", _("Rated a closed hazard")
    CAMPAIGN = "campaign", _("Joined a campaign")


# The points each kind earns until an administrator changes its rule (积分规则).
DEFAULT_POINTS: dict[str, int] = {
    PointKind.REPORT_VERIFIED: 10,
    PointKind.RATING: 2,
    PointKind.CAMPAIGN: 5,
}
