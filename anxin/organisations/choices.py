from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    PROPERTY = "property", _("Property company")
    FIRE = "fire", _("Fire and rescue")
    POLICE = "police", _("Public security (police)")
    HOUSING = "housing", _("Housing and construction")
    URBAN_MANAGEMENT = "urban_management", _("Urban management")
    GAS = "gas", _("Gas company")
    WATER = "water", _("Water and drainage")
    POWER = "power", _("Power supply")
    MARKET_SUPERVISION = "market_supervision", _("Market supervision")
    EMERGENCY = "emergency", _("Emergency management")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    EDUCATION = "education", _("Education")
    LANDSCAPING = "landscaping", _("Landscaping and parks")
    EXPERT_PANEL = "expert_panel", _("Expert panel")
    OTHER = "other", _("Other")
