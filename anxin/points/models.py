from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.areas.choices import Level, code_length
from anxin.areas.models import Area
from anxin.core.scoping import RestrictedManager, ScopeRules
from anxin.hazards.models import Hazard
from anxin.points.choices import PointKind

CAMPAIGN_LEVELS = (Level.STREET, Level.COMMUNITY)


class PointRule(models.Model):
    """How many points one kind of contribution earns (configurable in the admin)."""

    kind = models.CharField(_("kind"), max_length=24, choices=PointKind.choices, unique=True)
    points = models.PositiveIntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.points}"


def _campaign_owner_q(user: Any) -> Q:
    """A resident sees the campaigns of their home street (the street itself
    and its communities, so a neighbour learns why they cannot join one of
    another community) and the ones they joined."""
    joined = Q(pk__in=CampaignParticipation.objects.filter(user_id=user.pk).values("campaign_id"))
    building = getattr(user, "home_building", None)
    if building is None:
        return joined
    codes = building.ancestor_codes()
    street_codes = [c for c in codes if len(c) == code_length(Level.STREET)]
    home = Q(area__code__in=codes)
    if street_codes:
        home |= Q(area__code__startswith=street_codes[0])
    return home | joined


class Campaign(models.Model):
    """A special campaign (专项行动) in a street or community; residents living
    in the area join it while it runs and earn points once."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        limit_choices_to={"level__in": CAMPAIGN_LEVELS},
        help_text=_("The street or community the campaign runs in."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    points = models.PositiveIntegerField(
        _("points"),
        null=True,
        blank=True,
        help_text=_("Points for joining; empty means the campaign rule's default."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Staff: campaigns in their area (at or below their node); residents: the
    # campaigns of their home street and the ones they joined.
    scope_rules = ScopeRules(area="area", owner_q=lambda user: _campaign_owner_q(user))
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[Any]] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [_("A campaign cannot end before it starts.")]
        if self.area_id and self.area.level not in CAMPAIGN_LEVELS:
            errors["area"] = [_("A campaign runs in a street or a community.")]
        if errors:
            raise ValidationError(errors)

    def is_running(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        return self.is_active and self.starts_on <= today <= self.ends_on


class CampaignParticipation(models.Model):
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="campaign_participations",
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    scope_rules = ScopeRules(area="campaign__area", owner="user")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("campaign participation")
        verbose_name_plural = _("campaign participations")
        ordering = ["-joined_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaign_joined_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.campaign}"


class PointEntry(models.Model):
    """One line of a person's points ledger (积分台账). The balance is the sum;
    the constraints make earning twice for the same hazard or campaign
    impossible, whoever asks and however often."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="point_entries",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=PointKind.choices)
    points = models.IntegerField(_("points"))
    hazard = models.ForeignKey(
        Hazard,
        verbose_name=_("hazard"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="point_entries",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    # Only the person's own ledger: points are not shown to staff (see README of
    # the API view); no area or assignee rule, so staff memberships add nothing.
    scope_rules = ScopeRules(owner="user")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "hazard"],
                condition=Q(hazard__isnull=False),
                name="points_once_per_hazard",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "campaign"],
                condition=Q(campaign__isnull=False),
                name="points_once_per_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.points:+d} ({self.get_kind_display()})"
