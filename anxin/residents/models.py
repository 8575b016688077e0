from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.areas.models import Area
from anxin.core.scoping import RestrictedQuerySet, ScopeRules
from anxin.residents.choices import CodePurpose


class LocalityPolicy(models.Model):
    """What a locality allows residents and what it requires of public pages.

    Set on a district, street or community; the nearest policy up the tree from a
    point's area wins, and with none the defaults below apply."""

    area = models.OneToOneField(
        Area,
        verbose_name=_("locality"),
        on_delete=models.CASCADE,
        related_name="resident_policy",
        limit_choices_to={"level__in": ["district", "street", "community"]},
    )
    allow_anonymous_reports = models.BooleanField(
        _("allow anonymous reports"),
        default=False,
        help_text=_("People without an account may report hazards here."),
    )
    blur_public_photos = models.BooleanField(
        _("blur faces and number plates on the public board"),
        default=False,
        help_text=_("Photos shown in public have detected faces and number plates blurred."),
    )

    scope_rules = ScopeRules(area="area")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("locality policy")
        verbose_name_plural = _("locality policies")

    def __str__(self) -> str:
        return str(self.area)


class SignupCode(models.Model):
    """A one-time code sent by SMS to prove a mobile number: at sign-up, or to
    set a new password.

    Only a keyed hash of the code is stored. The newest code of a number is the
    only one that counts; it expires, and a few wrong tries use it up."""

    mobile = models.CharField(_("mobile number"), max_length=11, db_index=True)
    purpose = models.CharField(
        _("purpose"), max_length=8, choices=CodePurpose.choices, default=CodePurpose.SIGNUP
    )
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("sent at"), db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up code")
        verbose_name_plural = _("sign-up codes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]} {self.created_at:%Y-%m-%d %H:%M}"
