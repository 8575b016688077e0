from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def is_staff_member(user: Any) -> bool:
    """Staff of the tree (every role but resident) see the map and org pages."""
    return bool(user.is_superuser or (user.roles - {"resident"}))


class MapsConfig(AppConfig):
    name = "anxin.maps"
    verbose_name = _("Map")

    def ready(self) -> None:
        from anxin.core import navigation

        navigation.register(
            navigation.NavItem("maps:index", _("Map"), visible=is_staff_member, order=30)
        )
        navigation.register(
            navigation.NavItem("org:tree", _("Organisation"), visible=is_staff_member, order=40)
        )
