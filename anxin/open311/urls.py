"""``/open311/v2/``: each resource answers ``.json`` and ``.xml`` (no extension:
JSON); anything else under the prefix is an Open311 404, never an HTML page."""

from __future__ import annotations

from django.urls import re_path

from anxin.open311 import views

app_name = "open311"

FORMAT = r"(?:\.(?P<fmt>[A-Za-z0-9]+))?"

urlpatterns = [
    re_path(r"^$", views.discovery, name="root"),
    re_path(rf"^discovery{FORMAT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FORMAT}$", views.services, name="services"),
    re_path(
        rf"^services/(?P<service_code>[^/.]+){FORMAT}$",
        views.service_definition,
        name="service-definition",
    ),
    re_path(rf"^requests{FORMAT}$", views.requests, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[^/.]+){FORMAT}$",
        views.request_detail,
        name="request",
    ),
    re_path(rf"^tokens/(?P<token>[^/.]+){FORMAT}$", views.token, name="token"),
    re_path(r"^.*$", views.not_found, name="not-found"),
]
