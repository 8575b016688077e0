from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from anxin.core.pages import unscoped
from anxin.core.selectors import broker_state, database_state


@unscoped("the service's own health, no rows of anyone")
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
