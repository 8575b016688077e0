"""Workbench login (username or mobile number), logout and the role home page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Role
from anxin.accounts.selectors import is_resident_only, is_staff_viewer
from anxin.core.pages import scoped, unscoped
from anxin.hazards.models import Hazard
from anxin.hazards.selectors import queue_counts


class WorkbenchLoginForm(AuthenticationForm):
    """Says so when a login name is locked out instead of blaming the password."""

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username or mobile number")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})

    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, "anxin_locked_out", False):
            return ValidationError(
                _("Too many failed logins with this name. Try again in %(minutes)d minutes."),
                code="locked_out",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        return ValidationError(
            _("The username (or mobile number) or the password is wrong."), code="invalid_login"
        )


class WorkbenchLoginView(LoginView):
    unscoped_reason = "logging in reads only the user's own account"
    template_name = "accounts/login.html"
    form_class = WorkbenchLoginForm
    redirect_authenticated_user = True
    next_page = "home"

    def get_default_redirect_url(self) -> str:
        """Residents go to their phone app (/m/) unless a ``next`` page was asked for."""
        if is_resident_only(self.request.user):
            return reverse("residents:home")
        return super().get_default_redirect_url()


class WorkbenchLogoutView(LogoutView):
    unscoped_reason = "logging out reads nothing"
    next_page = "login"


@scoped(Hazard, "view", argument="hazards")
def role_home(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    """The user's to-do queues with counts, each a link to the filtered list."""
    user: Any = request.user
    memberships = user.active_memberships()
    places = [
        {
            "role": Role(m.role).label,
            "where": (m.area.name if m.area else "")
            or (m.organisation.name if m.organisation else ""),
        }
        for m in memberships
    ]
    list_url = reverse("hazards:list")
    queues = [
        {"name": q.name, "label": q.label, "count": count, "url": f"{list_url}?queue={q.name}"}
        for q, count in queue_counts(hazards, user)
    ]
    return render(
        request,
        "accounts/home.html",
        {"queues": queues, "places": places, "staff": is_staff_viewer(user)},
    )


@unscoped("the landing page; a logged-in user's queues are role_home's")
def home(request: HttpRequest) -> HttpResponseBase:
    """The role home (to-do queues) when logged in; otherwise the landing page.
    Residents have their phone app (/m/) instead."""
    if request.user.is_authenticated:
        if is_resident_only(request.user):
            return redirect("residents:home")
        return role_home(request)
    return render(request, "accounts/landing.html")
