from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from anxin.accounts.choices import ALWAYS_MASKED_ROLES
from anxin.accounts.models import LoginFailure, User


def is_locked_out(login: str) -> bool:
    """True while a login name has too many recent failures."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    failures = LoginFailure.objects.filter(login=login.lower(), created_at__gte=since).count()
    return failures >= settings.LOGIN_LOCKOUT_FAILURES


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
