"""The floor for bench/hazard_api.py: the cheapest authenticated write this stack can
do, so that the cost of ``POST /api/v1/hazards/`` can be read as a multiple of it.

``POST /bench/minimal-insert`` is a REST API endpoint like ``/api/v1/hazards/``
(DRF view, the same authentication, JSON parsing, rendering and error handling)
that inserts one ``BenchRow`` in a transaction and answers 201 with its id: the
ratio isolates what reporting a hazard adds. ``POST /bench/minimal-insert-plain``
does the same in a bare Django view, for reference. The URLs exist only when
``settings.BENCH_ENDPOINTS`` is on (environment ``ANXIN_BENCH_ENDPOINTS=1``).
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
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from anxin.core.models import BenchRow


class MinimalInsert(APIView):
    """One row, through the same REST API stack as the hazard report."""

    def post(self, request: Request) -> Response:
        with transaction.atomic():
            row = BenchRow.objects.create(name=str(request.user.get_username())[:64])
        return Response({"id": row.pk}, status=201)


@csrf_exempt
@require_POST
def minimal_insert_plain(request: HttpRequest) -> JsonResponse:
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
    [
        path("minimal-insert", MinimalInsert.as_view(), name="bench-minimal-insert"),
        path("minimal-insert-plain", minimal_insert_plain, name="bench-minimal-insert-plain"),
    ]
    if settings.BENCH_ENDPOINTS
    else []
)
