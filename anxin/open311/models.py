"""Open311 clients (API keys) and the Open311 side of the hazards they report."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_api_key() -> str:
    """A random, URL-safe API key (43 characters, 256 bits)."""
    return secrets.token_urlsafe(32)


class Open311Client(models.Model):
    """An application allowed to post service requests (a 12345 hotline system,
    a city app…). Its reports are made as ``user`` (a service account), and its
    GET requests see what that user may see."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    api_key = models.CharField(
        _("API key"), max_length=64, unique=True, editable=False, default=new_api_key
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="open311_clients",
        help_text=_(
            "Reports are made as this user, and the client sees the hazards this user may see."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    """What an Open311 client sent along with a hazard report that the hazard file
    has no field for. ``media_url`` is kept as text: it is never fetched."""

    client = models.ForeignKey(
        Open311Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    hazard = models.OneToOneField(
        "hazards.Hazard",
        verbose_name=_("hazard"),
        on_delete=models.CASCADE,
        related_name="open311_request",
    )
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 service request")
        verbose_name_plural = _("Open311 service requests")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.client} → {self.hazard_id}"
