from __future__ import annotations

from django.urls import path

from anxin.maps import views

app_name = "maps"

urlpatterns = [
    path("", views.map_page, name="index"),
    path("areas/", views.area_layer, name="areas"),
    path("data/", views.map_data, name="data"),
    path("heat/", views.map_heat, name="heat"),
]
