"""Pages: the inbox, the badge partial (polled by HTMX) and preferences."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from anxin.core.pages import scoped, unscoped
from anxin.notifications import actions, selectors
from anxin.notifications.forms import PreferenceForm
from anxin.notifications.models import Notification


@scoped(Notification, "view", argument="notifications", where=selectors.own)
@require_GET
def inbox(request: HttpRequest, notifications: QuerySet[Notification]) -> HttpResponse:
    user: Any = request.user
    only_unread = request.GET.get("unread") == "1"
    notifications = notifications.order_by("-created_at", "-id")
    if only_unread:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "only_unread": only_unread, "unread": selectors.unread_count(user)},
    )


@unscoped("the badge's count is notifications.selectors.unread_count, the user's own inbox")
@never_cache
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The badge alone, for HTMX polling (anonymous visitors get an empty badge)."""
    return render(request, "notifications/badge.html")


@scoped(Notification, "view", argument="notification", lookup="pk", where=selectors.own)
@require_POST
def mark_read(request: HttpRequest, notification: Notification) -> HttpResponse:
    user: Any = request.user
    actions.mark_read(user, [notification.pk])
    notification.refresh_from_db()
    if request.headers.get("HX-Request"):
        response = render(request, "notifications/_item.html", {"n": notification})
        response["HX-Trigger"] = "notifications-changed"
        return response
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@unscoped("marks the user's own notifications read (notifications.actions.mark_read)")
@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = actions.mark_read(request.user)  # type: ignore[arg-type]
    messages.success(request, _("%(count)s notification(s) marked read.") % {"count": count})
    return redirect("notifications:inbox")


@unscoped("the user's own notification preferences")
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    preference = actions.preference_for(user)
    if request.method == "POST":
        form = PreferenceForm(request.POST, instance=preference, user=user)
        if form.is_valid():
            with transaction.atomic():
                email = form.cleaned_data.get("email") or ""
                if email != user.email:
                    user.email = email
                    user.save(update_fields=["email"])
                form.instance.user = user
                form.save()
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
        status = 400
    else:
        form = PreferenceForm(instance=preference, user=user)
        status = 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
