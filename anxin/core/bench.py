"""The floor for bench/hazard_api.py: the cheapest authenticated write this stack can
do, so that the cost of ``POST /api/v1/hazards/`` can be read as a multiple of it.

``POST /bench/minimal-insert`` authenticates the API token the same way the REST API
does (DRF ``TokenAuthentication``), inserts one ``BenchRow`` in a transaction and
answers 201 with its id. The URL exists only when ``settings.BENCH_ENDPOINTS`` is on
(environment ``ANXIN_BENCH_ENDPOINTS=1``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from anxin.core.models import BenchRow


@csrf_exempt
@require_POST
def minimal_insert(request: HttpRequest) -> JsonResponse:
    try:
        found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed as exc:
        return JsonResponse({"detail": str(exc.detail)}, status=401)
    if found is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    user = found[0]
    with transaction.atomic():
        row = BenchRow.objects.create(name=user.get_username()[:64])
    return JsonResponse({"id": row.pk}, status=201)


urlpatterns: list[URLPattern] = (
    [path("minimal-insert", minimal_insert, name="bench-minimal-insert")]
    if settings.BENCH_ENDPOINTS
    else []
)
