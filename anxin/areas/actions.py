"""Writes of the org tree: areas saved one by one (admin) and GeoJSON imports.

An import is validated as a whole before anything is written; a valid file is
applied in one transaction, parents before children. Codes and parents never
change once an area exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from anxin.areas.choices import LEVEL_ORDER, Level, code_length, parent_level
from anxin.areas.geometry import GeometryError, to_shape
from anxin.areas.models import Area

# Fields an import (or ``update_area``) may change on an existing area.
UPDATABLE_FIELDS = ("name", "name_en", "geometry", "address", "households")
NAME_MAX = Area._meta.get_field("name").max_length or 120
ADDRESS_MAX = Area._meta.get_field("address").max_length or 255


# --- single areas -----------------------------------------------------------------


def save_area(area: Area, *, actor: Any = None) -> Area:
    """Validate (``full_clean``) and save one area; raises ValidationError by field."""
    with transaction.atomic():
        area.full_clean()
        area.save()
    return area


def create_area(
    *,
    level: str,
    code: str,
    name: str,
    geometry: dict[str, Any],
    parent: Area | None = None,
    name_en: str = "",
    address: str = "",
    households: int | None = None,
    actor: Any = None,
) -> Area:
    area = Area(
        level=level,
        code=code,
        name=name,
        name_en=name_en,
        parent=parent,
        geometry=geometry,
        address=address,
        households=households,
    )
    return save_area(area, actor=actor)


def update_area(area: Area, *, actor: Any = None, **changes: Any) -> Area:
    """Change the name, English name, geometry, address or households of an area."""
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValidationError(
            {
                name: _("This field cannot be changed: codes and parents are stable.")
                for name in unknown
            }
        )
    for name, value in changes.items():
        setattr(area, name, value)
    return save_area(area, actor=actor)


# --- GeoJSON import ---------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    dry_run: bool = False
    created_codes: list[str] = field(default_factory=list)
    updated_codes: list[str] = field(default_factory=list)


class AreaImportError(ValidationError):
    """An import refused as a whole; ``feature_errors`` lists every problem as
    ``{"feature": index, "code": code, "field": name, "message": text}``."""

    def __init__(self, feature_errors: list[dict[str, Any]]) -> None:
        self.feature_errors = feature_errors
        super().__init__([format_feature_error(e) for e in feature_errors] or [_("Invalid file.")])


def format_feature_error(error: dict[str, Any]) -> str:
    if error.get("feature") is None:
        return f"{error['field']}: {error['message']}"
    return _("feature %(index)s (%(code)s): %(field)s: %(message)s") % {
        "index": error["feature"],
        "code": error.get("code") or "?",
        "field": error["field"],
        "message": error["message"],
    }


@dataclass
class _Row:
    index: int
    code: str
    level: str
    parent_code: str | None
    values: dict[str, Any]


class _Collector:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, index: int | None, code: str | None, field_name: str, message: str) -> None:
        self.errors.append(
            {"feature": index, "code": code, "field": field_name, "message": str(message)}
        )


def _as_code(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None


def _read_feature(
    index: int, feature: Any, out: _Collector
) -> tuple[_Row | None, dict[str, Any] | None]:
    """Check one feature on its own; return its row (None when unusable)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        out.add(index, None, "type", _("Each item of 'features' must be a GeoJSON Feature."))
        return None, None
    props = feature.get("properties")
    if not isinstance(props, dict):
        out.add(index, None, "properties", _("A feature needs a 'properties' object."))
        return None, None
    code = _as_code(props.get("code"))
    ok = True
    if not code:
        out.add(index, None, "code", _("This field is required."))
        ok = False
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        out.add(index, code, "name", _("This field is required."))
        ok = False
    elif len(name.strip()) > NAME_MAX:
        out.add(index, code, "name", _("At most %(n)d characters are allowed.") % {"n": NAME_MAX})
        ok = False
    values: dict[str, Any] = {"name": name.strip() if isinstance(name, str) else ""}
    if "name_en" in props:
        name_en = props.get("name_en") or ""
        if not isinstance(name_en, str) or len(name_en) > NAME_MAX:
            out.add(
                index,
                code,
                "name_en",
                _("Text of at most %(n)d characters is expected.") % {"n": NAME_MAX},
            )
            ok = False
        else:
            values["name_en"] = name_en.strip()
    if "address" in props:
        address = props.get("address") or ""
        if not isinstance(address, str) or len(address) > ADDRESS_MAX:
            out.add(
                index,
                code,
                "address",
                _("Text of at most %(n)d characters is expected.") % {"n": ADDRESS_MAX},
            )
            ok = False
        else:
            values["address"] = address.strip()
    if "households" in props:
        households = props.get("households")
        if households is not None and (
            isinstance(households, bool) or not isinstance(households, int) or households < 0
        ):
            out.add(
                index, code, "households", _("A whole number of 0 or more (or null) is expected.")
            )
            ok = False
        else:
            values["households"] = households
    level = props.get("level")
    if level not in Level.values:
        out.add(
            index,
            code,
            "level",
            _("Unknown level %(level)s (expected one of: %(levels)s).")
            % {"level": level, "levels": ", ".join(LEVEL_ORDER)},
        )
        ok = False
    elif code:
        expected = code_length(level)
        if not code.isdigit() or len(code) != expected:
            out.add(
                index,
                code,
                "code",
                _("A %(level)s code has exactly %(n)d digits.")
                % {"level": Level(level).label, "n": expected},
            )
            ok = False
    try:
        to_shape(feature.get("geometry"), allowed=("Polygon", "MultiPolygon"))
        values["geometry"] = feature["geometry"]
    except GeometryError as exc:
        out.add(index, code, "geometry", str(exc))
        ok = False
    parent_code = _as_code(props.get("parent_code")) or None
    if not ok or code is None or level not in Level.values:
        return None, props
    return _Row(index, code, level, parent_code, values), props


def _check_parent_link(
    row: _Row,
    out: _Collector,
    in_file: dict[str, _Row],
    file_positions: dict[str, int],
    existing: dict[str, tuple[str, str | None]],
) -> None:
    """Check the parent of ``row``: given when needed, nesting the code, of the
    right level, existing in the DB or earlier in the file, and unchanged."""
    wanted = parent_level(row.level)
    if wanted is None:
        if row.parent_code:
            out.add(row.index, row.code, "parent_code", _("A district has no parent."))
    elif not row.parent_code:
        out.add(
            row.index,
            row.code,
            "parent_code",
            _("A %(level)s must belong to a %(parent)s: give its parent_code.")
            % {"level": Level(row.level).label, "parent": Level(wanted).label},
        )
    else:
        parent_level_found: str | None = None
        position = file_positions.get(row.parent_code)
        if position is not None and position < row.index:
            if row.parent_code not in in_file:
                return  # the parent feature has errors of its own, reported there
            parent_level_found = in_file[row.parent_code].level
        elif row.parent_code in existing:
            parent_level_found = existing[row.parent_code][0]
        elif position is not None:
            out.add(
                row.index,
                row.code,
                "parent_code",
                _("The parent %(code)s must come before this feature in the file.")
                % {"code": row.parent_code},
            )
            return
        else:
            out.add(
                row.index,
                row.code,
                "parent_code",
                _("No area with code %(code)s exists in the database or earlier in the file.")
                % {"code": row.parent_code},
            )
            return
        if parent_level_found != wanted:
            out.add(
                row.index,
                row.code,
                "parent_code",
                _("A %(level)s must belong to a %(parent)s, not a %(given)s.")
                % {
                    "level": Level(row.level).label,
                    "parent": Level(wanted).label,
                    "given": Level(parent_level_found).label
                    if parent_level_found in Level.values
                    else parent_level_found,
                },
            )
        elif not row.code.startswith(row.parent_code):
            out.add(
                row.index,
                row.code,
                "code",
                _("The code must start with the parent's code %(code)s.")
                % {"code": row.parent_code},
            )


def _check_stable(row: _Row, out: _Collector, existing: dict[str, tuple[str, str | None]]) -> None:
    """An existing area keeps its parent and level."""
    if row.code in existing:
        level, current_parent = existing[row.code]
        if current_parent != row.parent_code:
            out.add(
                row.index,
                row.code,
                "parent_code",
                _(
                    "Codes are stable: area %(code)s belongs to %(current)s and cannot move "
                    "to %(given)s."
                )
                % {
                    "code": row.code,
                    "current": current_parent or "-",
                    "given": row.parent_code or "-",
                },
            )
        elif level != row.level:
            out.add(
                row.index,
                row.code,
                "level",
                _("Area %(code)s is a %(level)s; its level cannot change.")
                % {"code": row.code, "level": Level(level).label},
            )


def _check_actor_scope(
    rows: list[_Row], existing_codes: set[str], actor: Any, out: _Collector
) -> None:
    """A non-superuser may only change areas in the part of the tree they manage."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    allowed = set(Area.objects.restrict(actor, "manage").values_list("code", flat=True))
    for row in rows:
        if row.code in existing_codes:
            ok = row.code in allowed
        else:
            ok = row.parent_code is not None and row.parent_code in allowed
            if ok:
                allowed.add(row.code)
        if not ok:
            out.add(
                row.index,
                row.code,
                "code",
                _("You may not change the org tree outside the areas you manage."),
            )


def validate_feature_collection(data: Any, *, actor: Any = None) -> tuple[list[_Row], set[str]]:
    """Check a whole FeatureCollection; return its rows (file order) and the codes
    that already exist, or raise ``AreaImportError`` with every problem found."""
    out = _Collector()
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        out.add(None, None, "type", _("A GeoJSON FeatureCollection is expected."))
        raise AreaImportError(out.errors)
    features = data.get("features")
    if not isinstance(features, list):
        out.add(None, None, "features", _("'features' must be a list."))
        raise AreaImportError(out.errors)
    if not features:
        out.add(None, None, "features", _("The file contains no features."))
        raise AreaImportError(out.errors)

    rows: list[_Row] = []
    seen: dict[str, int] = {}
    declared_codes: list[str | None] = []
    for index, feature in enumerate(features):
        row, props = _read_feature(index, feature, out)
        code = _as_code(props.get("code")) if props else None
        declared_codes.append(code)
        if code:
            if code in seen:
                out.add(
                    index,
                    code,
                    "code",
                    _("Duplicate code: feature %(first)d has the same code.")
                    % {"first": seen[code]},
                )
                continue
            seen[code] = index
        if row is not None:
            rows.append(row)

    # Levels of features that failed on their own are still known for parent checks.
    in_file = {r.code: r for r in rows}
    file_positions = dict(seen)
    wanted_codes = {c for c in declared_codes if c} | {r.parent_code for r in rows if r.parent_code}
    existing: dict[str, tuple[str, str | None]] = {
        code: (level, parent_code)
        for code, level, parent_code in Area.objects.filter(code__in=wanted_codes).values_list(
            "code", "level", "parent__code"
        )
    }
    for row in rows:
        _check_parent_link(row, out, in_file, file_positions, existing)
        _check_stable(row, out, existing)
    if not out.errors:
        _check_actor_scope(rows, set(existing), actor, out)
    if out.errors:
        out.errors.sort(key=lambda e: (e["feature"] is not None, e["feature"] or 0))
        raise AreaImportError(out.errors)
    return rows, {r.code for r in rows if r.code in existing}


def import_feature_collection(
    data: dict[str, Any],
    *,
    actor: Any = None,
    update_existing: bool = True,
    dry_run: bool = False,
) -> ImportResult:
    """Create and update areas from a GeoJSON FeatureCollection (as exported by
    ``anxin.areas.selectors.export_feature_collection``).

    Raises ``AreaImportError`` (a ValidationError) listing every bad feature;
    then nothing is saved. ``dry_run`` validates and counts without saving.
    """
    from anxin.accounts.actions import record_audit
    from anxin.accounts.choices import AuditVerb

    rows, existing_codes = validate_feature_collection(data, actor=actor)
    rows.sort(key=lambda r: LEVEL_ORDER.index(r.level))  # parents first (stable)
    result = ImportResult(dry_run=dry_run)
    for row in rows:
        if row.code not in existing_codes:
            result.created_codes.append(row.code)
        elif update_existing:
            result.updated_codes.append(row.code)
        else:
            result.skipped += 1
    result.created, result.updated = len(result.created_codes), len(result.updated_codes)
    if dry_run:
        return result

    with transaction.atomic():
        saved: dict[str, Area] = {
            a.code: a for a in Area.objects.select_for_update().filter(code__in=existing_codes)
        }
        for row in rows:
            area = saved.get(row.code)
            if area is None:
                parent = None
                if row.parent_code:
                    parent = saved.get(row.parent_code)
                    if parent is None:
                        parent = Area.objects.get(code=row.parent_code)
                        saved[parent.code] = parent
                area = Area(code=row.code, level=row.level, parent=parent, **row.values)
            elif update_existing:
                for name, value in row.values.items():
                    setattr(area, name, value)
            else:
                continue
            try:
                area.full_clean()
            except ValidationError as exc:
                errors = [
                    {"feature": row.index, "code": row.code, "field": name, "message": str(m)}
                    for name, messages in exc.message_dict.items()
                    for m in messages
                ]
                raise AreaImportError(errors) from exc
            area.save()
            saved[area.code] = area
        record_audit(
            actor,
            AuditVerb.AREAS_IMPORTED,
            detail={"created": result.created, "updated": result.updated},
        )
    return result
