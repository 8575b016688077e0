"""Writes of the Open311 API: clients and their keys, and service requests, which
become hazard reports through ``anxin.hazards.actions.report_hazard``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.hazards.actions import report_hazard
from anxin.hazards.choices import SourceChannel
from anxin.hazards.models import Hazard
from anxin.open311.choices import REQUIRED_FIELD_LABELS
from anxin.open311.models import Open311Client, ServiceRequest, new_api_key
from anxin.open311.params import Submission
from anxin.taxonomy.models import Category


def create_client(name: str, user: User) -> Open311Client:
    """A new client with a fresh API key. Raises ValidationError on bad input."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > Open311Client._meta.get_field("name").max_length:  # type: ignore[operator]
        errors["name"] = [_("At most 100 characters.")]
    elif Open311Client.objects.filter(name=name).exists():
        errors["name"] = [_("A client of this name exists already.")]
    if not user.is_active:
        errors["user"] = [_("The service account is not active.")]
    if errors:
        raise ValidationError(errors)
    return Open311Client.objects.create(name=name, user=user)


def issue_new_key(client: Open311Client) -> Open311Client:
    """Replace the client's key; the old one stops working at once."""
    client.api_key = new_api_key()
    client.save(update_fields=["api_key"])
    return client


@dataclass
class SubmissionResult:
    hazard: Hazard
    service_notice: str
    account_id: str | None


def _notice(hazard: Hazard, missing: list[str], duplicates: int) -> str:
    parts = []
    if hazard.verify_deadline is not None:
        parts.append(
            _("Received as %(code)s; the grid worker verifies it by %(deadline)s.")
            % {
                "code": hazard.code,
                "deadline": timezone.localtime(hazard.verify_deadline).strftime("%Y-%m-%d %H:%M"),
            }
        )
    else:
        parts.append(_("Received as %(code)s.") % {"code": hazard.code})
    if missing:
        parts.append(
            _("Still missing: %(fields)s.")
            % {"fields": "; ".join(str(REQUIRED_FIELD_LABELS.get(f, f)) for f in missing)}
        )
    if duplicates:
        parts.append(_("A similar open report exists nearby; the two may be merged."))
    return " ".join(parts)


def submit_request(
    client: Open311Client, category: Category, submission: Submission
) -> SubmissionResult:
    """POST requests: one hazard report made as the client's service account, with
    source ``open311``. Raises HazardValidationError; nothing is saved then."""
    with transaction.atomic():
        result = report_hazard(
            reporter=client.user,
            category=category,
            lat=submission.lat,
            lng=submission.lng,
            description=submission.description,
            address=submission.address,
            risk_colour=submission.risk_colour,
            grade=submission.grade,
            source=SourceChannel.OPEN311,
            quantity=submission.quantity,
            reporter_name=submission.reporter_name,
            reporter_phone=submission.phone,
            uploads=[(upload, "found") for upload in submission.uploads],
        )
        ServiceRequest.objects.create(
            client=client,
            hazard=result.hazard,
            media_url=submission.media_url,
            email=submission.email,
            device_id=submission.device_id,
            account_id=submission.account_id,
            attributes=submission.attributes,
        )
    return SubmissionResult(
        hazard=result.hazard,
        service_notice=_notice(result.hazard, result.missing, len(result.duplicates)),
        account_id=submission.account_id or None,
    )
