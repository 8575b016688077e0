from __future__ import annotations

from django.urls import path

from anxin.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.mark_all_read, name="mark-all-read"),
    path("<int:pk>/read/", views.mark_read, name="mark-read"),
    path("preferences/", views.preferences, name="preferences"),
]
