from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Last time a background worker ran the periodic heartbeat (one row)."""

    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")


class BenchRow(models.Model):
    """One row per call of the benchmark's minimal insert (``anxin.core.bench``): the
    floor against which the cost of reporting a hazard is measured."""

    name = models.CharField(_("name"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("benchmark row")
        verbose_name_plural = _("benchmark rows")
