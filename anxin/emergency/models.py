"""Emergency readiness (应急): supplies in stores and their movements, teams,
plans (预案) with their versions, responses with their stages, tasks and
timeline, reviews (复盘), drills, training, the safety-month calendar, and the
meteorological warnings imported in the Common Alerting Protocol (CAP 1.2)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Role
from anxin.areas.choices import PlaceKind
from anxin.areas.models import Area, Place
from anxin.core.scoping import RestrictedManager, ScopeRules
from anxin.emergency.choices import (
    OPEN_STAGES,
    ActivityKind,
    AlertStatus,
    DrillStatus,
    HazardClass,
    MovementKind,
    PlanLevel,
    ResponseEventKind,
    ResponseLevel,
    ReviewStatus,
    Stage,
    SupplyKind,
    TeamKind,
    WeatherHazard,
)
from anxin.organisations.models import Organisation
from anxin.warnings.models import RiskWarning


def _in_force_q(lookup: str) -> Any:
    """Rows set on an area are seen by the people of that area and below, and
    rows set above them (the ones in force for them) are visible too."""

    def area_q(node: Area, below: bool) -> Q:
        if below:
            return Q(**{f"{lookup}__path__startswith": node.path}) | Q(
                **{f"{lookup}__code__in": node.ancestor_codes()}
            )
        return Q(**{lookup: node})

    return area_q


class AppendOnly(models.Model):
    """Rows that are written once and never changed (timelines, stock movements)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)


# --- supplies ----------------------------------------------------------------------------------
class SupplyItem(models.Model):
    """One kind of supply kept in one store (a named place of the kind “store”).

    The quantity changes only through stock movements (``actions.supplies``)."""

    store = models.ForeignKey(
        Place,
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        related_name="supplies",
        limit_choices_to={"kind": PlaceKind.EMERGENCY_STORE},
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SupplyKind.choices)
    name = models.CharField(_("name"), max_length=80)
    quantity = models.PositiveIntegerField(_("quantity in store"), default=0, editable=False)
    unit = models.CharField(_("unit"), max_length=16)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    minimum_stock = models.PositiveIntegerField(_("minimum stock"), default=0)
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True, editable=False)
    # Alert state: a low-stock alert goes out once until the stock is refilled;
    # an expiry alert once per expiry date.
    low_stock_alerted = models.BooleanField(default=False, editable=False)
    expiry_alerted_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_rules = ScopeRules(area="store__area")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("emergency supply")
        verbose_name_plural = _("emergency supplies")
        ordering = ["store__name", "kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="supply_quantity_not_negative"
            ),
            models.UniqueConstraint(
                fields=["store", "name"],
                condition=Q(removed_at__isnull=True),
                name="one_supply_name_per_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.store.name}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_low(self) -> bool:
        return self.quantity < self.minimum_stock


class StockMovement(AppendOnly):
    """Supplies received, issued to a response, returned or written off."""

    item = models.ForeignKey(
        SupplyItem, verbose_name=_("supply"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    balance_after = models.PositiveIntegerField(_("balance after"))
    response = models.ForeignKey(
        "EmergencyResponse",
        verbose_name=_("response"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)

    scope_rules = ScopeRules(area="item__store__area")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} · {self.item_id}"


class EmergencyTeam(models.Model):
    """A team a plan pre-positions: a rescue team, volunteers, property staff…"""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="emergency_teams"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=TeamKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emergency_teams",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    members = models.PositiveIntegerField(_("members"), default=0)
    duty_phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_rules = ScopeRules(area="area")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("emergency team")
        verbose_name_plural = _("emergency teams")
        ordering = ["area__path", "name"]

    def __str__(self) -> str:
        return self.name


# --- plans -------------------------------------------------------------------------------------
class EmergencyPlan(models.Model):
    """An emergency plan (预案) for one hazard class and warning level, set on a
    street (or district, or community) and in force there and below. Its
    content lives in versions; every edit makes a new one and the old ones are kept."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="emergency_plans"
    )
    hazard_class = models.CharField(_("hazard class"), max_length=24, choices=HazardClass.choices)
    level = models.CharField(_("warning level"), max_length=8, choices=PlanLevel.choices)
    title = models.CharField(_("title"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "PlanVersion",
        verbose_name=_("current version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
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

    scope_rules = ScopeRules(area_q=_in_force_q("area"))
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["area__path", "hazard_class", "level", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "hazard_class", "level"],
                condition=Q(is_active=True),
                name="one_active_plan_per_class_and_level",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlanVersion(AppendOnly):
    """One version of a plan's content, never changed once written."""

    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    summary = models.TextField(_("summary"), blank=True)
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    notify_roles = models.JSONField(
        _("roles notified"),
        default=list,
        blank=True,
        help_text=_("Staff of these roles in the response's area are told when it starts."),
    )
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("people notified"),
        blank=True,
        related_name="+",
    )
    teams = models.ManyToManyField(
        EmergencyTeam, verbose_name=_("teams to pre-position"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    scope_rules = ScopeRules(area_q=_in_force_q("plan__area"))
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan.title} v{self.number}"


class PlanStep(models.Model):
    """A step of a plan version: what to do, by whom, within how long of the start."""

    version = models.ForeignKey(
        PlanVersion, verbose_name=_("plan version"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveIntegerField(_("order"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    title = models.CharField(_("step"), max_length=200)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, blank=True)
    team = models.ForeignKey(
        EmergencyTeam,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline_minutes = models.PositiveIntegerField(
        _("deadline (minutes after the start)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.title


class PlanSupply(models.Model):
    """Supplies a plan version pre-positions."""

    version = models.ForeignKey(
        PlanVersion,
        verbose_name=_("plan version"),
        on_delete=models.CASCADE,
        related_name="supplies",
    )
    item = models.ForeignKey(
        SupplyItem, verbose_name=_("supply"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("supply of a plan")
        verbose_name_plural = _("supplies of plans")
        ordering = ["version", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


# --- responses ---------------------------------------------------------------------------------
class EmergencyResponse(models.Model):
    """A response under a plan (三级响应): proposed by a warning or started by
    hand, then through its stages 启动 → 处置 → 恢复 → 结束 (``workflow.py``)."""

    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="responses"
    )
    plan_version = models.ForeignKey(
        PlanVersion, verbose_name=_("plan version"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="emergency_responses"
    )
    warning = models.ForeignKey(
        RiskWarning,
        verbose_name=_("warning"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emergency_responses",
    )
    # Set when a warning proposes the plan: one proposal per warning and area.
    proposal_key = models.CharField(max_length=80, unique=True, null=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.PROPOSED, editable=False
    )
    suggested_level = models.CharField(
        _("suggested level"), max_length=4, choices=ResponseLevel.choices, blank=True
    )
    level = models.CharField(
        _("response level"), max_length=4, choices=ResponseLevel.choices, blank=True, editable=False
    )
    building_ids = models.JSONField(
        _("affected buildings"), default=list, blank=True, editable=False
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    stage_changed_at = models.DateTimeField(_("stage changed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    closing_note = models.TextField(_("closing note"), blank=True)

    # A street's response concerns everyone below it (they see it and its tasks);
    # who may act on it is decided by role over its area (``policy``).
    scope_rules = ScopeRules(area_q=_in_force_q("area"))
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("emergency response")
        verbose_name_plural = _("emergency responses")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # A plan runs at most once at a time in one area: starting it twice
            # (or proposing it while it runs) finds the response already there.
            models.UniqueConstraint(
                fields=["plan", "area"],
                condition=Q(stage__in=sorted(OPEN_STAGES)),
                name="one_open_response_per_plan_and_area",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.stage in (Stage.STARTED, Stage.HANDLING, Stage.RECOVERY)


class ResponseTask(models.Model):
    """A task of a response assigned to a person, a role in the area, a unit or a team;
    checked off on the phone."""

    response = models.ForeignKey(
        EmergencyResponse,
        verbose_name=_("response"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    step = models.ForeignKey(
        PlanStep,
        verbose_name=_("plan step"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("task"), max_length=200)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emergency_tasks",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emergency_tasks",
    )
    team = models.ForeignKey(
        EmergencyTeam,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_rules = ScopeRules(
        area_q=_in_force_q("response__area"), owner="assignee", assignee="organisation"
    )
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("response task")
        verbose_name_plural = _("response tasks")
        ordering = ["response", "done_at", "due_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ResponseEvent(AppendOnly):
    """The one timeline of a response: every change, issue, notice and review step."""

    response = models.ForeignKey(
        EmergencyResponse,
        verbose_name=_("response"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ResponseEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_stage = models.CharField(_("from"), max_length=16, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("response event")
        verbose_name_plural = _("response events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.response_id} {self.kind}"


class ResponseReview(models.Model):
    """The after-action review (复盘) a response's end opens, due within 24 hours."""

    response = models.OneToOneField(
        EmergencyResponse,
        verbose_name=_("response"),
        on_delete=models.PROTECT,
        related_name="review",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.OPEN,
        editable=False,
    )
    opened_at = models.DateTimeField(_("opened at"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    summary = models.TextField(_("what happened"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    to_improve = models.TextField(_("what to improve"), blank=True)
    follow_up = models.TextField(_("follow-up actions"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)

    scope_rules = ScopeRules(area_q=_in_force_q("response__area"))
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("after-action review")
        verbose_name_plural = _("after-action reviews")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return str(self.response)


# --- drills, training, the safety month -----------------------------------------------------
class Drill(models.Model):
    """A drill (演练) of a plan: planned each quarter, then held with its findings."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        EmergencyPlan,
        verbose_name=_("plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drills",
    )
    title = models.CharField(_("title"), max_length=200)
    scheduled_on = models.DateField(_("scheduled on"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DrillStatus.choices, default=DrillStatus.PLANNED
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participants"), blank=True, related_name="+"
    )
    participant_count = models.PositiveIntegerField(_("number of participants"), default=0)
    findings = models.TextField(_("findings"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_rules = ScopeRules(area="area")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-scheduled_on", "-id"]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(models.Model):
    """A training session for staff and volunteers."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    trainer = models.CharField(_("trainer"), max_length=120, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=1)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff attending"), blank=True, related_name="+"
    )
    volunteers = models.PositiveIntegerField(_("volunteers attending"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_rules = ScopeRules(area="area")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class SafetyActivity(models.Model):
    """An activity of the safety month (安全月) calendar; set above, seen below."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    organiser = models.CharField(_("organiser"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_rules = ScopeRules(area_q=_in_force_q("area"))
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("safety-month activity")
        verbose_name_plural = _("safety-month activities")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title


# --- weather intake ----------------------------------------------------------------------------
class WeatherAlert(models.Model):
    """A meteorological warning imported in CAP 1.2, and what it became here."""

    identifier = models.CharField(_("identifier"), max_length=200)
    sender = models.CharField(_("sender"), max_length=200)
    sent_at = models.DateTimeField(_("sent at"))
    cap_status = models.CharField(_("CAP status"), max_length=16)
    msg_type = models.CharField(_("message type"), max_length=16)
    event = models.CharField(_("event"), max_length=200)
    hazard = models.CharField(_("weather hazard"), max_length=16, choices=WeatherHazard.choices)
    colour = models.CharField(_("colour"), max_length=8, blank=True)
    severity = models.CharField(_("severity"), max_length=16)
    urgency = models.CharField(_("urgency"), max_length=16)
    certainty = models.CharField(_("certainty"), max_length=16)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    area_desc = models.CharField(_("area description"), max_length=500, blank=True)
    references = models.TextField(_("references"), blank=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="weather_alerts",
        help_text=_("The district or street of ours the alert names."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.RECORDED
    )
    raise_at = models.DateTimeField(
        _("flood warning due at"), null=True, blank=True, help_text=_("24 hours before onset.")
    )
    flood_warning = models.ForeignKey(
        RiskWarning,
        verbose_name=_("flood warning"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="weather_alerts",
    )
    source = models.CharField(_("source"), max_length=300)
    raw = models.TextField(_("CAP document"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    # an alert for the district is seen in its streets and below
    scope_rules = ScopeRules(area_q=_in_force_q("area"))
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("weather alert")
        verbose_name_plural = _("weather alerts")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "identifier", "area"], name="one_alert_per_cap_message"
            )
        ]
        indexes = [models.Index(fields=["outcome", "raise_at"], name="weather_alert_held")]

    def __str__(self) -> str:
        return self.headline or self.event
