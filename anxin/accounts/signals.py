from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from anxin.accounts import actions
from anxin.accounts.models import Membership, User
from anxin.areas.models import Area
from anxin.organisations.models import Organisation


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login = credentials.get("username") or ""
    if login:
        actions.record_login_failure(login, request)


@receiver(user_logged_in)
def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    actions.record_login(user, request)


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def on_membership_changed(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    actions.memberships_changed(User.objects.filter(pk=instance.user_id))


@receiver(post_save, sender=Area)
@receiver(post_save, sender=Organisation)
def on_node_changed(
    sender: type[Area] | type[Organisation],
    instance: Area | Organisation,
    created: bool = False,
    **kwargs: Any,
) -> None:
    """Memberships are cached with their area and organisation (a scope reads the
    area's path): a changed node refreshes its members. New nodes have none,
    and a node with members cannot be deleted (PROTECT)."""
    if created:
        return
    field = "area" if isinstance(instance, Area) else "organisation"
    actions.memberships_changed(User.objects.filter(**{f"memberships__{field}": instance}))
