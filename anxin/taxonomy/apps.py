from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "anxin.taxonomy"
    verbose_name = _("Hazard taxonomy")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from anxin.taxonomy.models import Category
        from anxin.taxonomy.selectors import reportable_categories

        for signal in (post_save, post_delete):
            signal.connect(
                reportable_categories.invalidate,
                sender=Category,
                dispatch_uid=f"taxonomy-cache-{signal is post_save}",
            )
