from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from anxin.areas import spatial
from anxin.areas.models import Area, AreaTreeVersion, Place


@receiver(post_save, sender=Area)
@receiver(post_delete, sender=Area)
@receiver(post_save, sender=Place)
@receiver(post_delete, sender=Place)
def bump_tree_version(sender: type[Area] | type[Place], **kwargs: Any) -> None:
    """Move the tree's version so every process rebuilds its spatial index
    (areas and named places)."""
    updated = AreaTreeVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        AreaTreeVersion.objects.get_or_create(pk=1, defaults={"version": 1})
    # Drop this process's index now (later reads in this transaction see the
    # change) and again on commit. After a rollback the stored version differs
    # from the database's, so the index is rebuilt at the next periodic check.
    spatial.invalidate()
    transaction.on_commit(spatial.invalidate)
