"""Warnings (预警): the rules that raise them, each warning's record and timeline,
and the community special-governance tasks opened with yellow warnings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.areas.choices import Level
from anxin.areas.models import Area
from anxin.core.scoping import RestrictedManager, ScopeRules
from anxin.hazards.models import Hazard
from anxin.taxonomy.models import Category
from anxin.warnings.choices import (
    KIND_LEVEL,
    ClusterWithin,
    RuleKind,
    TaskStatus,
    WarningEventKind,
    WarningLevel,
    WarningStatus,
)


def _rule_area_q(node: Area, below: bool) -> Q:
    """A rule (or warning) is seen by the people of its area and below, and the
    ones set above them (in force for them) are visible too."""
    if below:
        return Q(area__path__startswith=node.path) | Q(area__code__in=node.ancestor_codes())
    return Q(area=node)


class WarningRule(models.Model):
    """A rule a street (or district) admin configures; it applies to its area and below.

    Where rules of the same kind and category are set at several levels, the
    one nearest to the hazard (deepest area) is in force."""

    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="warning_rules",
        help_text=_("The district, street or community the rule applies to (and below)."),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=RuleKind.choices)
    level = models.CharField(_("level"), max_length=8, choices=WarningLevel.choices, editable=False)
    category = models.ForeignKey(
        Category,
        verbose_name=_("hazard class"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A main class or subclass; empty for every class."),
    )
    min_count = models.PositiveIntegerField(
        _("minimum count"),
        null=True,
        blank=True,
        help_text=_("Cluster: hazards needed (N); cross-department: departments needed (K)."),
    )
    radius_m = models.PositiveIntegerField(_("radius (m)"), null=True, blank=True)
    window_days = models.PositiveIntegerField(_("window (days)"), null=True, blank=True)
    cluster_within = models.CharField(
        _("cluster within"), max_length=16, choices=ClusterWithin.choices, blank=True
    )
    threshold = models.PositiveIntegerField(
        _("threshold"), null=True, blank=True, help_text=_("Red hazards pending.")
    )
    count_per = models.CharField(_("count per"), max_length=16, choices=Level.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_rules = ScopeRules(area_q=_rule_area_q)
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["area__path", "kind", "id"]
        indexes = [models.Index(fields=["kind", "is_active"], name="warning_rule_kind_active")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.area.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.level = KIND_LEVEL[self.kind]
        super().save(*args, **kwargs)


class RiskWarning(models.Model):
    """One warning: raised once per cause, then acknowledged and resolved."""

    level = models.CharField(_("level"), max_length=8, choices=WarningLevel.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=RuleKind.choices)
    rule = models.ForeignKey(
        WarningRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warnings",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="risk_warnings"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("hazard class"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What raised it: unique, so one cause raises one warning whatever runs it.
    cause_key = models.CharField(_("cause"), max_length=160, unique=True, editable=False)
    # The group later hazards of the same cause join while it is not resolved.
    group_key = models.CharField(_("group"), max_length=160, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=WarningStatus.choices,
        default=WarningStatus.RAISED,
        editable=False,
    )
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    hazards = models.ManyToManyField(
        Hazard,
        verbose_name=_("hazards"),
        through="WarningHazard",
        related_name="risk_warnings",
        blank=True,
    )
    proposed_departments = models.JSONField(
        _("departments proposed for a whistle call"), default=list, blank=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    # A warning on a district (a flood warning) is in force for everyone below:
    # they see it; only the people of its area and above act on it (actions).
    scope_rules = ScopeRules(area_q=_rule_area_q)
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["status", "level"], name="warning_status_level"),
            models.Index(fields=["group_key", "status"], name="warning_group_status"),
        ]
        constraints = [
            # At most one unresolved warning per group: two workers cannot both
            # open one for the same gathering.
            models.UniqueConstraint(
                fields=["group_key"],
                condition=~Q(status="resolved") & ~Q(group_key=""),
                name="one_unresolved_warning_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"[{self.get_level_display()}] {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != WarningStatus.RESOLVED


class WarningHazard(models.Model):
    """A hazard linked to the warning it caused (or joined later)."""

    warning = models.ForeignKey(
        RiskWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="links"
    )
    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="warning_links"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hazard of a warning")
        verbose_name_plural = _("hazards of warnings")
        constraints = [
            models.UniqueConstraint(fields=["warning", "hazard"], name="one_link_per_hazard")
        ]

    def __str__(self) -> str:
        return f"{self.warning_id} ← {self.hazard_id}"


class WarningEvent(models.Model):
    """Append-only timeline of a warning."""

    warning = models.ForeignKey(
        RiskWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=WarningEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("warning event")
        verbose_name_plural = _("warning events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("warning events are append-only")
        super().save(*args, **kwargs)


class SpecialGovernanceTask(models.Model):
    """A community special-governance task (专项治理) opened with a yellow warning."""

    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("hazard class"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    warning = models.OneToOneField(
        RiskWarning,
        verbose_name=_("warning"),
        on_delete=models.PROTECT,
        related_name="governance_task",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_rules = ScopeRules(area="community")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("special-governance task")
        verbose_name_plural = _("special-governance tasks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
