"""Login, logout and the role home page of the workbench."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from anxin.accounts import views
from anxin.core.navigation import NavItem, register

register(NavItem("role_home", _("Home"), order=10))

urlpatterns = [
    path("login/", views.WorkbenchLoginView.as_view(), name="login"),
    path("logout/", views.WorkbenchLogoutView.as_view(), name="logout"),
    path("home/", views.role_home, name="role_home"),
]
