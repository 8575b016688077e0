"""Reading meteorological warnings in the Common Alerting Protocol (CAP 1.2).

A document is parsed with entities, DTDs and network access off (no XXE, no
entity expansion) and validated against the OASIS CAP 1.2 schema shipped in
``data/CAP-v1.2.xsd``; a document that does not validate is refused with the
line and the schema's reason. Nothing here writes: ``actions.weather`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from lxml import etree

from anxin.emergency.choices import SEVERITY_COLOUR, WeatherHazard

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "CAP-v1.2.xsd"
MAX_BYTES = 1_000_000

# China's national early-warning event codes (GB/T 35965) for the weather
# hazards we act on, and the words of an <event> that name them.
EVENT_CODES: dict[str, str] = {
    "11B01": WeatherHazard.TYPHOON,
    "11B03": WeatherHazard.RAINSTORM,
    "11B09": WeatherHazard.HEAT,
    "11B05": WeatherHazard.COLD,
}
EVENT_WORDS: tuple[tuple[str, str], ...] = (
    ("台风", WeatherHazard.TYPHOON),
    ("typhoon", WeatherHazard.TYPHOON),
    ("tropical cyclone", WeatherHazard.TYPHOON),
    ("暴雨", WeatherHazard.RAINSTORM),
    ("rainstorm", WeatherHazard.RAINSTORM),
    ("heavy rain", WeatherHazard.RAINSTORM),
    ("高温", WeatherHazard.HEAT),
    ("heat", WeatherHazard.HEAT),
    ("寒潮", WeatherHazard.COLD),
    ("cold wave", WeatherHazard.COLD),
)
COLOUR_WORDS = {"红色": "red", "橙色": "orange", "黄色": "yellow", "蓝色": "blue"}


class CapError(ValueError):
    """The document is not a CAP 1.2 alert we can read; the message says why."""


@dataclass
class CapArea:
    description: str
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)  # (lat, lng)
    circles: list[tuple[float, float, float]] = field(default_factory=list)  # lat, lng, km
    geocodes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    references: str
    event: str
    hazard: str
    colour: str
    severity: str
    urgency: str
    certainty: str
    onset: datetime | None
    expires: datetime | None
    headline: str
    description: str
    instruction: str
    areas: list[CapArea]

    @property
    def area_desc(self) -> str:
        return "；".join(a.description for a in self.areas if a.description)


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _text(node: etree._Element, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _time(node: etree._Element, path: str) -> datetime | None:
    value = _text(node, path)
    return parse_datetime(value) if value else None


def _pairs(node: etree._Element, path: str) -> list[tuple[str, str]]:
    return [
        (_text(item, "cap:valueName"), _text(item, "cap:value")) for item in node.findall(path, NS)
    ]


def _polygon(text: str) -> list[tuple[float, float]]:
    points = []
    for pair in text.split():
        lat, _sep, lng = pair.partition(",")
        points.append((float(lat), float(lng)))
    return points


def _circle(text: str) -> tuple[float, float, float]:
    centre, _sep, radius = text.strip().partition(" ")
    lat, _sep2, lng = centre.partition(",")
    return float(lat), float(lng), float(radius)


def hazard_of(event: str, codes: list[tuple[str, str]]) -> str:
    for _name, value in codes:
        if value.strip().upper() in EVENT_CODES:
            return EVENT_CODES[value.strip().upper()]
    lowered = event.lower()
    for word, hazard in EVENT_WORDS:
        if word in lowered:
            return hazard
    return WeatherHazard.OTHER


def colour_of(severity: str, *texts: str) -> str:
    for text in texts:
        for word, colour in COLOUR_WORDS.items():
            if word in text:
                return colour
        match = re.search(r"\b(red|orange|yellow|blue)\b", text.lower())
        if match:
            return match.group(1)
    return SEVERITY_COLOUR.get(severity, "")


def parse(data: bytes) -> CapAlert:
    """Validate ``data`` against CAP 1.2 and read its first <info> block (in the
    language of the document's first block: Chinese alerts usually carry zh-CN
    first). Raises CapError with a reason a person can act on."""
    if not data or not data.strip():
        raise CapError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise CapError(_("The file is larger than %(n)d bytes.") % {"n": MAX_BYTES})
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CapError(_("Not well-formed XML: %(reason)s") % {"reason": exc.msg}) from exc
    if root.getroottree().docinfo.doctype:
        raise CapError(_("A CAP 1.2 alert has no DOCTYPE; this document declares one."))
    schema = _schema()
    try:
        valid = schema.validate(root)
    except etree.Error as exc:
        raise CapError(_("Not a valid CAP 1.2 alert: %(reason)s") % {"reason": exc}) from exc
    if not valid:
        error = schema.error_log.last_error
        reason = error.message if error is not None else ""
        line = error.line if error is not None else 0
        raise CapError(
            _("Not a valid CAP 1.2 alert (line %(line)d): %(reason)s")
            % {"line": line, "reason": reason}
        )
    infos = root.findall("cap:info", NS)
    if not infos:
        raise CapError(_("The alert has no <info> block: nothing to act on."))
    info = infos[0]
    areas = []
    for area in info.findall("cap:area", NS):
        try:
            areas.append(
                CapArea(
                    description=_text(area, "cap:areaDesc"),
                    polygons=[_polygon(p.text or "") for p in area.findall("cap:polygon", NS)],
                    circles=[_circle(c.text or "") for c in area.findall("cap:circle", NS)],
                    geocodes=_pairs(area, "cap:geocode"),
                )
            )
        except ValueError as exc:
            raise CapError(
                _("An area's polygon or circle is not in the CAP “lat,lon” form.")
            ) from exc
    event = _text(info, "cap:event")
    severity = _text(info, "cap:severity")
    headline = _text(info, "cap:headline")
    return CapAlert(
        identifier=_text(root, "cap:identifier"),
        sender=_text(root, "cap:sender"),
        sent=_time(root, "cap:sent") or datetime.min,
        status=_text(root, "cap:status"),
        msg_type=_text(root, "cap:msgType"),
        references=_text(root, "cap:references"),
        event=event,
        hazard=hazard_of(event, _pairs(info, "cap:eventCode")),
        colour=colour_of(severity, event, headline),
        severity=severity,
        urgency=_text(info, "cap:urgency"),
        certainty=_text(info, "cap:certainty"),
        onset=_time(info, "cap:onset") or _time(info, "cap:effective"),
        expires=_time(info, "cap:expires"),
        headline=headline,
        description=_text(info, "cap:description"),
        instruction=_text(info, "cap:instruction"),
        areas=areas,
    )
