"""Open311 test support: the shared GeoReport v2 schemas, clients with keys,
and hazards walked through the closed loop."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from anxin.hazards import actions as hazard_actions
from anxin.hazards.models import Hazard
from anxin.open311.models import Open311Client
from anxin.testing import reports
from anxin.testing.factories import UserFactory
from anxin.testing.media import photo

SCHEMA_NAMES = (
    "request.json",
    "requests.json",
    "service.json",
    "services.json",
    "service-definition.json",
)
INSIDE_A1A = {"lat": "30.015", "long": "120.007"}  # grid_a1a / building_a1a
INSIDE_A1B = {"lat": "30.015", "long": "120.027"}  # grid_a1b / building_a1b


def shared_dir() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "open311"


def _format_checker() -> FormatChecker:
    """Checks the formats the schemas use, without optional packages."""
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value)
        return "T" in value and parsed.tzinfo is not None

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlparse(value)
        return bool(parts.scheme and parts.netloc)

    return checker


class Schemas:
    def __init__(self) -> None:
        folder = shared_dir()
        missing = [n for n in SCHEMA_NAMES if not (folder / n).is_file()]
        if missing:
            pytest.fail(
                f"The Open311 schemas are missing from {folder} ({', '.join(missing)}): "
                "shared/open311/ must sit beside the clone of the project."
            )
        self.contents = {n: json.loads((folder / n).read_text("utf-8")) for n in SCHEMA_NAMES}
        self.registry: Registry[Any] = Registry().with_resources(
            (n, Resource.from_contents(c, default_specification=DRAFT7))
            for n, c in self.contents.items()
        )
        self.checker = _format_checker()

    def validate(self, name: str, instance: Any) -> None:
        validator = Draft7Validator(
            self.contents[name], registry=self.registry, format_checker=self.checker
        )
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    return Schemas()


# --- XML -> the JSON shapes ----------------------------------------------------------
BOOLEANS = {"metadata", "variable", "required"}
FLOATS = {"lat", "long"}
INTEGERS = {"order"}
LISTS = {"attributes", "values", "endpoints", "formats"}


def _value(element: ET.Element) -> Any:
    tag = element.tag
    if tag in LISTS:
        return [_value(child) for child in element]
    if len(element):
        return {child.tag: _value(child) for child in element}
    text = element.text
    if text is None:
        return [] if tag in LISTS else None
    if tag in BOOLEANS:
        assert text in ("true", "false"), f"{tag}={text}"
        return text == "true"
    if tag in FLOATS:
        return float(text)
    if tag in INTEGERS:
        return int(text)
    return text


def xml_list(body: bytes, root: str, item: str) -> list[dict[str, Any]]:
    element = ET.fromstring(body)
    assert element.tag == root
    assert all(child.tag == item for child in element)
    return [{c.tag: _value(c) for c in child} for child in element]


def xml_object(body: bytes, root: str) -> dict[str, Any]:
    element = ET.fromstring(body)
    assert element.tag == root
    return {child.tag: _value(child) for child in element}


def xml_errors(body: bytes) -> list[dict[str, Any]]:
    return [
        {"code": int(e["code"]), "description": e["description"]}
        for e in xml_list(body, "errors", "error")
    ]


# --- clients and hazards ----------------------------------------------------------------
@pytest.fixture
def service_account(personas: Any) -> Any:
    return UserFactory(username="hotline12345", full_name="12345热线")


@pytest.fixture
def hotline(service_account: Any) -> Open311Client:
    """A client whose service account holds no role: it sees its own reports and
    the public board."""
    return Open311Client.objects.create(name="12345 hotline", user=service_account)


@pytest.fixture
def grid_client(personas: Any) -> Open311Client:
    return Open311Client.objects.create(name="Grid A1a app", user=personas.grid_worker)


# A request as residents file them: with a description and an address.
report = partial(reports.report, description="消防通道被私家车占用", address="1幢东侧")


def walk_to_closed(hazard: Hazard, personas: Any, publicise: bool = True) -> Hazard:
    """verify → (auto-dispatch) → accept → rectify → pass_recheck [→ publicise]."""
    h = hazard_actions.transition(hazard.pk, personas.grid_worker, "verify")
    if h.status == "verified":
        h = hazard_actions.transition(h.pk, personas.safety_officer, "verify")
    h = hazard_actions.transition(h.pk, personas.property_manager, "accept")
    h = hazard_actions.transition(
        h.pk, personas.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
    )
    h = hazard_actions.transition(h.pk, personas.safety_officer, "pass_recheck")
    if publicise:
        h = hazard_actions.publicise(h.pk, personas.safety_officer)
    return Hazard.objects.get(pk=h.pk)
