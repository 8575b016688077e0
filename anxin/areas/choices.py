from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")
    UNIT = "unit", _("Unit")


# Level -> (parent level, total length of the code); a code starts with its parent's code
LEVEL_RULES: dict[str, tuple[str | None, int]] = {
    Level.DISTRICT: (None, 6),
    Level.STREET: (Level.DISTRICT, 9),
    Level.COMMUNITY: (Level.STREET, 12),
    Level.GRID: (Level.COMMUNITY, 15),
    Level.BUILDING: (Level.GRID, 18),
    Level.UNIT: (Level.BUILDING, 20),
}
LEVEL_ORDER = list(LEVEL_RULES)


def parent_level(level: str) -> str | None:
    return LEVEL_RULES[level][0]


def code_length(level: str) -> int:
    return LEVEL_RULES[level][1]


class PlaceKind(models.TextChoices):
    ELDERLY_CENTRE = "elderly_centre", _("Elderly activity centre")
    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    CHARGING_SHED = "charging_shed", _("E-bike charging shed")
    LOW_LYING_YARD = "low_lying_yard", _("Low-lying yard")
    MARKET = "market", _("Market")
    RESTAURANT_STREET = "restaurant_street", _("Restaurant street")
    CONSTRUCTION_SITE = "construction_site", _("Construction site")
    PARK = "park", _("Park")
    WATER_BODY = "water_body", _("Water body")
    UNDERGROUND_GARAGE = "underground_garage", _("Underground garage")
    EMERGENCY_STORE = "emergency_store", _("Emergency supplies store")
    OTHER = "other", _("Other")
