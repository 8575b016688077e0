from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import (
    AuditVerb,
    Role,
    Scope,
    default_scope,
    required_level,
    requires_organisation,
)
from anxin.areas.choices import Level
from anxin.areas.models import Area
from anxin.core.scoping import RestrictedQuerySet, ScopeRules
from anxin.organisations.models import Organisation

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value):
        raise ValidationError(
            _("Enter a mainland China mobile number of 11 digits starting with 1."),
            code="invalid_mobile",
        )


def _member_of_q(node: Area, below: bool) -> Q:
    if below:
        return Q(memberships__area__path__startswith=node.path)
    return Q(memberships__area=node)


class AnxinUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """Anyone who logs in: staff of every role and residents."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_mobile],
    )
    home_building = models.ForeignKey(
        Area,
        verbose_name=_("home building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"level": Level.BUILDING},
    )
    # Moves on every change of the user's memberships (and of an area or
    # organisation they hold one on): the key of the per-process memberships
    # cache (accounts.selectors.scope_snapshot). Loaded with the user on every
    # request, so a change is seen by the next request in any process.
    memberships_version = models.PositiveIntegerField(
        _("memberships version"), default=0, editable=False
    )

    scope_rules = ScopeRules(
        owner="",
        assignee="memberships__organisation",
        area_q=_member_of_q,
        distinct=True,
    )
    objects = AnxinUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("view_personal_data", _("Can see residents' personal data unmasked"))]

    def __str__(self) -> str:
        # The username, never the full name: a resident's name is personal data
        # and this string appears in many places (admin titles, logs, choices).
        return self.username

    def clean(self) -> None:
        super().clean()
        if self.mobile == "":
            self.mobile = None

    def active_memberships(self) -> list[Membership]:
        """The user's active memberships, loaded once per user object."""
        prefetched = getattr(self, "_prefetched_active_memberships", None)
        if prefetched is not None:
            return list(prefetched)
        return self._active_memberships

    @cached_property
    def _active_memberships(self) -> list[Membership]:
        from anxin.accounts.selectors import scope_snapshot

        return list(scope_snapshot(self).memberships)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``memberships_version`` only ever moves forward, by one UPDATE
        # (accounts.actions.memberships_changed). A full save of an object read
        # before such a move must not write the old number back: processes would
        # then trust memberships cached under it.
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
            and self.pk is not None
        ):
            deferred = self.get_deferred_fields()  # as a plain save() leaves them out
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key
                and f.name != "memberships_version"
                and f.attname not in deferred
            ]
        super().save(*args, **kwargs)

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.active_memberships()}

    @property
    def is_resident(self) -> bool:
        """Residents (and people with no staff role) have their data masked."""
        roles = self.roles
        return not roles or roles <= {Role.RESIDENT}


class Membership(models.Model):
    """Binds a user to an org node (area and/or organisation) with a role."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    scope = models.CharField(
        _("scope"),
        max_length=16,
        choices=Scope.choices,
        blank=True,
        help_text=_("Leave empty for the role's default scope."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_rules = ScopeRules(area="area", assignee="organisation", owner="user")
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "area", "organisation"], name="unique_membership"
            ),
        ]

    def __str__(self) -> str:
        where = self.area or self.organisation or "—"
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.role not in Role.values:
            errors.setdefault("role", []).append(_("Unknown role."))
            raise ValidationError(errors)
        level = required_level(self.role)
        if level is not None:
            if self.area is None:
                errors.setdefault("area", []).append(
                    _("A %(role)s must be bound to a %(level)s.")
                    % {"role": Role(self.role).label, "level": Level(level).label}
                )
            elif self.area.level != level:
                errors.setdefault("area", []).append(
                    _("A %(role)s must be bound to a %(level)s, not a %(given)s.")
                    % {
                        "role": Role(self.role).label,
                        "level": Level(level).label,
                        "given": Level(self.area.level).label,
                    }
                )
        if requires_organisation(self.role) and self.organisation is None:
            errors.setdefault("organisation", []).append(
                _("A %(role)s must be bound to an organisation.") % {"role": Role(self.role).label}
            )
        if self.role == Role.EVALUATOR and self.area is None:
            errors.setdefault("area", []).append(_("An evaluator must be assigned an area."))
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.scope:
            self.scope = default_scope(self.role)
        super().save(*args, **kwargs)


class LoginFailure(models.Model):
    """A failed login, counted towards the lockout of that login name."""

    login = models.CharField(_("login name"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        ordering = ["-created_at"]


class AuditEntry(models.Model):
    """Append-only audit log: unmasked personal data views, logins, role changes."""

    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    verb = models.CharField(_("what"), max_length=32, choices=AuditVerb.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.verb}"
