from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "anxin.points"
    verbose_name = _("Points")

    def ready(self) -> None:
        from anxin.hazards.signals import hazard_changed
        from anxin.points import receivers

        hazard_changed.connect(
            receivers.on_hazard_changed, dispatch_uid="anxin.points.on_hazard_changed"
        )
