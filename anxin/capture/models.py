from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.hazards.models import Hazard


class AnonymousReport(models.Model):
    """Where a report without an account came from: the network address, kept to
    limit how many such reports one address may file (and to trace abuse)."""

    hazard = models.OneToOneField(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("anonymous report")
        verbose_name_plural = _("anonymous reports")
        indexes = [models.Index(fields=["ip_address", "created_at"], name="anon_report_ip_time")]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.ip_address or '-'}"
