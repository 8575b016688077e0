from __future__ import annotations

from django.urls import URLPattern, path

from anxin.knowledge import views

app_name = "knowledge"
urlpatterns: list[URLPattern] = [
    path("knowledge/", views.article_list, name="list"),
    path("knowledge/<slug:slug>/", views.article_detail, name="article"),
]
