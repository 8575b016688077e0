"""Kinds, levels and stages of emergency readiness (应急): supplies, plans,
responses, reviews, drills, training and weather alerts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupplyKind(models.TextChoices):
    SANDBAG = "sandbag", _("Sandbags")
    PUMP = "pump", _("Water pump")
    EXTINGUISHER = "extinguisher", _("Fire extinguisher")
    FIRST_AID_KIT = "first_aid_kit", _("First-aid kit")
    GENERATOR = "generator", _("Generator")
    LIFE_JACKET = "life_jacket", _("Life jacket")
    ROPE = "rope", _("Rescue rope")
    TORCH = "torch", _("Torch")
    TENT = "tent", _("Tent")
    RAINCOAT = "raincoat", _("Raincoat and boots")
    BARRIER = "barrier", _("Warning barrier")
    GAS_DETECTOR = "gas_detector", _("Gas detector")
    OTHER = "other", _("Other")


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ISSUED = "issued", _("Issued to a response")
    RETURNED = "returned", _("Returned")
    WRITTEN_OFF = "written_off", _("Written off")


# How each movement changes the quantity in store.
MOVEMENT_SIGN: dict[str, int] = {
    MovementKind.RECEIVED: 1,
    MovementKind.ISSUED: -1,
    MovementKind.RETURNED: 1,
    MovementKind.WRITTEN_OFF: -1,
}


class TeamKind(models.TextChoices):
    RESCUE = "rescue", _("Rescue team")
    FIRE_VOLUNTEER = "fire_volunteer", _("Volunteer fire station")
    MEDICAL = "medical", _("Medical team")
    FLOOD_CONTROL = "flood_control", _("Flood-control team")
    PROPERTY = "property", _("Property staff")
    VOLUNTEER = "volunteer", _("Volunteers")
    OTHER = "other", _("Other")


class HazardClass(models.TextChoices):
    """The classes emergency plans are written for."""

    FLOOD = "flood", _("Flood and waterlogging")
    FIRE = "fire", _("Fire")
    GAS = "gas", _("Gas")
    EXTREME_WEATHER = "extreme_weather", _("Extreme heat or cold")
    BUILDING_COLLAPSE = "building_collapse", _("Building collapse")
    MASS_EVENT = "mass_event", _("Mass event (crowds)")


# Main classes and subclasses of the hazard taxonomy and the plan class they call for.
CATEGORY_HAZARD_CLASS: dict[str, str] = {
    "01": HazardClass.FIRE,
    "07": HazardClass.GAS,
    "08": HazardClass.BUILDING_COLLAPSE,
    "0303": HazardClass.BUILDING_COLLAPSE,
    "0304": HazardClass.BUILDING_COLLAPSE,
    "0601": HazardClass.FLOOD,
    "0602": HazardClass.FLOOD,
    "0603": HazardClass.EXTREME_WEATHER,
    "0604": HazardClass.EXTREME_WEATHER,
    "0605": HazardClass.FIRE,
    "0606": HazardClass.MASS_EVENT,
}
# Warning kinds whose plan class does not depend on a category.
WARNING_KIND_HAZARD_CLASS: dict[str, str] = {
    "flood_warning": HazardClass.FLOOD,
    "gas_alarm": HazardClass.GAS,
}


class PlanLevel(models.TextChoices):
    """The warning level a plan is written for (orange and red warnings propose plans)."""

    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class ResponseLevel(models.TextChoices):
    """三级响应: level I is the highest."""

    LEVEL_III = "III", _("Level III")
    LEVEL_II = "II", _("Level II")
    LEVEL_I = "I", _("Level I")


# The level a warning of each colour suggests; the person who starts decides.
SUGGESTED_LEVEL: dict[str, str] = {"orange": ResponseLevel.LEVEL_III, "red": ResponseLevel.LEVEL_II}


class Stage(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    STARTED = "started", _("Started")
    HANDLING = "handling", _("Handling")
    RECOVERY = "recovery", _("Recovery")
    ENDED = "ended", _("Ended")
    DISMISSED = "dismissed", _("Dismissed")


ACTIVE_STAGES = frozenset({Stage.STARTED, Stage.HANDLING, Stage.RECOVERY})
OPEN_STAGES = ACTIVE_STAGES | {Stage.PROPOSED}


class ResponseEventKind(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    STARTED = "started", _("Started")
    STAGE = "stage", _("Stage changed")
    DISMISSED = "dismissed", _("Dismissed")
    ENDED = "ended", _("Ended")
    TASK_ADDED = "task_added", _("Task added")
    TASK_DONE = "task_done", _("Task done")
    SUPPLY_ISSUED = "supply_issued", _("Supplies issued")
    SUPPLY_RETURNED = "supply_returned", _("Supplies returned")
    NOTIFIED = "notified", _("Notified")
    NOTE = "note", _("Note")
    REVIEW_OPENED = "review_opened", _("Review opened")
    REVIEW_REMINDED = "review_reminded", _("Review reminder sent")
    REVIEW_ESCALATED = "review_escalated", _("Late review escalated")
    REVIEW_SUBMITTED = "review_submitted", _("Review submitted")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted")


class DrillStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityKind(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    DRILL = "drill", _("Drill")
    INSPECTION = "inspection", _("Joint inspection")
    EXHIBITION = "exhibition", _("Exhibition")
    CONSULTATION = "consultation", _("Consultation day")
    CAMPAIGN = "campaign", _("Campaign")
    OTHER = "other", _("Other")


class AlertStatus(models.TextChoices):
    """What became of an imported weather alert."""

    RECORDED = "recorded", _("Recorded")
    HELD = "held", _("Held until 24 hours before onset")
    FLOOD_WARNING = "flood_warning", _("Flood warning raised")
    CANCELLED = "cancelled", _("Cancelled")
    NOT_APPLICABLE = "not_applicable", _("Not for this district")


class WeatherHazard(models.TextChoices):
    RAINSTORM = "rainstorm", _("Rainstorm")
    TYPHOON = "typhoon", _("Typhoon")
    HEAT = "heat", _("Heat")
    COLD = "cold", _("Cold wave")
    OTHER = "other", _("Other")


# Weather hazards that become flood warnings for low-lying places.
FLOOD_WEATHER = frozenset({WeatherHazard.RAINSTORM, WeatherHazard.TYPHOON})

# CAP <severity> and the colour of a Chinese meteorological warning.
SEVERITY_COLOUR: dict[str, str] = {
    "Extreme": "red",
    "Severe": "orange",
    "Moderate": "yellow",
    "Minor": "blue",
}

# Roles that manage supplies, plans, drills and training in their area.
READINESS_MANAGERS = frozenset({"district_admin", "street_admin", "community_admin"})
# Roles that edit plans (预案 are the street's).
PLAN_EDITORS = frozenset({"district_admin", "street_admin"})
# Roles that may submit a response's review.
REVIEWERS = frozenset({"district_admin", "street_admin", "community_admin"})
# Roles that may import weather alerts by hand.
WEATHER_IMPORTERS = frozenset({"district_admin", "street_admin"})

# Supplies expiring within this many days are alerted.
EXPIRY_ALERT_DAYS = 30
