from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "anxin.residents"
    verbose_name = _("Residents")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from anxin.hazards.signals import hazard_changed
        from anxin.residents import receivers
        from anxin.residents.models import LocalityPolicy
        from anxin.residents.selectors import locality_policies

        for signal in (post_save, post_delete):
            signal.connect(
                locality_policies.invalidate,
                sender=LocalityPolicy,
                dispatch_uid=f"locality-policies-{signal is post_save}",
            )
        hazard_changed.connect(
            receivers.on_hazard_changed, dispatch_uid="anxin.residents.hazard_changed"
        )
