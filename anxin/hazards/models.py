from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.areas.models import Area, Place
from anxin.core.scoping import RestrictedManager, ScopeRules
from anxin.hazards.choices import (
    AttachmentKind,
    EscalationLevel,
    EventKind,
    Grade,
    Phase,
    RiskColour,
    SourceChannel,
    Status,
    TimeLimitStep,
)
from anxin.organisations.models import Organisation
from anxin.taxonomy.models import Category

AREA_FIELD_BY_LEVEL = {
    "street": "street",
    "community": "community",
    "grid": "grid",
    "building": "building",
}


def _hazard_owner_q(user: Any) -> Q:
    """A hazard belongs to its reporter and to the residents who follow it (they
    reported the same hazard and were offered to follow instead, or were merged)."""
    followed = Hazard.followers.through.objects.filter(user_id=user.pk).values("hazard_id")
    return Q(reporter_id=user.pk) | Q(pk__in=followed)


def _hazard_area_q(node: Area, below: bool) -> Q:
    """A hazard is resolved down to its grid (or building) when reported, and
    keeps a foreign key per level. For a street, community, grid or building
    node, "at or below" and "exactly" are both "the hazard's area at that level
    is the node" — an indexed foreign key. For a district (ORG_AND_BELOW) the
    materialised path prefix; for a unit, the exact path."""
    field = AREA_FIELD_BY_LEVEL.get(node.level)
    if field is not None:
        return Q(**{f"{field}_id": node.pk})
    if below:
        return Q(area_path__startswith=node.path)
    return Q(area_path=node.path)


def _hazard_assignee_q(org_id: int) -> Q:
    """ASSIGNED: dispatched to the organisation, or whistled to it (吹哨报到)."""
    return Q(responsible_organisation_id=org_id) | Q(
        pk__in=WhistleCall.objects.filter(department_id=org_id).values("hazard_id")
    )


class Hazard(models.Model):
    """One hazard file (一隐患一档案), from first report to the last look-back.

    ``status`` is only ever written by the actions in ``anxin.hazards.actions``
    through the state machine declared in ``anxin.hazards.workflow``.
    """

    # identity
    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # Human code 区域-类型-等级-序号: unique per community (two communities may
    # share a name across streets); the machine code is unique everywhere.
    code = models.CharField(_("code"), max_length=80, editable=False)  # index: Meta
    machine_code = models.CharField(_("machine code"), max_length=48, unique=True, editable=False)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    # what
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="hazards",
        db_index=False,  # the two (category, …) indexes of Meta serve it
    )
    risk_colour = models.CharField(_("risk colour"), max_length=8, choices=RiskColour.choices)
    grade = models.CharField(
        _("grade"), max_length=16, choices=Grade.choices, default=Grade.ORDINARY
    )
    gb35181_clause = models.CharField(_("GB 35181 clause"), max_length=40, blank=True)
    quantity = models.CharField(_("quantity / size"), max_length=60, blank=True)
    # where
    address = models.CharField(_("address"), max_length=255, blank=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="hazards"
    )
    # Indexed by (area_path, -id) in Meta, and on PostgreSQL also for prefix
    # LIKE (its pattern copy, kept by migration 0006): a district's scope is a path prefix.
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    street = models.ForeignKey(
        Area, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+", null=True
    )
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", null=True
    )
    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+", null=True
    )
    building = models.ForeignKey(
        Area,
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    nearest_place = models.ForeignKey(
        Place,
        verbose_name=_("nearest named place"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
        db_index=False,  # never filtered on; one index less per report
    )
    nearest_place_distance_m = models.FloatField(_("distance to place (m)"), null=True, blank=True)
    h3_r7 = models.CharField(_("H3 cell (res 7)"), max_length=16, editable=False)
    h3_r9 = models.CharField(_("H3 cell (res 9)"), max_length=16, editable=False)  # index: Meta
    h3_r11 = models.CharField(_("H3 cell (res 11)"), max_length=16, editable=False)
    # who
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_hazards",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    source = models.CharField(_("source channel"), max_length=24, choices=SourceChannel.choices)
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("followers"),
        blank=True,
        related_name="followed_hazards",
    )
    responsible_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_hazards",
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never filtered on; one index less per report
    )
    supervising_department = models.ForeignKey(
        Organisation,
        verbose_name=_("supervising department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_hazards",
        db_index=False,  # never filtered on; one index less per report
    )
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never filtered on; one index less per report
    )
    # state and time
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.REPORTED, editable=False
    )
    review_tier = models.PositiveSmallIntegerField(_("reviews done"), default=0, editable=False)
    found_at = models.DateTimeField(_("found at"))
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    verify_deadline = models.DateTimeField(_("verify by"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    deadline = models.DateTimeField(_("rectification deadline"), null=True, blank=True)
    interim_deadline = models.DateTimeField(_("interim control by"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    recheck_deadline = models.DateTimeField(_("recheck by"), null=True, blank=True)
    rechecked_at = models.DateTimeField(_("rechecked at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    publicised_at = models.DateTimeField(_("publicised at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        db_index=False,  # never filtered on; one index less per report
    )
    # supervision flags
    is_overdue = models.BooleanField(_("overdue"), default=False, editable=False)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True, editable=False)
    next_escalation_at = models.DateTimeField(
        _("next overdue check"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the sweep next has something to do for this hazard."),
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"),
        choices=EscalationLevel.choices,
        default=EscalationLevel.NONE,
        editable=False,
    )
    is_listed = models.BooleanField(_("listed (supervised)"), default=False, editable=False)
    listing_level = models.CharField(_("listing level"), max_length=16, blank=True)
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    listing_published_at = models.DateTimeField(_("listing published at"), null=True, blank=True)
    delisted_at = models.DateTimeField(_("delisted at"), null=True, blank=True)
    interim_control = models.TextField(_("interim control measures"), blank=True)
    interim_controlled_at = models.DateTimeField(_("interim control at"), null=True, blank=True)
    six_item_plan = models.JSONField(_("six-item plan"), default=dict, blank=True)
    expert_opinion = models.TextField(_("expert opinion"), blank=True)

    scope_rules = ScopeRules(
        area_q=_hazard_area_q,
        assignee_q=lambda org_id: _hazard_assignee_q(org_id),
        owner="reporter",
        owner_q=lambda user: _hazard_owner_q(user),
        public_q=lambda: Q(status=Status.CLOSED, publicised_at__isnull=False),
    )
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="hazard_status_deadline"),
            # A list by status, newest first, reads just that status's rows in
            # order (without it both engines walk the whole table backwards).
            models.Index(fields=["status", "-id"], name="hazard_status_id"),
            models.Index(fields=["next_escalation_at"], name="hazard_next_escalation"),
            models.Index(fields=["area_path", "-id"], name="hazard_area_path_id"),
            models.Index(fields=["risk_colour", "status"], name="hazard_colour_status"),
            models.Index(fields=["category", "status"], name="hazard_category_status"),
            models.Index(fields=["is_overdue", "status"], name="hazard_overdue_status"),
            # Duplicates and clusters within 100 m: the subclass's rows in a few cells.
            models.Index(fields=["category", "h3_r11"], name="hazard_category_h3_r11"),
            # Wider radii; and the exact code. (Declared here rather than with
            # db_index: PostgreSQL would add a LIKE copy of each, never used.)
            models.Index(fields=["h3_r9"], name="hazard_h3_r9"),
            models.Index(fields=["code"], name="hazard_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_major(self) -> bool:
        return self.grade == Grade.MAJOR


class HazardEvent(models.Model):
    """Append-only timeline row: who, when, from, to, why, with what evidence."""

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    action = models.CharField(_("action"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_role = models.CharField(_("actor role"), max_length=32, blank=True)
    from_status = models.CharField(_("from"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=Status.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("time"))  # read per hazard (its index), never by time

    class Meta:
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.kind} {self.from_status}→{self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("hazard events are append-only")
        super().save(*args, **kwargs)


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"private/hazards/{instance.hazard.uuid}/{uuid.uuid4().hex}{_suffix(filename)}"


def public_attachment_path(instance: Attachment, filename: str) -> str:
    return f"public/hazards/{instance.hazard.uuid}/{uuid.uuid4().hex}{_suffix(filename)}"


def blurred_attachment_path(instance: Attachment, filename: str) -> str:
    return f"public/hazards/{instance.hazard.uuid}/blurred-{uuid.uuid4().hex}{_suffix(filename)}"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower()[:8] if dot >= 0 else ""


class Attachment(models.Model):
    """Evidence: a photo, video or voice note with the phase it belongs to.

    ``file`` is the original, kept privately with its EXIF; ``public_file`` is
    the copy that is shown, with EXIF removed; ``blurred_file`` is the public
    copy with faces and number plates blurred, for boards that require it.
    """

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="attachments"
    )
    event = models.ForeignKey(
        HazardEvent,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=AttachmentKind.choices)
    file = models.FileField(_("original"), upload_to=attachment_path, max_length=255)
    public_file = models.FileField(
        _("public copy"), upload_to=public_attachment_path, max_length=255, blank=True
    )
    # Made from the public copy when a locality requires blurred public photos
    # (``anxin.residents``): detected faces and number plates blurred.
    blurred_file = models.FileField(
        _("blurred public copy"),
        upload_to=blurred_attachment_path,
        max_length=255,
        blank=True,
        editable=False,
    )
    blur_failed = models.BooleanField(
        _("blurring failed"),
        default=False,
        editable=False,
        help_text=_(
            "The photo could not be processed, so it is never shown where blurring is required."
        ),
    )
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    exif_taken_at = models.DateTimeField(_("EXIF time"), null=True, blank=True)
    exif_lat = models.FloatField(_("EXIF latitude"), null=True, blank=True)
    exif_lng = models.FloatField(_("EXIF longitude"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_rules = ScopeRules(
        area_q=lambda node, below: Q(
            hazard__in=Hazard.objects.filter(_hazard_area_q(node, below)).values("pk")
        ),
        assignee_q=lambda org_id: Q(
            hazard__in=Hazard.objects.filter(_hazard_assignee_q(org_id)).values("pk")
        ),
        owner="hazard__reporter",
        owner_q=lambda user: Q(
            hazard__in=Hazard.objects.filter(_hazard_owner_q(user)).values("pk")
        ),
        public_q=lambda: Q(hazard__status=Status.CLOSED, hazard__publicised_at__isnull=False),
    )
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} {self.kind} #{self.pk}"


class WhistleCall(models.Model):
    """A department called to a hazard (吹哨报到): called, arrived, answered."""

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="whistle_calls"
    )
    department = models.ForeignKey(
        Organisation, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField(_("called at"))
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("whistle call")
        verbose_name_plural = _("whistle calls")
        constraints = [
            models.UniqueConstraint(fields=["hazard", "department"], name="one_call_per_department")
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id} → {self.department}"


class ExtensionRequest(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT
    )
    requested_deadline = models.DateTimeField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.hazard_id} → {self.requested_deadline:%Y-%m-%d}"


class SequenceCounter(models.Model):
    """Gap-free counters for hazard codes; incremented under a row lock inside the
    reporting transaction, so a rolled-back report gives its number back."""

    key = models.CharField(_("key"), max_length=80, unique=True)
    value = models.PositiveIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("code sequence")
        verbose_name_plural = _("code sequences")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class TimeLimit(models.Model):
    """A locality's time limit for one step and colour; overrides the default
    of DESIGN §5 for its area and everything below (nearest area wins)."""

    area = models.ForeignKey(
        Area,
        verbose_name=_("locality"),
        on_delete=models.CASCADE,
        related_name="time_limits",
        limit_choices_to={"level__in": ["district", "street", "community"]},
    )
    step = models.CharField(_("step"), max_length=16, choices=TimeLimitStep.choices)
    colour = models.CharField(_("risk colour"), max_length=8, choices=RiskColour.choices)
    hours = models.PositiveIntegerField(_("hours"), null=True, blank=True)
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    working_days = models.BooleanField(_("count working days only"), default=False)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(fields=["area", "step", "colour"], name="one_limit_per_step"),
            models.CheckConstraint(
                condition=Q(hours__isnull=False) | Q(days__isnull=False), name="limit_has_length"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.step} {self.colour}"


class Holiday(models.Model):
    """Public holidays and make-up working days (调休) for working-day limits."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=40)
    is_workday = models.BooleanField(
        _("make-up working day"), default=False, help_text=_("A weekend day worked instead.")
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
