"""Workbench pages of warnings (included at /warnings/)."""

from __future__ import annotations

from django.urls import path

from anxin.warnings import views

app_name = "warnings"

urlpatterns = [
    path("", views.warning_list, name="list"),
    path("<int:pk>/", views.warning_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.warning_acknowledge, name="acknowledge"),
    path("<int:pk>/resolve/", views.warning_resolve, name="resolve"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/params/", views.rule_params, name="rule_params"),
    path("rules/preview/", views.rule_preview, name="rule_preview"),
    path("rules/defaults/", views.rule_defaults, name="rule_defaults"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("flood/new/", views.flood_new, name="flood_new"),
]
