from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "anxin.ratings"
    verbose_name = _("Ratings")
