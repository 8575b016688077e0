"""Automatic dispatch: which organisation rectifies a hazard.

The subclass says which kind of organisation is responsible (property company,
fire, gas…). Among organisations of that kind, the one serving the area nearest
to the hazard wins: building, then grid, community, street, district.
Organisations that returned the hazard are passed over on re-dispatch.
"""

from __future__ import annotations

from collections.abc import Iterable

from anxin.hazards.models import Hazard
from anxin.organisations.models import Organisation


def responsible_organisation(hazard: Hazard, exclude: Iterable[int] = ()) -> Organisation | None:
    kind = hazard.category.responsible_kind
    if not kind:
        return None
    codes = [c for c in hazard.area_path.strip("/").split("/") if c]
    candidates = (
        Organisation.objects.filter(kind=kind, is_active=True, served_areas__code__in=codes)
        .exclude(pk__in=list(exclude))
        .values_list("pk", "served_areas__code")
    )
    best: tuple[int, int] | None = None  # (depth of served area, organisation id)
    for pk, code in candidates:
        depth = codes.index(code)
        if best is None or depth > best[0] or (depth == best[0] and pk < best[1]):
            best = (depth, pk)
    return Organisation.objects.get(pk=best[1]) if best else None
