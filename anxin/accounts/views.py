"""Workbench login (username or mobile number), logout and the role home page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Role
from anxin.accounts.selectors import is_resident_only


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
    next_page = "login"


def role_home(request: HttpRequest) -> HttpResponse:
    """The user's to-do queues with counts, each a link to the filtered list."""
    from anxin.hazards.views import queue_counts

    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path(), "login")
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
    staff = user.is_superuser or not user.is_resident
    return render(
        request,
        "accounts/home.html",
        {"queues": queue_counts(user), "places": places, "staff": staff},
    )
