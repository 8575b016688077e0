"""Writes of the taxonomy app: loading the hazard taxonomy from data (DESIGN §4).

The default taxonomy ships as ``fixtures/categories.json``: a list of objects, one
per category, keyed by ``code`` with ``parent_code`` (null for a main class)::

    {"code": "0101", "parent_code": "01", "name_zh": "消防通道堵塞",
     "name_en": "Fire lane blocked", "keywords": "xiaofangtongdao xftd ...",
     "risk_colour": "yellow", "responsible_kind": "property",
     "duplicate_radius_m": 50, "duplicate_window_days": 7,
     "required_fields": ["photo", "location"], "deadline_policy": "by_colour",
     "deadline_days": null, "ordering": 10}

``load_categories`` upserts such data by code. Validation is plain functions over
plain data, so the data migration can run it against the historical model.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils.translation import gettext as _

from anxin.organisations.choices import OrganisationKind
from anxin.taxonomy.choices import REQUIRED_FIELD_CHOICES, DeadlinePolicy, RiskColour

DEFAULT_CATEGORIES_FILE = Path(__file__).resolve().parent / "fixtures" / "categories.json"

# What a subclass entry may carry, with the value used when the key is absent.
SUBCLASS_DEFAULTS: dict[str, Any] = {
    "keywords": "",
    "risk_colour": "",
    "responsible_kind": "",
    "duplicate_radius_m": 50,
    "duplicate_window_days": 7,
    "required_fields": [],
    "deadline_policy": DeadlinePolicy.BY_COLOUR.value,
    "deadline_days": None,
    "ordering": 0,
}
# A main class carries names and keywords only (plus its order).
MAIN_CLASS_DEFAULTS: dict[str, Any] = {"keywords": "", "ordering": 0}
# Keys that are taken from the data only when present (an admin's choice otherwise).
OPTIONAL_FLAGS = ("is_active",)
MAX_LENGTHS = {"code": 4, "name_zh": 80, "name_en": 120, "keywords": 255}
MAX_POSITIVE_INTEGER = 2147483647
MAX_POSITIVE_SMALL_INTEGER = 32767


class _Errors:
    """Errors keyed ``"<code>.<field>"``; each message names the code and field too."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[str]] = {}

    def add(self, label: str, field: str, reason: str) -> None:
        message = _("Category %(code)s, field %(field)s: %(reason)s") % {
            "code": label,
            "field": field,
            "reason": reason,
        }
        self.by_key.setdefault(f"{label}.{field}", []).append(message)

    def raise_if_any(self) -> None:
        if self.by_key:
            raise ValidationError(dict(self.by_key))


def read_categories_file(path: str | Path = DEFAULT_CATEGORIES_FILE) -> list[dict[str, Any]]:
    """Read a taxonomy file (UTF-8 JSON, a list of category objects)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            {"file": [_("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc}]}
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            {"file": [_("%(path)s is not valid JSON: %(reason)s") % {"path": path, "reason": exc}]}
        ) from exc
    if not isinstance(data, list):
        raise ValidationError({"file": [_("The file must hold a list of categories.")]})
    return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(errors: _Errors, label: str, field: str, value: Any, *, required: bool) -> None:
    if not isinstance(value, str):
        errors.add(label, field, _("must be text."))
    elif required and not value.strip():
        errors.add(label, field, _("must not be empty."))
    elif field in MAX_LENGTHS and len(value) > MAX_LENGTHS[field]:
        errors.add(
            label,
            field,
            _("is longer than %(max)d characters.") % {"max": MAX_LENGTHS[field]},
        )


def _check_count(errors: _Errors, label: str, field: str, value: Any, maximum: int) -> None:
    if not _is_int(value) or not 0 <= value <= maximum:
        errors.add(
            label,
            field,
            _("must be a whole number from 0 to %(max)d, not %(value)r.")
            % {"max": maximum, "value": value},
        )


def _check_choice(
    errors: _Errors, label: str, field: str, value: Any, allowed: Sequence[str]
) -> None:
    if value not in allowed:
        errors.add(
            label,
            field,
            _("%(value)r is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(allowed)},
        )


def _check_subclass_defaults(errors: _Errors, label: str, values: Mapping[str, Any]) -> None:
    _check_choice(errors, label, "risk_colour", values["risk_colour"], RiskColour.values)
    _check_choice(
        errors, label, "responsible_kind", values["responsible_kind"], OrganisationKind.values
    )
    _check_choice(
        errors, label, "deadline_policy", values["deadline_policy"], DeadlinePolicy.values
    )
    for field in ("duplicate_radius_m", "duplicate_window_days"):
        _check_count(errors, label, field, values[field], MAX_POSITIVE_INTEGER)
    days = values["deadline_days"]
    if days is not None and (not _is_int(days) or not 1 <= days <= MAX_POSITIVE_INTEGER):
        errors.add(
            label, "deadline_days", _("must be empty or a whole number of days of at least 1.")
        )
    required = values["required_fields"]
    if not isinstance(required, list) or any(f not in REQUIRED_FIELD_CHOICES for f in required):
        errors.add(
            label,
            "required_fields",
            _("must be a list drawn from: %(choices)s.")
            % {"choices": ", ".join(REQUIRED_FIELD_CHOICES)},
        )
    elif len(set(required)) != len(required):
        errors.add(label, "required_fields", _("lists a field twice."))


def validate_entries(data: Any, existing_main_codes: Collection[str] = ()) -> list[dict[str, Any]]:
    """Check taxonomy data and return it normalised (defaults filled in).

    Raises one ValidationError listing every problem, keyed ``"<code>.<field>"``.
    A subclass's main class must be in the data or among ``existing_main_codes``.
    """
    errors = _Errors()
    if not isinstance(data, list):
        raise ValidationError({"file": [_("The data must be a list of categories.")]})
    entries: list[dict[str, Any]] = []
    labels: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        code = raw.get("code") if isinstance(raw, Mapping) else None
        label = str(code) if isinstance(code, str | int) and str(code) else f"#{index + 1}"
        labels.append(label)
        if not isinstance(raw, Mapping):
            errors.add(label, "entry", _("must be an object."))
            entries.append({})
            continue
        is_main = isinstance(code, str) and len(code) == 2
        defaults = MAIN_CLASS_DEFAULTS if is_main else SUBCLASS_DEFAULTS
        allowed = {"code", "parent_code", "name_zh", "name_en", *defaults, *OPTIONAL_FLAGS}
        for key in sorted(set(raw) - allowed):
            errors.add(
                label,
                key,
                _("a main class carries names and keywords only.")
                if is_main and key in SUBCLASS_DEFAULTS
                else _("is not a known field."),
            )
        values: dict[str, Any] = {**defaults, **{k: v for k, v in raw.items() if k in allowed}}
        entries.append(values)

        if not isinstance(code, str) or not code.isdigit() or len(code) not in (2, 4):
            errors.add(
                label,
                "code",
                _("must be 2 digits for a main class or 4 digits for a subclass, not %(code)r.")
                % {"code": code},
            )
            continue
        if code in seen:
            errors.add(label, "code", _("appears more than once."))
        seen.add(code)
        _check_text(errors, label, "name_zh", values.get("name_zh"), required=True)
        _check_text(errors, label, "name_en", values.get("name_en"), required=True)
        _check_text(errors, label, "keywords", values["keywords"], required=False)
        _check_count(errors, label, "ordering", values["ordering"], MAX_POSITIVE_SMALL_INTEGER)
        if "is_active" in values and not isinstance(values["is_active"], bool):
            errors.add(label, "is_active", _("must be true or false."))
        parent_code = values.get("parent_code")
        if is_main:
            if parent_code is not None:
                errors.add(label, "parent_code", _("a main class has no parent."))
            continue
        if parent_code != code[:2]:
            errors.add(
                label,
                "parent_code",
                _("a subclass code starts with its main class code; expected %(expected)r.")
                % {"expected": code[:2]},
            )
        _check_subclass_defaults(errors, label, values)

    main_codes = {
        e["code"] for e in entries if isinstance(e.get("code"), str) and len(e["code"]) == 2
    }
    main_codes |= set(existing_main_codes)
    for label, values in zip(labels, entries, strict=True):
        parent_code = values.get("parent_code")
        if (
            isinstance(values.get("code"), str)
            and len(values["code"]) == 4
            and parent_code == values["code"][:2]
            and parent_code not in main_codes
        ):
            errors.add(
                label,
                "parent_code",
                _("main class %(parent)s does not exist.") % {"parent": parent_code},
            )
    errors.raise_if_any()
    return entries


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def load_categories(
    data: Sequence[Mapping[str, Any]] | None = None,
    category_model: type[models.Model] | None = None,
    *,
    using: str | None = None,
) -> tuple[int, int]:
    """Create or update categories from data; return (created, updated).

    Upserts by code: missing categories are created, existing ones get the names,
    keywords and defaults of the data (codes never change; ``is_active`` only when
    the data says so). Rows that already match are left alone and not counted.
    Everything is validated first and written in one transaction, so bad data
    raises ValidationError naming the code and field, and nothing is saved.

    ``category_model`` lets a data migration pass its historical model.
    """
    if data is None:
        data = read_categories_file()
    if category_model is None:
        from anxin.taxonomy.models import Category

        category_model = Category
    db = using or DEFAULT_DB_ALIAS
    manager: Any = category_model._default_manager.db_manager(db)
    created = updated = 0
    with transaction.atomic(using=db):
        existing: dict[str, Any] = {
            row.code: row for row in manager.select_for_update().order_by("code")
        }
        entries = validate_entries(
            list(data), existing_main_codes=[code for code in existing if len(code) == 2]
        )
        # Main classes first, so subclasses can point at them.
        for values in sorted(entries, key=lambda e: (len(e["code"]), e["code"])):
            code = values["code"]
            parent = existing[values["parent_code"]] if len(code) == 4 else None
            fields = {
                name: value
                for name, value in values.items()
                if name not in ("code", "parent_code") and _has_field(category_model, name)
            }
            row = existing.get(code)
            if row is None:
                row = category_model(code=code, parent=parent, **fields)
                row.save(using=db)
                existing[code] = row
                created += 1
                continue
            changed = [name for name, value in fields.items() if getattr(row, name) != value]
            for name in changed:
                setattr(row, name, fields[name])
            if row.parent_id != (parent.pk if parent is not None else None):
                row.parent = parent
                changed.append("parent")
            if changed:
                row.save(using=db, update_fields=changed)
                updated += 1
    return created, updated
