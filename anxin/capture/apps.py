from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptureConfig(AppConfig):
    name = "anxin.capture"
    verbose_name = _("Phone and offline capture")
