from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskColour(models.TextChoices):
    BLUE = "blue", _("Blue (low)")
    YELLOW = "yellow", _("Yellow (moderate)")
    ORANGE = "orange", _("Orange (high)")
    RED = "red", _("Red (major)")


class DeadlinePolicy(models.TextChoices):
    """How the rectification deadline of a subclass is set."""

    BY_COLOUR = "by_colour", _("By risk colour (locality time limits)")
    IMMEDIATE = "immediate", _("Immediately (on the spot)")
    SIX_ITEM_PLAN = "six_item_plan", _("Per the six-item plan (major hazard)")
    SEASONAL = "seasonal", _("Before the season's risk window")


# Fields a report of a subclass may be required to carry (checked on report).
REQUIRED_FIELD_CHOICES = (
    "photo",
    "address",
    "location",
    "description",
    "building",
    "quantity",
    "contact",
)
