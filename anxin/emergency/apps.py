from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "anxin.emergency"
    label = "emergency"
    verbose_name = _("Emergency readiness")

    def ready(self) -> None:
        from anxin.core import navigation
        from anxin.emergency import receivers, tasks  # noqa: F401  (registers the tasks)
        from anxin.emergency.selectors import may_see_emergency
        from anxin.warnings.signals import warning_raised

        warning_raised.connect(
            receivers.on_warning_raised, dispatch_uid="anxin.emergency.on_warning_raised"
        )
        navigation.register(
            navigation.NavItem(
                url_name="emergency:index",
                label=_("Emergency"),
                visible=may_see_emergency,
                order=45,
            )
        )
