"""The admin shows staff the rows the API and the pages show them: every
ModelAdmin of a model with scope rules starts from ``restrict()``
(``anxin.core.admin.RestrictedAdminMixin``), and so does every inline of one."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db import models

from anxin.accounts.models import Membership
from anxin.core.admin import RestrictedAdminMixin, RestrictedInlineMixin
from anxin.notifications.models import GroupRobot, Notification
from anxin.testing.clients import client_for
from anxin.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def scoped(model: type[models.Model]) -> bool:
    return getattr(model, "scope_rules", None) is not None


def test_every_admin_of_a_scoped_model_is_restricted() -> None:
    registered = admin.site._registry
    scoped_admins = {m: a for m, a in registered.items() if scoped(m)}
    assert {Notification, GroupRobot, Membership} <= set(scoped_admins)
    for model, model_admin in scoped_admins.items():
        assert isinstance(model_admin, RestrictedAdminMixin), (
            f"{type(model_admin).__name__} shows {model.__name__} rows without restrict()"
        )


def test_every_inline_of_a_scoped_model_is_restricted() -> None:
    """An inline of a scoped model is restricted, or starts from
    ``restricted_queryset`` in its own ``get_queryset``."""
    for model_admin in admin.site._registry.values():
        for inline_class in model_admin.inlines:
            if not scoped(inline_class.model):
                continue
            own = inline_class.get_queryset is not InlineModelAdmin.get_queryset
            assert issubclass(inline_class, RestrictedInlineMixin) or own, inline_class


def test_a_street_admin_sees_only_notifications_and_robots_in_scope(
    tree: Any, personas: Any
) -> None:
    staff = personas.street_admin
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_notification", "view_grouprobot"])
    )
    other = UserFactory()
    Notification.objects.create(recipient=staff, kind="t", title="给我的通知", key="mine")
    Notification.objects.create(recipient=other, kind="t", title="别人的通知", key="theirs")
    GroupRobot.objects.create(
        name="北山群", area=tree.street_a, kind="wecom", webhook_url="https://example.invalid/a"
    )
    GroupRobot.objects.create(
        name="西溪群", area=tree.street_b, kind="wecom", webhook_url="https://example.invalid/b"
    )
    client = client_for(staff)

    notifications = client.get("/admin/notifications/notification/").content.decode()
    robots = client.get("/admin/notifications/grouprobot/").content.decode()

    assert "给我的通知" in notifications and "别人的通知" not in notifications
    assert "北山群" in robots and "西溪群" not in robots
