"""Workbench pages of the hazard file (included at the site root)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from anxin.accounts.selectors import is_staff_viewer
from anxin.core.navigation import NavItem, register
from anxin.hazards.views import file_page, list_page, report_page

app_name = "hazards"


register(NavItem("hazards:list", _("Hazards"), visible=is_staff_viewer, order=20))
register(NavItem("hazards:new", _("Report a hazard"), visible=is_staff_viewer, order=30))

urlpatterns = [
    path("hazards/", list_page.hazard_list, name="list"),
    path("hazards/export.xlsx", list_page.hazard_export, name="export"),
    path("hazards/new/", report_page.hazard_new, name="new"),
    path("hazards/new/categories/", report_page.category_options, name="category_options"),
    path("hazards/new/duplicates/", report_page.duplicate_check, name="duplicates"),
    path("hazards/<int:pk>/", file_page.hazard_detail, name="detail"),
    path("hazards/<int:pk>/act/<slug:name>/", file_page.hazard_act, name="act"),
]
