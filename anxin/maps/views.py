"""The map page and its JSON endpoints (base layer, markers, heat cells)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anxin.areas.models import Area
from anxin.core.pages import scoped, unscoped
from anxin.hazards.choices import RiskColour, Status
from anxin.hazards.models import Hazard
from anxin.maps import selectors
from anxin.maps.forms import MapFilterForm

# The hazard file page (anxin.hazards); the map links to it by id.
HAZARD_URL = "/hazards/{id}/"


def _bad_filters(form: MapFilterForm) -> JsonResponse:
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return JsonResponse({"errors": errors}, status=400)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@unscoped("the page's frame; its data comes from area_layer, map_data and map_heat")
@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    form = MapFilterForm(request.GET or None)
    config: dict[str, Any] = {
        "areasUrl": reverse("maps:areas"),
        "dataUrl": reverse("maps:data"),
        "heatUrl": reverse("maps:heat"),
        "hazardUrl": HAZARD_URL,
        "tileUrl": settings.MAP_TILE_URL or "",
        "tileSubdomains": settings.MAP_TILE_SUBDOMAINS,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "tileCrs": settings.MAP_TILE_CRS,
        "statusLabels": {value: str(label) for value, label in Status.choices},
        "colourLabels": {value: str(label) for value, label in RiskColour.choices},
    }
    text = {
        "open_file": _("Open the hazard file"),
        "shown": _("%(count)s hazards on the map."),
        "truncated": _("Only the latest are shown: narrow the filters."),
        "cell_count": _("%(count)s hazards in this cell"),
        "load_failed": _("The map data could not be loaded."),
    }
    return render(
        request,
        "maps/map.html",
        {
            "form": form,
            "map_config": config,
            "map_text": {key: str(value) for key, value in text.items()},
            "colours": RiskColour.choices,
        },
    )


@scoped(Area, "view", argument="areas")
@require_GET
def area_layer(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    """The org tree's polygons the user may see, as GeoJSON (WGS-84)."""
    collection = selectors.area_feature_collection(areas, request.user)
    return _private(
        HttpResponse(
            json.dumps(collection, ensure_ascii=False), content_type="application/geo+json"
        )
    )


@scoped(Hazard, "view", argument="hazards")
@require_GET
def map_data(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    """Markers: ``rows`` of ``[id, lat, lng, colour, status, code, title]``."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return _bad_filters(form)
    rows, truncated = selectors.marker_rows(hazards, form.filters())
    return _private(
        JsonResponse(
            {
                "columns": ["id", "lat", "lng", "colour", "status", "code", "title"],
                "rows": rows,
                "count": len(rows),
                "truncated": truncated,
            },
            json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
        )
    )


@scoped(Hazard, "view", argument="hazards")
@require_GET
def map_heat(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    """Visible hazards per H3 cell: ``res`` (7 or 9) or else chosen by ``zoom``."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return _bad_filters(form)
    resolution = form.cleaned_data.get("res") or selectors.heat_resolution(
        form.cleaned_data.get("zoom")
    )
    cells = selectors.heat_cells(hazards, form.filters(), resolution)
    return _private(
        JsonResponse(
            {
                "resolution": resolution,
                "cells": cells,
                "total": sum(c["count"] for c in cells),
                "max": max((c["count"] for c in cells), default=0),
            },
            json_dumps_params={"separators": (",", ":")},
        )
    )
