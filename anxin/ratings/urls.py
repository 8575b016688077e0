from __future__ import annotations

from django.urls import URLPattern, path

from anxin.ratings import views

app_name = "ratings"
urlpatterns: list[URLPattern] = [
    path("reports/<int:pk>/rate/", views.rate, name="rate"),
]
