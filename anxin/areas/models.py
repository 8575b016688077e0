from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.areas.choices import Level, PlaceKind, code_length, parent_level
from anxin.areas.geometry import GeometryError, centroid_of, validate_geometry
from anxin.core.scoping import RestrictedManager, ScopeRules


class Area(models.Model):
    """A node of the org tree: district, street, community, grid, building or unit."""

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    geometry = models.JSONField(_("geometry (GeoJSON, WGS-84)"))
    centroid_lat = models.FloatField(_("centroid latitude"), editable=False, default=0.0)
    centroid_lng = models.FloatField(_("centroid longitude"), editable=False, default=0.0)
    address = models.CharField(_("address"), max_length=255, blank=True)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_rules = ScopeRules(area="")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    # --- validation -------------------------------------------------------------
    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.level not in Level.values:
            errors.setdefault("level", []).append(_("Unknown level."))
        else:
            expected = code_length(self.level)
            if not self.code.isdigit() or len(self.code) != expected:
                errors.setdefault("code", []).append(
                    _("A %(level)s code has exactly %(n)d digits.")
                    % {"level": Level(self.level).label, "n": expected}
                )
            wanted_parent = parent_level(self.level)
            parent = self.parent if self.parent_id else None
            if wanted_parent is None and parent is not None:
                errors.setdefault("parent", []).append(_("A district has no parent."))
            elif wanted_parent is not None:
                if parent is None:
                    errors.setdefault("parent", []).append(
                        _("A %(level)s must belong to a %(parent)s.")
                        % {"level": Level(self.level).label, "parent": Level(wanted_parent).label}
                    )
                elif parent.level != wanted_parent:
                    errors.setdefault("parent", []).append(
                        _("A %(level)s must belong to a %(parent)s, not a %(given)s.")
                        % {
                            "level": Level(self.level).label,
                            "parent": Level(wanted_parent).label,
                            "given": Level(parent.level).label,
                        }
                    )
                elif not self.code.startswith(parent.code):
                    errors.setdefault("code", []).append(
                        _("The code must start with the parent's code %(code)s.")
                        % {"code": parent.code}
                    )
        if self.pk and self.parent_id:
            original = Area.objects.filter(pk=self.pk).values_list("code", "parent_id").first()
            if original and (original[0] != self.code or original[1] != self.parent_id):
                errors.setdefault("code", []).append(
                    _("Codes are stable: an area's code and parent cannot change.")
                )
        try:
            validate_geometry(self.geometry, allowed=("Polygon", "MultiPolygon"))
        except GeometryError as exc:
            errors.setdefault("geometry", []).append(str(exc))
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = (self.parent.path if self.parent_id and self.parent else "/") + f"{self.code}/"
        self.depth = self.path.count("/") - 1
        lat, lng = centroid_of(self.geometry)
        self.centroid_lat, self.centroid_lng = lat, lng
        super().save(*args, **kwargs)

    # --- tree helpers --------------------------------------------------------------
    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.strip("/").split("/") if code]

    def ancestors(self) -> models.QuerySet[Area]:
        return Area.objects.filter(code__in=self.ancestor_codes()[:-1]).order_by("depth")

    def descendants(self, include_self: bool = True) -> models.QuerySet[Area]:
        qs = Area.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_or_descendant_q(self, lookup: str) -> Q:
        """Rows related (via ``lookup``) to an area above, at or below this one."""
        prefix = f"{lookup}__" if lookup else ""
        return Q(**{f"{prefix}path__startswith": self.path}) | Q(
            **{f"{prefix}code__in": self.ancestor_codes()}
        )


class Place(models.Model):
    """A named place used by analytics and warnings (school, charging shed…)."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=32, choices=PlaceKind.choices)
    geometry = models.JSONField(_("geometry (GeoJSON point or polygon, WGS-84)"))
    lat = models.FloatField(_("latitude"), editable=False, default=0.0)
    lng = models.FloatField(_("longitude"), editable=False, default=0.0)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="places",
        help_text=_("The community or grid the place lies in."),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_rules = ScopeRules(area="area")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("named place")
        verbose_name_plural = _("named places")
        ordering = ["area__path", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            validate_geometry(self.geometry, allowed=("Point", "Polygon", "MultiPolygon"))
        except GeometryError as exc:
            raise ValidationError({"geometry": str(exc)}) from exc

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.lat, self.lng = centroid_of(self.geometry)
        super().save(*args, **kwargs)


class AreaTreeVersion(models.Model):
    """One row whose counter moves whenever an area changes.

    Each process caches its spatial index of the tree and compares this counter
    to decide when to rebuild it.
    """

    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("org tree version")
