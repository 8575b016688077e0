from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone

from anxin.accounts.choices import ALWAYS_MASKED_ROLES
from anxin.accounts.models import LoginFailure, Membership, User
from anxin.core.process_cache import VersionedCache

T = TypeVar("T")


@dataclass
class ScopeSnapshot:
    """A user's active memberships at one ``memberships_version``, with what is
    derived from them alone (e.g. a compiled scope filter), shared by this
    process's requests. Read-only."""

    memberships: tuple[Membership, ...]
    derived: dict[Hashable, Any] = field(default_factory=dict)


_snapshots: VersionedCache[ScopeSnapshot] = VersionedCache()


def _load_snapshot(user: User) -> ScopeSnapshot:
    memberships = (
        Membership.objects.filter(user_id=user.pk, is_active=True)
        .select_related("area", "organisation")
        .defer("area__geometry")  # the outline is never needed to scope
    )
    return ScopeSnapshot(tuple(memberships))


def scope_snapshot(user: User) -> ScopeSnapshot:
    """The user's active memberships: from this process's cache while the
    user's ``memberships_version`` is the one they were loaded at."""
    if user.pk is None:
        return _load_snapshot(user)
    return _snapshots.get(user.pk, user.memberships_version, lambda: _load_snapshot(user))


def derived_from_scope(user: User, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept with the user's memberships until they change. The
    value must depend on nothing but the memberships and ``key``."""
    derived = scope_snapshot(user).derived
    if key not in derived:
        derived[key] = compute()
    return derived[key]  # type: ignore[no-any-return]


def forget_scopes(user_ids: list[int]) -> None:
    """Drop this process's cached memberships of these users."""
    _snapshots.forget(user_ids)


def is_locked_out(login: str) -> bool:
    """True while a login name has too many recent failures."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    failures = LoginFailure.objects.filter(login=login.lower(), created_at__gte=since).count()
    return failures >= settings.LOGIN_LOCKOUT_FAILURES


def roles_of(user: Any) -> set[str]:
    """The roles of a user's active memberships (``User.roles``); none for an
    anonymous visitor or no user at all (background work)."""
    if user is None or not user.is_authenticated:
        return set()
    return user.roles  # type: ignore[no-any-return]


def is_staff_viewer(user: Any) -> bool:
    """A logged-in user who sees hazard files as staff do (the internal timeline,
    responsible people): a superuser or anyone with a role other than resident."""
    return bool(
        user is not None and user.is_authenticated and (user.is_superuser or not user.is_resident)
    )


def is_resident_only(user: Any) -> bool:
    """A logged-in user with no staff role (residents, and people with no role at
    all): they use the residents' phone app (/m/), not the workbench."""
    return bool(
        user is not None
        and user.is_authenticated
        and not user.is_superuser
        and not user.is_staff
        and user.is_resident
    )


def may_see_personal_data(viewer: User) -> bool:
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.is_superuser:
        return True
    if viewer.roles & ALWAYS_MASKED_ROLES:
        return False
    return viewer.has_perm("accounts.view_personal_data")


def mask_mobile(mobile: str | None) -> str | None:
    """138****1234"""
    if not mobile:
        return mobile
    if len(mobile) < 7:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def mask_name(name: str | None) -> str | None:
    """张* / 欧** / J***"""
    if not name:
        return name
    name = name.strip()
    return name[0] + "*" * max(1, len(name) - 1)
