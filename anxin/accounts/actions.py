"""Writes of the accounts app: users, memberships, login records, audit entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.accounts.choices import AuditVerb, Role
from anxin.accounts.models import AuditEntry, LoginFailure, Membership, User
from anxin.accounts.selectors import forget_scopes, is_locked_out
from anxin.areas.models import Area
from anxin.organisations.models import Organisation


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_audit(
    actor: User | None,
    verb: str,
    obj: Any = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        ip_address=client_ip(request),
    )


def record_personal_data_views(
    viewer: User, subjects: Iterable[Any], request: HttpRequest | None = None
) -> int:
    """Write one audit entry per object whose personal data was shown unmasked."""
    rows = [
        AuditEntry(
            actor=viewer,
            verb=AuditVerb.VIEW_PERSONAL_DATA,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            detail={"path": request.path if request is not None else ""},
            ip_address=client_ip(request),
        )
        for obj in subjects
    ]
    AuditEntry.objects.bulk_create(rows)
    return len(rows)


def record_login_failure(login: str, request: HttpRequest | None) -> None:
    login = login.strip().lower()
    was_locked = is_locked_out(login)
    LoginFailure.objects.create(login=login, ip_address=client_ip(request))
    if not was_locked and is_locked_out(login):
        record_audit(None, AuditVerb.LOCKED_OUT, detail={"login": login}, request=request)


def record_login(user: User, request: HttpRequest | None) -> None:
    LoginFailure.objects.filter(login__in=[user.username.lower(), (user.mobile or "")]).delete()
    record_audit(user, AuditVerb.LOGIN, user, request=request)


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    full_name: str = "",
    mobile: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    email: str = "",
) -> User:
    user = User(
        username=username,
        full_name=full_name,
        mobile=mobile or None,
        email=email,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def memberships_changed(users: QuerySet[User]) -> None:
    """The memberships of ``users`` changed (or an area or organisation they hold
    one on did): move their ``memberships_version`` so that every process loads
    their memberships afresh at their next request."""
    ids = list(users.values_list("pk", flat=True).distinct())
    if not ids:
        return
    User.objects.filter(pk__in=ids).update(memberships_version=F("memberships_version") + 1)
    # This process may hold user objects read before the move: forget now, and
    # after commit (a reader may have cached the old rows in between).
    forget_scopes(ids)
    transaction.on_commit(lambda: forget_scopes(ids))


@transaction.atomic
def grant_membership(
    *,
    user: User,
    role: str,
    area: Area | None = None,
    organisation: Organisation | None = None,
    scope: str = "",
    granted_by: User | None = None,
) -> Membership:
    """Give ``user`` a role on an org node; raises ValidationError naming the field."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    membership = Membership(user=user, role=role, area=area, organisation=organisation, scope=scope)
    membership.full_clean()
    membership.save()
    record_audit(
        granted_by,
        AuditVerb.MEMBERSHIP_GRANTED,
        membership,
        detail={"user": user.username, "role": role, "area": area.code if area else None},
    )
    return membership


@transaction.atomic
def revoke_membership(membership: Membership, revoked_by: User | None = None) -> None:
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    record_audit(revoked_by, AuditVerb.MEMBERSHIP_REVOKED, membership)
