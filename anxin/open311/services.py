"""Services: one per active hazard subclass, and what each one accepts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from anxin.hazards.choices import Grade, RiskColour
from anxin.hazards.models import Hazard
from anxin.open311.choices import (
    ATTRIBUTE_OF_REQUIRED_FIELD,
    COMPLETENESS_NOTE,
    REQUIRED_FIELD_LABELS,
    Attribute,
)
from anxin.open311.params import MAX_LENGTHS, AttributeSpec
from anxin.taxonomy.models import Category


def _required_attributes(category: Category) -> set[str]:
    wanted = category.required_fields or []
    return {ATTRIBUTE_OF_REQUIRED_FIELD[f] for f in wanted if f in ATTRIBUTE_OF_REQUIRED_FIELD}


def attribute_specs(category: Category) -> dict[str, AttributeSpec]:
    """The attributes a POST for this service may (or must) carry."""
    required = _required_attributes(category)
    return {
        Attribute.RISK_COLOUR: AttributeSpec(
            Attribute.RISK_COLOUR, "singlevaluelist", False, values=list(RiskColour.values)
        ),
        Attribute.GRADE: AttributeSpec(
            Attribute.GRADE, "singlevaluelist", False, values=list(Grade.values)
        ),
        Attribute.QUANTITY: AttributeSpec(
            Attribute.QUANTITY,
            "string",
            Attribute.QUANTITY in required,
            max_length=MAX_LENGTHS["quantity"],
        ),
        Attribute.ADDRESS_DETAIL: AttributeSpec(
            Attribute.ADDRESS_DETAIL,
            "text",
            Attribute.ADDRESS_DETAIL in required,
            max_length=Hazard._meta.get_field("address").max_length,
        ),
    }


def service_dict(category: Category) -> dict[str, Any]:
    keywords = ", ".join(category.keywords.split())
    colour = RiskColour(category.risk_colour).label if category.risk_colour else None
    description = (
        _("%(group)s: %(name)s. Default risk colour: %(colour)s.")
        % {"group": category.parent.name, "name": category.name, "colour": colour}
        if category.parent and colour
        else None
    )
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": keywords or None,
        "group": category.parent.name if category.parent else None,
    }


def _values(choices: type[RiskColour] | type[Grade]) -> list[dict[str, str]]:
    return [{"key": str(value), "name": str(label)} for value, label in choices.choices]


def definition_dict(category: Category) -> dict[str, Any]:
    specs = attribute_specs(category)
    default_colour = str(RiskColour(category.risk_colour).label) if category.risk_colour else None
    attributes: list[dict[str, Any]] = [
        {
            "variable": True,
            "code": Attribute.RISK_COLOUR.value,
            "datatype": "singlevaluelist",
            "required": specs[Attribute.RISK_COLOUR].required,
            "datatype_description": _("One of the keys listed."),
            "order": 1,
            "description": _(
                "How dangerous the hazard looks. Leave it out to use this kind's default: "
                "%(colour)s."
            )
            % {"colour": default_colour or "-"},
            "values": _values(RiskColour),
        },
        {
            "variable": True,
            "code": Attribute.GRADE.value,
            "datatype": "singlevaluelist",
            "required": specs[Attribute.GRADE].required,
            "datatype_description": _("One of the keys listed."),
            "order": 2,
            "description": _("Major hazards follow the six-item plan. Default: ordinary."),
            "values": _values(Grade),
        },
        {
            "variable": True,
            "code": Attribute.QUANTITY.value,
            "datatype": "string",
            "required": specs[Attribute.QUANTITY].required,
            "datatype_description": _("At most %(n)d characters.")
            % {"n": specs[Attribute.QUANTITY].max_length},
            "order": 3,
            "description": _("Quantity or size, e.g. 3 cars, 20 m of corridor."),
        },
        {
            "variable": True,
            "code": Attribute.ADDRESS_DETAIL.value,
            "datatype": "text",
            "required": specs[Attribute.ADDRESS_DETAIL].required,
            "datatype_description": _(
                "At most %(n)d characters, together with address_string. address_string "
                "alone also satisfies a required address."
            )
            % {"n": specs[Attribute.ADDRESS_DETAIL].max_length},
            "order": 4,
            "description": _("Where exactly: building, unit, floor, room or landmark."),
        },
    ]
    unmapped = [f for f in (category.required_fields or []) if f not in ATTRIBUTE_OF_REQUIRED_FIELD]
    if unmapped:
        attributes.append(
            {
                "variable": False,
                "code": COMPLETENESS_NOTE,
                "datatype": "text",
                "required": False,
                "datatype_description": None,
                "order": 5,
                "description": _(
                    "A complete report of this kind carries: %(fields)s. Missing items are "
                    "asked for when the grid worker verifies the report."
                )
                % {"fields": "; ".join(str(REQUIRED_FIELD_LABELS.get(f, f)) for f in unmapped)},
            }
        )
    return {"service_code": category.code, "attributes": attributes}
