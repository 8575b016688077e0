from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "anxin.areas"
    verbose_name = _("Org tree")

    def ready(self) -> None:
        from anxin.areas import signals  # noqa: F401
