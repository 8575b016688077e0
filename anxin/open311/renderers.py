"""JSON and XML answers in the GeoReport v2 shapes.

XML: a list becomes a root element (``services``, ``service_requests``, ``errors``)
holding one element per item (``service``, ``request``, ``error``); nested lists
(``attributes``, ``values``, ``endpoints``, ``formats``) hold ``attribute``,
``value``, ``endpoint``, ``format``. ``null`` is an empty element, booleans are
``true`` / ``false``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

from anxin.open311.choices import CONTENT_TYPES, Format

ITEM_OF_LIST = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry, even escaped.
INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return INVALID_XML_CHARS.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEM_OF_LIST.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``root``: the XML root element (``services``, ``service_definition``,
    ``service_requests``, ``discovery``, ``errors``)."""
    if fmt == Format.XML:
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[Format(fmt)])
    response["Cache-Control"] = "no-store"
    return response


def render_errors(errors: list[dict[str, object]], fmt: str, status: int) -> HttpResponse:
    return render(errors, fmt, "errors", status)
