from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.taxonomy.choices import RiskColour

__all__ = [
    "EventKind",
    "Grade",
    "Phase",
    "RiskColour",
    "SourceChannel",
    "Status",
    "TimeLimitStep",
]


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected (false report)")
    MERGED = "merged", _("Merged into another file")
    DISPATCHED = "dispatched", _("Dispatched")
    RETURNED = "returned", _("Returned for re-dispatch")
    RECTIFYING = "rectifying", _("Being rectified")
    AWAITING_RECHECK = "awaiting_recheck", _("Awaiting recheck")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {
        Status.REPORTED,
        Status.VERIFIED,
        Status.DISPATCHED,
        Status.RETURNED,
        Status.RECTIFYING,
        Status.AWAITING_RECHECK,
    }
)
# States in which the rectification deadline runs.
DEADLINE_STATUSES = frozenset({Status.DISPATCHED, Status.RETURNED, Status.RECTIFYING})


class Grade(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    MAJOR = "major", _("Major")


class SourceChannel(models.TextChoices):
    PATROL = "patrol", _("Grid patrol")
    RESIDENT = "resident", _("Resident report")
    PROPERTY_SELF_CHECK = "property_self_check", _("Property self-check")
    HOTLINE = "hotline", _("Hotline (12345)")
    SENSOR = "sensor", _("Sensor")
    AI_VIDEO = "ai_video", _("AI video")
    DRONE = "drone", _("Drone")
    PAPER_LEDGER = "paper_ledger", _("Paper ledger")
    AGENCY = "agency", _("Agency referral")
    CAMPAIGN = "campaign", _("Campaign")
    OPEN311 = "open311", _("Open311 client")


class Phase(models.TextChoices):
    FOUND = "found", _("Found")
    VERIFY = "verify", _("Verification")
    RECTIFY_BEFORE = "rectify_before", _("Before rectification")
    RECTIFY_AFTER = "rectify_after", _("After rectification")
    RECHECK = "recheck", _("Recheck")
    LOOK_BACK = "look_back", _("Look-back")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    VIDEO = "video", _("Video")
    VOICE = "voice", _("Voice")


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    REVIEW = "review", _("Review")
    DISPATCH = "dispatch", _("Dispatch")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    OVERDUE = "overdue", _("Marked overdue")
    ESCALATION = "escalation", _("Escalated")
    LISTING = "listing", _("Listing (supervised rectification)")
    WHISTLE = "whistle", _("Whistle call")
    INTERIM_CONTROL = "interim_control", _("Interim control measures")
    PLAN = "plan", _("Six-item plan")
    MERGE = "merge", _("Duplicate merged")
    PUBLICISE = "publicise", _("Publicised")
    ATTACHMENT = "attachment", _("Evidence added")
    COMMENT = "comment", _("Comment")


class TimeLimitStep(models.TextChoices):
    VERIFY = "verify", _("Verify")
    INTERIM = "interim", _("Interim control")
    RECTIFY = "rectify", _("Rectify")
    RECHECK = "recheck", _("Recheck")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    COMMUNITY = 1, _("Community")
    STREET = 2, _("Street")
    DISTRICT = 3, _("District")


SIX_ITEM_PLAN_FIELDS = (
    "targets",
    "method",
    "funds_and_materials",
    "people",
    "time_limit",
    "safety_measures",
)

COLOUR_LEVEL_WORD: dict[str, str] = {
    RiskColour.BLUE: "低",
    RiskColour.YELLOW: "中",
    RiskColour.ORANGE: "高",
    RiskColour.RED: "重大",
}
