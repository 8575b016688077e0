from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "anxin.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from anxin.hazards.signals import hazard_changed
        from anxin.notifications import receivers, tasks  # noqa: F401  (registers the tasks)

        hazard_changed.connect(
            receivers.on_hazard_changed, dispatch_uid="anxin.notifications.hazard_changed"
        )
        # The inbox is reached through the badge on every page, not the main nav.
