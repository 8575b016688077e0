from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarningsConfig(AppConfig):
    name = "anxin.warnings"
    label = "warnings"
    verbose_name = _("Warnings")

    def ready(self) -> None:
        from anxin.core import navigation
        from anxin.hazards.signals import hazard_changed
        from anxin.warnings import receivers, tasks  # noqa: F401  (registers the tasks)
        from anxin.warnings.selectors import may_see_warnings

        hazard_changed.connect(
            receivers.on_hazard_changed, dispatch_uid="anxin.warnings.on_hazard_changed"
        )
        navigation.register(
            navigation.NavItem(
                url_name="warnings:list", label=_("Warnings"), visible=may_see_warnings, order=40
            )
        )
