"""Hazards as Open311 service requests (plain dicts, rendered as JSON or XML)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.hazards.choices import DEADLINE_STATUSES, OPEN_STATUSES, Status
from anxin.hazards.models import Hazard
from anxin.open311.choices import open311_status

# The lead's REST API serves the EXIF-free copy of a photo here.
PUBLIC_PHOTO_PATH = "/api/v1/attachments/{id}/public/"


def w3c(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def status_notes(hazard: Hazard) -> str:
    """Our finer state in words, e.g. “rectifying: Being rectified, deadline 2026-12-03”."""
    parts = [f"{hazard.status}: {Status(hazard.status).label}"]
    if hazard.status in DEADLINE_STATUSES and hazard.deadline is not None:
        parts.append(_("deadline %(date)s") % {"date": timezone.localtime(hazard.deadline).date()})
    if hazard.is_overdue and hazard.status in OPEN_STATUSES:
        parts.append(_("overdue"))
    if hazard.status == Status.MERGED and hazard.merged_into is not None:
        parts.append(_("merged into %(id)s") % {"id": hazard.merged_into.uuid})
    if hazard.status == Status.CLOSED and hazard.publicised_at is not None:
        parts.append(
            _("publicised %(date)s") % {"date": timezone.localtime(hazard.publicised_at).date()}
        )
    return ", ".join(parts)


def _updated(hazard: Hazard) -> datetime:
    # For a closed request the spec wants the time it was closed.
    if hazard.status == Status.CLOSED and hazard.closed_at is not None:
        return hazard.closed_at
    return hazard.updated_at


def request_dict(
    hazard: Hazard, absolute_url: Callable[[str], str], extensions: bool = False
) -> dict[str, Any]:
    photos = getattr(hazard, "public_photos", None)
    if photos is None:
        photos = list(hazard.attachments.filter(kind="photo").exclude(public_file="")[:1])
    organisation = hazard.responsible_organisation
    data: dict[str, Any] = {
        "service_request_id": str(hazard.uuid),
        "status": str(open311_status(hazard.status)),
        "status_notes": status_notes(hazard),
        "service_name": hazard.category.name,
        "service_code": hazard.category.code,
        "description": hazard.description or None,
        "agency_responsible": organisation.name if organisation is not None else None,
        "service_notice": None,
        "requested_datetime": w3c(hazard.reported_at),
        "updated_datetime": w3c(_updated(hazard)),
        "expected_datetime": w3c(hazard.deadline),
        "address": hazard.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(hazard.lat),
        "long": float(hazard.lng),
        "media_url": absolute_url(PUBLIC_PHOTO_PATH.format(id=photos[0].pk)) if photos else None,
    }
    if extensions:
        data["extended_attributes"] = {
            "anxin_status": hazard.status,
            "risk_colour": hazard.risk_colour,
            "code": hazard.code,
        }
    return data
