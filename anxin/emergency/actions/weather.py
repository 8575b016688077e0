"""Weather intake: meteorological warnings in CAP 1.2 from a file or a configured
URL on the closed network. A rainstorm or typhoon warning for one of our areas
becomes a flood warning (``anxin.warnings``) that tells residents near low-lying
yards; it is raised at once when the onset is within 24 hours, otherwise held
and raised by the sweep 24 hours before the onset. The flood warning then
proposes the flood plan (``responses.propose_for_warning``)."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, Polygon, shape

from anxin.areas.models import Area
from anxin.emergency import cap
from anxin.emergency.choices import FLOOD_WEATHER, WEATHER_IMPORTERS, AlertStatus
from anxin.emergency.models import WeatherAlert
from anxin.emergency.policy import holds_role_over
from anxin.warnings.actions import raise_flood_warning
from anxin.warnings.choices import WarningStatus

log = logging.getLogger(__name__)

FLOOD_LEAD = timedelta(hours=24)
ALERT_AREA_LEVELS = ("district", "street")


@dataclass
class ImportResult:
    alerts: list[WeatherAlert] = field(default_factory=list)
    created: int = 0


# --- which of our areas an alert names -------------------------------------------------------
def _cap_polygon(points: list[tuple[float, float]]) -> Polygon | None:
    ring = [(lng, lat) for lat, lng in points]
    if len(ring) < 3:
        return None
    polygon = Polygon(ring)
    return polygon if polygon.is_valid else polygon.buffer(0)


def areas_named(alert: cap.CapAlert) -> list[Area]:
    """Our districts and streets the alert names: by geocode (an area's code),
    else by polygon or circle over a district, else by name in <areaDesc>.
    An area whose parent is named too is left out (the parent covers it)."""
    codes = {value.strip() for a in alert.areas for _name, value in a.geocodes if value.strip()}
    found = list(Area.objects.filter(code__in=codes, level__in=ALERT_AREA_LEVELS))
    if not found:
        shapes = []
        for cap_area in alert.areas:
            shapes += [p for p in map(_cap_polygon, cap_area.polygons) if p is not None]
            # a circle's radius is in km; about 1/111 degree per km is close enough here
            shapes += [Point(lng, lat).buffer(km / 111.0) for lat, lng, km in cap_area.circles]
        if shapes:
            for district in Area.objects.filter(level="district"):
                try:
                    outline = shape(district.geometry)
                except (ValueError, TypeError, AttributeError):
                    continue
                if any(outline.intersects(s) for s in shapes):
                    found.append(district)
    if not found and alert.area_desc:
        found = [
            a
            for a in Area.objects.filter(level__in=ALERT_AREA_LEVELS)
            if a.name and a.name in alert.area_desc
        ]
    paths = [a.path for a in found]
    return sorted(
        (a for a in found if not any(a.path != p and a.path.startswith(p) for p in paths)),
        key=lambda a: a.path,
    )


def may_import_for(user: Any, area: Area) -> bool:
    """District and street admins import alerts for their district (a street's
    admin for the district their street is in, since the alert covers it)."""
    if user is None:
        return True
    if holds_role_over(user, WEATHER_IMPORTERS, area):
        return True
    return any(
        m.role in WEATHER_IMPORTERS and m.area is not None and m.area.path.startswith(area.path)
        for m in user.active_memberships()
    )


# --- importing ---------------------------------------------------------------------------------
def import_cap(data: bytes, *, user: Any = None, source: str = "file") -> ImportResult:
    """Validate and record a CAP 1.2 alert for each of our areas it names, and act
    on it. Importing the same message again changes nothing. A document that does
    not validate, or that names no area the user is responsible for, is refused
    with the reason (field ``file``) and nothing is recorded."""
    try:
        alert = cap.parse(data)
    except cap.CapError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    areas = [a for a in areas_named(alert) if may_import_for(user, a)]
    if not areas:
        raise ValidationError(
            {
                "file": [
                    _("The alert names no area you are responsible for (area: %(desc)s).")
                    % {"desc": alert.area_desc or "—"}
                ]
            }
        )
    result = ImportResult()
    raw = data.decode("utf-8", "replace")
    with transaction.atomic():
        for area in areas:
            existing = WeatherAlert.objects.filter(
                sender=alert.sender, identifier=alert.identifier, area=area
            ).first()
            if existing is not None:
                result.alerts.append(existing)
                continue
            try:
                with transaction.atomic():
                    row = _record(alert, area, raw, user, source)
            except IntegrityError:
                row = WeatherAlert.objects.get(
                    sender=alert.sender, identifier=alert.identifier, area=area
                )
                result.alerts.append(row)
                continue
            result.created += 1
            _act_on(row, alert)
            result.alerts.append(row)
    return result


def _record(alert: cap.CapAlert, area: Area, raw: str, user: Any, source: str) -> WeatherAlert:
    return WeatherAlert.objects.create(
        identifier=alert.identifier[:200],
        sender=alert.sender[:200],
        sent_at=alert.sent,
        cap_status=alert.status,
        msg_type=alert.msg_type,
        event=alert.event[:200],
        hazard=alert.hazard,
        colour=alert.colour,
        severity=alert.severity,
        urgency=alert.urgency,
        certainty=alert.certainty,
        onset=alert.onset,
        expires=alert.expires,
        headline=alert.headline[:300],
        description=alert.description,
        instruction=alert.instruction,
        area_desc=alert.area_desc[:500],
        references=alert.references,
        area=area,
        source=source[:300],
        raw=raw,
        imported_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _referenced(row: WeatherAlert) -> list[WeatherAlert]:
    """Earlier alerts a CAP <references> names ("sender,identifier,sent" …)."""
    found = []
    for reference in row.references.split():
        parts = reference.split(",")
        if len(parts) >= 2:
            found += list(
                WeatherAlert.objects.filter(sender=parts[0], identifier=parts[1], area=row.area)
            )
    return found


def _act_on(row: WeatherAlert, alert: cap.CapAlert) -> None:
    if row.msg_type == "Cancel":
        for earlier in _referenced(row):
            if earlier.outcome == AlertStatus.HELD:
                earlier.outcome = AlertStatus.CANCELLED
                earlier.save(update_fields=["outcome"])
        row.outcome = AlertStatus.CANCELLED
        row.save(update_fields=["outcome"])
        return
    if row.cap_status != "Actual" or row.hazard not in FLOOD_WEATHER:
        return
    if row.msg_type not in ("Alert", "Update"):
        return
    for earlier in _referenced(row):
        if earlier.outcome == AlertStatus.HELD:
            earlier.outcome = AlertStatus.CANCELLED  # superseded by this update
            earlier.save(update_fields=["outcome"])
        warning = earlier.flood_warning
        if warning is not None and warning.status != WarningStatus.RESOLVED:
            row.flood_warning = warning
            row.outcome = AlertStatus.FLOOD_WARNING
            row.save(update_fields=["flood_warning", "outcome"])
            return
    now = timezone.now()
    if row.onset is not None and row.onset - FLOOD_LEAD > now:
        row.outcome = AlertStatus.HELD
        row.raise_at = row.onset - FLOOD_LEAD
        row.save(update_fields=["outcome", "raise_at"])
        return
    _raise_flood(row)


def flood_message(row: WeatherAlert) -> str:
    parts = [row.headline or row.event]
    if row.onset is not None:
        parts.append(
            _("Expected from %(when)s.")
            % {"when": timezone.localtime(row.onset).strftime("%Y-%m-%d %H:%M")}
        )
    parts += [row.description, row.instruction]
    return "\n".join(p for p in parts if p).strip()


def _raise_flood(row: WeatherAlert) -> None:
    warning, _created = raise_flood_warning(row.area, None, flood_message(row), key=f"cap:{row.pk}")
    row.flood_warning = warning
    row.outcome = AlertStatus.FLOOD_WARNING
    row.save(update_fields=["flood_warning", "outcome"])


def raise_held(now: datetime | None = None) -> list[int]:
    """The sweep: raise the flood warnings of held alerts whose time has come
    (24 hours before the onset), unless the alert expired meanwhile."""
    now = now or timezone.now()
    raised = []
    for pk in WeatherAlert.objects.filter(outcome=AlertStatus.HELD, raise_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            row = (
                WeatherAlert.objects.select_for_update()
                .filter(pk=pk, outcome=AlertStatus.HELD)
                .first()
            )
            if row is None:
                continue
            if row.expires is not None and row.expires <= now:
                row.outcome = AlertStatus.RECORDED
                row.save(update_fields=["outcome"])
                continue
            _raise_flood(row)
            raised.append(row.pk)
    return raised


def fetch_configured(url: str | None = None) -> ImportResult | None:
    """Fetch the CAP document at ``WEATHER_CAP_URL`` and import it (the beat task).
    A fetch that fails or a document that does not validate is logged, not raised:
    the next poll tries again."""
    url = url or str(getattr(settings, "WEATHER_CAP_URL", "") or "")
    if not url:
        return None
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            body = answer.read(cap.MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        log.warning("weather: fetching %s failed: %s", url, exc)
        return None
    try:
        return import_cap(body, source=url)
    except ValidationError as exc:
        log.warning("weather: %s is not a CAP alert we can use: %s", url, exc.messages)
        return None
