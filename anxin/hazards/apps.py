from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "anxin.hazards"
    verbose_name = _("Hazards")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from anxin.accounts.models import Membership
        from anxin.hazards.actions import grid_workers
        from anxin.hazards.deadlines import locality_limits
        from anxin.hazards.models import TimeLimit

        for signal in (post_save, post_delete):
            kind = "save" if signal is post_save else "delete"
            signal.connect(
                locality_limits.invalidate, sender=TimeLimit, dispatch_uid=f"limits-{kind}"
            )
            signal.connect(
                grid_workers.invalidate, sender=Membership, dispatch_uid=f"grid-workers-{kind}"
            )
