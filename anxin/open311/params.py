"""Parsing of Open311 query and form parameters into typed values.

Every problem is collected and raised at once as a ``BadRequest`` naming the
parameter and the reason; nothing here writes.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator, URLValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from anxin.hazards.choices import Grade
from anxin.open311.choices import Attribute, RequestStatus
from anxin.open311.errors import BadRequest, field_error

ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# A "+" of a UTC offset that was not escaped in a query string arrives as a space.
UNESCAPED_OFFSET_RE = re.compile(r" (\d{2}(?::?\d{2})?)$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,20}$")
MAX_LENGTHS = {
    "description": 4000,
    "address": 255,
    "quantity": 60,
    "reporter_name": 60,
    "device_id": 100,
    "account_id": 100,
    "media_url": 500,
}


def _text(data: Mapping[str, str], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_w3c_datetime(name: str, value: str) -> datetime:
    """A W3C / ISO 8601 date and time (2026-11-20T09:30:00+08:00, …Z, or a date
    alone meaning its start); without an offset, the local time zone."""
    text = UNESCAPED_OFFSET_RE.sub(r"+\1", value.strip())
    parsed: datetime | None
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise BadRequest(
                field_error(
                    name,
                    _("“%(value)s” is not a W3C date and time, such as 2026-11-20T09:30:00+08:00.")
                    % {"value": value[:40]},
                )
            )
        parsed = datetime.combine(day, time.min)
    if not 1970 <= parsed.year <= 9000:
        raise BadRequest(field_error(name, _("The date is out of range.")))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# --- GET requests ---------------------------------------------------------------------
@dataclass(frozen=True)
class RequestFilters:
    ids: list[uuid.UUID] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)


def parse_filters(query: QueryDict) -> RequestFilters:
    errors: list[str] = []
    ids: list[uuid.UUID] = []
    for raw in comma_list(query.get("service_request_id")):
        try:
            ids.append(uuid.UUID(raw))
        except ValueError:
            errors.append(
                field_error(
                    "service_request_id",
                    _("“%(value)s” is not a service request id.") % {"value": raw[:40]},
                )
            )
    statuses = comma_list(query.get("status"))
    for status in statuses:
        if status not in RequestStatus.values:
            errors.append(
                field_error(
                    "status",
                    _("“%(value)s” is not a status; use open, closed or both.")
                    % {"value": status[:40]},
                )
            )
    dates: dict[str, datetime | None] = {}
    for name in ("start_date", "end_date"):
        raw = query.get(name, "").strip()
        dates[name] = None
        if raw:
            try:
                dates[name] = parse_w3c_datetime(name, raw)
            except BadRequest as exc:
                errors.extend(exc.descriptions)
    start, end = dates["start_date"], dates["end_date"]
    if start is not None and end is not None and start > end:
        errors.append(field_error("end_date", _("The end date is before the start date.")))
    if errors:
        raise BadRequest(errors)
    return RequestFilters(
        ids=ids,
        service_codes=comma_list(query.get("service_code")),
        start=start,
        end=end,
        statuses=statuses,
    )


def wants_extensions(query: QueryDict) -> bool:
    return query.get("extensions", "").strip().lower() in ("true", "1", "yes")


# --- POST requests --------------------------------------------------------------------
@dataclass
class AttributeSpec:
    """What a service definition accepts for one attribute (see services.py)."""

    code: str
    datatype: str
    required: bool
    values: list[str] = field(default_factory=list)
    max_length: int | None = None


@dataclass
class Submission:
    """A POST requests, parsed."""

    service_code: str
    lat: float
    lng: float
    description: str = ""
    address: str = ""
    risk_colour: str = ""
    grade: str = Grade.ORDINARY
    quantity: str = ""
    reporter_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    uploads: list[UploadedFile] = field(default_factory=list)


def _number(name: str, raw: str, low: float, high: float, errors: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        errors.append(field_error(name, _("“%(value)s” is not a number.") % {"value": raw[:40]}))
        return None
    if not math.isfinite(value) or not low <= value <= high:
        errors.append(
            field_error(
                name,
                _("%(value)s is not a WGS-84 coordinate between %(low)s and %(high)s.")
                % {"value": raw[:40], "low": low, "high": high},
            )
        )
        return None
    return value


def _full_name(first: str, last: str) -> str:
    """Chinese names are written family name first, without a space."""
    if first and last and all("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _attributes(
    data: QueryDict, specs: Mapping[str, AttributeSpec], errors: list[str]
) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in data:
        match = ATTRIBUTE_RE.match(key)
        if match is None:
            if key.startswith("attribute"):
                errors.append(
                    field_error(key[:60], _("Write attributes as attribute[code]=value."))
                )
            continue
        code, multi = match.group(1), match.group(2)
        name = f"attribute[{code}]"
        spec = specs.get(code)
        if spec is None:
            errors.append(field_error(name[:60], _("This service has no attribute of this code.")))
            continue
        given = [v.strip() for v in data.getlist(key) if v.strip()]
        if multi or len(given) > 1:
            errors.append(field_error(name, _("Give one value only.")))
            continue
        if not given:
            continue
        value = given[0]
        if spec.values and value not in spec.values:
            errors.append(
                field_error(
                    name,
                    _("“%(value)s” is not one of: %(keys)s.")
                    % {"value": value[:40], "keys": ", ".join(spec.values)},
                )
            )
            continue
        if spec.max_length is not None and len(value) > spec.max_length:
            errors.append(
                field_error(name, _("At most %(n)d characters.") % {"n": spec.max_length})
            )
            continue
        values[code] = value
    return values


def parse_submission(
    data: QueryDict,
    files: MultiValueDict[str, UploadedFile],
    service_code: str,
    specs: Mapping[str, AttributeSpec],
    district_names: str,
) -> Submission:
    """Read a POST requests for an existing service. Server-owned fields (status,
    dates, ids) are ignored."""
    errors: list[str] = []
    text = {name: _text(data, name) for name in data}
    lat = lng = None
    has_lat, has_lng = bool(text.get("lat")), bool(text.get("long"))
    if has_lat and has_lng:
        lat = _number("lat", text["lat"], -90, 90, errors)
        lng = _number("long", text["long"], -180, 180, errors)
    elif has_lat or has_lng:
        errors.append(field_error("lat/long", _("Send lat and long together.")))
    elif text.get("address_string") or text.get("address_id"):
        errors.append(
            field_error(
                "lat/long",
                _(
                    "An address alone cannot be placed in a grid: send lat and long of a "
                    "point inside the district (%(district)s) as well."
                )
                % {"district": district_names},
            )
        )
    else:
        errors.append(
            field_error(
                "lat/long",
                _("A location is required: lat and long of a point inside the district (%(d)s).")
                % {"d": district_names},
            )
        )

    attributes = _attributes(data, specs, errors)
    address = " ".join(
        part
        for part in (text.get("address_string", ""), attributes.get("address_detail", ""))
        if part
    )
    for code, spec in specs.items():
        if not spec.required or attributes.get(code):
            continue
        if code == Attribute.ADDRESS_DETAIL and address:
            continue
        errors.append(field_error(f"attribute[{code}]", _("This service requires a value.")))

    submission = Submission(
        service_code=service_code,
        lat=lat or 0.0,
        lng=lng or 0.0,
        description=text.get("description", ""),
        address=address,
        risk_colour=attributes.get(Attribute.RISK_COLOUR, ""),
        grade=attributes.get(Attribute.GRADE, Grade.ORDINARY),
        quantity=attributes.get(Attribute.QUANTITY, ""),
        reporter_name=_full_name(text.get("first_name", ""), text.get("last_name", "")),
        phone=text.get("phone", ""),
        email=text.get("email", ""),
        device_id=text.get("device_id", ""),
        account_id=text.get("account_id", ""),
        media_url=text.get("media_url", ""),
        attributes=attributes,
        uploads=list(files.getlist("media")),
    )
    parameter = {
        "description": "description",
        "address": "address_string",
        "reporter_name": "first_name/last_name",
        "device_id": "device_id",
        "account_id": "account_id",
        "media_url": "media_url",
    }
    for attr, name in parameter.items():
        limit = MAX_LENGTHS[attr]
        if len(getattr(submission, attr)) > limit:
            errors.append(field_error(name, _("At most %(n)d characters.") % {"n": limit}))
    if submission.phone and not PHONE_RE.match(submission.phone):
        errors.append(field_error("phone", _("Enter a phone number of at most 20 digits.")))
    if submission.email:
        try:
            EmailValidator()(submission.email)
        except ValidationError:
            errors.append(field_error("email", _("Enter a valid e-mail address.")))
    if submission.media_url and len(submission.media_url) <= MAX_LENGTHS["media_url"]:
        try:
            URLValidator(schemes=["http", "https"])(submission.media_url)
        except ValidationError:
            errors.append(field_error("media_url", _("Enter a valid http or https URL.")))
    if errors:
        raise BadRequest(errors)
    return submission
