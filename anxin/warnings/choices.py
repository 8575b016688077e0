"""Levels, rule kinds and lifecycle of warnings (预警, DESIGN §6)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarningLevel(models.TextChoices):
    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class RuleKind(models.TextChoices):
    SINGLE = "single", _("Single hazard (grid worker follows it)")
    CLUSTER = "cluster", _("Same-class hazards gathering")
    OVERDUE_YELLOW = "overdue_yellow", _("Yellow hazard overdue (street coordination)")
    CROSS_DEPARTMENT = "cross_department", _("Several departments needed in one grid")
    MAJOR_HAZARD = "major_hazard", _("Major or red hazard")
    GAS_ALARM = "gas_alarm", _("Gas alarm")
    FLOOD_WARNING = "flood_warning", _("Flood warning for low-lying places")
    THRESHOLD = "threshold", _("Red hazards pending above a threshold")


# The level each kind of rule raises.
KIND_LEVEL: dict[str, str] = {
    RuleKind.SINGLE: WarningLevel.BLUE,
    RuleKind.CLUSTER: WarningLevel.YELLOW,
    RuleKind.OVERDUE_YELLOW: WarningLevel.ORANGE,
    RuleKind.CROSS_DEPARTMENT: WarningLevel.ORANGE,
    RuleKind.MAJOR_HAZARD: WarningLevel.RED,
    RuleKind.GAS_ALARM: WarningLevel.RED,
    RuleKind.FLOOD_WARNING: WarningLevel.RED,
    RuleKind.THRESHOLD: WarningLevel.RED,
}


class ClusterWithin(models.TextChoices):
    RADIUS = "radius", _("Within a radius")
    COMMUNITY = "community", _("Within the same community")


class WarningStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class WarningEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    HAZARD_ADDED = "hazard_added", _("Hazard added")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    NOTIFIED = "notified", _("Notified")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


# Parameter bounds (DESIGN §6; bad rules are refused with a field error).
MIN_CLUSTER_COUNT = 2
MIN_DEPARTMENTS = 2
RADIUS_RANGE_M = (10, 5000)
WINDOW_RANGE_DAYS = (1, 365)
MIN_THRESHOLD = 1

# Defaults used when a rule leaves a parameter empty.
DEFAULT_PARAMETERS: dict[str, dict[str, object]] = {
    RuleKind.CLUSTER: {
        "min_count": 5,
        "radius_m": 200,
        "window_days": 30,
        "cluster_within": ClusterWithin.RADIUS,
    },
    RuleKind.CROSS_DEPARTMENT: {"min_count": 3},
    RuleKind.GAS_ALARM: {"radius_m": 100},
    RuleKind.FLOOD_WARNING: {"radius_m": 300},
    RuleKind.THRESHOLD: {"threshold": 3, "count_per": "street"},
}
# Which parameters each kind uses; the others are cleared on save.
KIND_PARAMETERS: dict[str, frozenset[str]] = {
    RuleKind.SINGLE: frozenset({"category"}),
    RuleKind.CLUSTER: frozenset(
        {"category", "min_count", "radius_m", "window_days", "cluster_within"}
    ),
    RuleKind.OVERDUE_YELLOW: frozenset({"category"}),
    RuleKind.CROSS_DEPARTMENT: frozenset({"min_count"}),
    RuleKind.MAJOR_HAZARD: frozenset({"category"}),
    RuleKind.GAS_ALARM: frozenset({"radius_m"}),
    RuleKind.FLOOD_WARNING: frozenset({"radius_m"}),
    RuleKind.THRESHOLD: frozenset({"category", "threshold", "count_per"}),
}
ALL_PARAMETERS = (
    "category",
    "min_count",
    "radius_m",
    "window_days",
    "cluster_within",
    "threshold",
    "count_per",
)

# Areas a rule may be set on, and the levels a threshold may count per.
RULE_AREA_LEVELS = ("district", "street", "community")
COUNT_PER_LEVELS = ("district", "street", "community", "grid")

GAS_MAIN_CLASS = "07"
GAS_LEAK_SUBCLASSES = frozenset({"0703"})
WATERLOGGING_SUBCLASS = "0601"

# Roles that may acknowledge and resolve warnings (grid workers: blue ones too).
MANAGER_ROLES = frozenset({"district_admin", "street_admin", "community_admin", "safety_officer"})
RULE_MANAGER_ROLES = frozenset({"district_admin", "street_admin"})
