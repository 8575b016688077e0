from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.areas.models import Area
from anxin.core.scoping import RestrictedManager, ScopeRules
from anxin.organisations.choices import OrganisationKind


def _serves_q(node: Area, below: bool) -> Q:
    """An organisation is in an area's scope when it serves that area, an area
    below it, or (for ORG_AND_BELOW) an area above it (a district department
    serves every street of its district)."""
    if below:
        return node.ancestor_or_descendant_q("served_areas")
    return Q(served_areas=node)


class Organisation(models.Model):
    """A property company or functional department linked to the areas it serves."""

    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text=_("18 characters, optional."),
    )
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    served_areas = models.ManyToManyField(
        Area, verbose_name=_("areas served"), related_name="organisations", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_rules = ScopeRules(assignee="pk", area_q=_serves_q, distinct=True)
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name
