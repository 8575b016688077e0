from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A piece of background work, recorded in the same transaction as the change
    that causes it, and relayed to the broker after commit.

    If the broker is down the row stays unsent and the periodic relay sends it
    when the broker is back: nothing is lost. ``key`` makes enqueueing the same
    work twice (e.g. two sweeps) a no-op.
    """

    task = models.CharField(_("task"), max_length=120)
    kwargs = models.JSONField(_("arguments"), default=dict)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent to the broker at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("relay attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        # The relay's one question: which rows are unsent, oldest first. A partial
        # index holds just those, so writing and marking a row touch only it.
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent_ids"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
