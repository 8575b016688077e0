"""Open311 vocabulary and how it maps onto the hazard file."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.hazards.choices import OPEN_STATUSES, Status

SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"
# Date of the last change of this API's endpoints or their meaning (discovery).
CHANGESET = "2026-11-29T00:00:00+08:00"
# Paging is not offered: at most this many requests per answer (the spec's default).
MAX_REQUESTS = 1000
# With no start_date / end_date, GET requests covers this many days back.
DEFAULT_WINDOW_DAYS = 90


class Format(models.TextChoices):
    JSON = "json", "JSON"
    XML = "xml", "XML"


CONTENT_TYPES = {
    Format.JSON: "application/json; charset=utf-8",
    Format.XML: "text/xml; charset=utf-8",
}


class RequestStatus(models.TextChoices):
    """The only two statuses GeoReport v2 knows; finer states go in status_notes."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


# Closed, rejected (false report) and merged (duplicate) hazards are all "closed".
CLOSED_STATUSES = frozenset(set(Status) - set(OPEN_STATUSES))

STATUSES_OF = {
    RequestStatus.OPEN: sorted(OPEN_STATUSES),
    RequestStatus.CLOSED: sorted(CLOSED_STATUSES),
}


def open311_status(status: str) -> str:
    return RequestStatus.OPEN if status in OPEN_STATUSES else RequestStatus.CLOSED


class Attribute(models.TextChoices):
    """Codes of the attributes of every service definition."""

    RISK_COLOUR = "risk_colour", _("Risk colour")
    GRADE = "grade", _("Grade")
    QUANTITY = "quantity", _("Quantity or size")
    ADDRESS_DETAIL = "address_detail", _("Address detail")


# The informational (variable=false) attribute listing what a report should carry.
COMPLETENESS_NOTE = "completeness_note"

# Required fields of a subclass (anxin.taxonomy.choices.REQUIRED_FIELD_CHOICES)
# that map onto an attribute; the others are listed in the completeness note.
ATTRIBUTE_OF_REQUIRED_FIELD = {
    "quantity": Attribute.QUANTITY,
    "address": Attribute.ADDRESS_DETAIL,
}

REQUIRED_FIELD_LABELS = {
    "photo": _("a photo (media)"),
    "address": _("an address (address_string or attribute[address_detail])"),
    "location": _("the location (lat and long)"),
    "description": _("a description"),
    "building": _("a point inside a building"),
    "quantity": _("the quantity or size (attribute[quantity])"),
    "contact": _("a contact phone (phone)"),
}

# Fields of report_hazard's validation errors -> Open311 parameter names.
PARAMETER_OF_FIELD = {
    "category": "service_code",
    "location": "lat/long",
    "lat": "lat",
    "lng": "long",
    "description": "description",
    "address": "address_string",
    "risk_colour": "attribute[risk_colour]",
    "grade": "attribute[grade]",
    "quantity": "attribute[quantity]",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "attachments": "media",
    "phase": "media",
    "found_at": "requested_datetime",
}
