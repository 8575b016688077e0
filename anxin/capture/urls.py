from __future__ import annotations

from django.urls import path

from anxin.capture import views

app_name = "capture"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/nearby/", views.nearby, name="nearby"),
    path("report/follow/", views.follow, name="follow"),
    path("report/submit/", views.submit, name="submit"),
    path("report/where/", views.where, name="where"),
    path("report/session/", views.session, name="session"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
