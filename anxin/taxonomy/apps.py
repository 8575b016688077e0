from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "anxin.taxonomy"
    verbose_name = _("Hazard taxonomy")
