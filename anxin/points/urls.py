from __future__ import annotations

from django.urls import URLPattern, path

from anxin.points import views

app_name = "points"
urlpatterns: list[URLPattern] = [
    path("points/", views.ledger_page, name="ledger"),
    path("campaigns/", views.campaigns_page, name="campaigns"),
    path("campaigns/<int:pk>/join/", views.join, name="join"),
]
