"""Workbench pages of the hazard file (included at the site root)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _

from anxin.core.navigation import NavItem, register
from anxin.hazards import views

app_name = "hazards"


def _is_staff(user: Any) -> bool:
    return bool(user.is_superuser or not user.is_resident)


register(NavItem("hazards:list", _("Hazards"), visible=_is_staff, order=20))
register(NavItem("hazards:new", _("Report a hazard"), visible=_is_staff, order=30))

urlpatterns = [
    path("hazards/", views.hazard_list, name="list"),
    path("hazards/export.xlsx", views.hazard_export, name="export"),
    path("hazards/new/", views.hazard_new, name="new"),
    path("hazards/new/categories/", views.category_options, name="category_options"),
    path("hazards/new/duplicates/", views.duplicate_check, name="duplicates"),
    path("hazards/<int:pk>/", views.hazard_detail, name="detail"),
    path("hazards/<int:pk>/act/<slug:name>/", views.hazard_act, name="act"),
]
