from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "anxin.outbox"
    verbose_name = _("Background work outbox")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from anxin.outbox.actions import hold_during_request, release_after_request

        request_started.connect(hold_during_request, dispatch_uid="outbox-hold")
        request_finished.connect(release_after_request, dispatch_uid="outbox-release")
