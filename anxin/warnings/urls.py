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
]
