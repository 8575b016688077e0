from __future__ import annotations

from django.urls import path

from anxin.areas import views

app_name = "org"

urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("<str:code>/", views.org_node, name="node"),
]
