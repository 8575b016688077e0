"""In-app notifications, external deliveries, preferences and group robots."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.areas.models import Area
from anxin.core.scoping import RestrictedQuerySet, ScopeRules
from anxin.notifications.choices import Channel, DeliveryStatus, RobotKind, Severity


class Notification(models.Model):
    """One message in one user's inbox. ``key`` makes creating it exactly-once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.INFO
    )
    key = models.CharField(_("idempotency key"), max_length=200)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    scope_rules = ScopeRules(owner="recipient")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key"),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class GroupRobot(models.Model):
    """A WeChat Work or DingTalk group robot that receives an area's alerts."""

    name = models.CharField(_("name"), max_length=80)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="group_robots"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RobotKind.choices)
    webhook_url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only: the secret of the robot's signed security setting."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_rules = ScopeRules(area="area")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["area__path", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Delivery(models.Model):
    """One message over one external channel, with every attempt's outcome."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    key = models.CharField(_("idempotency key"), max_length=240, unique=True)
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    robot = models.ForeignKey(
        GroupRobot,
        verbose_name=_("group robot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    target = models.CharField(_("target"), max_length=500)
    payload = models.JSONField(_("payload"), default=dict)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.INFO
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    not_before = models.DateTimeField(
        _("not before"),
        null=True,
        blank=True,
        help_text=_("Held back until then (the recipient's quiet hours)."),
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.IntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    history = models.JSONField(_("attempt history"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.target_display}"

    @property
    def target_display(self) -> str:
        """The target without a webhook's access token in its query string."""
        if self.channel in (Channel.WECOM, Channel.DINGTALK):
            return self.target.split("?", 1)[0]
        return self.target


class NotificationPreference(models.Model):
    """How a user wants to be told: channels, quiet hours and the daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("e-mail"), default=True)
    sms_enabled = models.BooleanField(_("SMS"), default=False)
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    digest_enabled = models.BooleanField(_("daily digest"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def quiet_hours(self) -> tuple[time, time] | None:
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start is None or end is None or start == end:
            return None
        return start, end
