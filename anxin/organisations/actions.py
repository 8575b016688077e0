"""Writes of organisations (property companies and functional departments)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from anxin.areas.models import Area
from anxin.organisations.models import Organisation


def save_organisation(
    organisation: Organisation,
    *,
    served_areas: Iterable[Area] | None = None,
    actor: Any = None,
) -> Organisation:
    """Validate (``full_clean``) and save an organisation, and optionally set the
    areas it serves; raises ValidationError naming the field."""
    with transaction.atomic():
        organisation.full_clean()
        organisation.save()
        if served_areas is not None:
            organisation.served_areas.set(list(served_areas))
    return organisation
