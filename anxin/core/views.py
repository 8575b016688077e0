from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from anxin.accounts.selectors import is_resident_only
from anxin.core.selectors import broker_state, database_state


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; the broker's state is reported alongside.

    A broker that is down does not make the service unhealthy: reports are
    still accepted and background work goes out when the broker is back.
    """
    database = database_state()
    broker = broker_state()
    status = "ok" if database["ok"] and broker["ok"] else ("degraded" if database["ok"] else "down")
    return JsonResponse(
        {"status": status, "database": database, "broker": broker},
        status=200 if database["ok"] else 503,
    )


def home(request: HttpRequest) -> HttpResponse:
    """The role home (to-do queues) when logged in; otherwise the landing page.
    Residents have their phone app (/m/) instead."""
    if request.user.is_authenticated:
        if is_resident_only(request.user):
            return redirect("residents:home")
        from anxin.accounts.views import role_home

        return role_home(request)
    return render(request, "core/home.html")
