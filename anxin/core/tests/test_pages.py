"""Scoping for pages (``anxin.core.pages``): a view receives the rows of its
model the user may see, or the one the URL names, or a 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory
from django.views.generic import DetailView

from anxin.areas.models import Area
from anxin.core.pages import ScopedViewMixin, scoped

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return str(response.content.decode())


def request_as(user: Any) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user if user is not None else AnonymousUser()
    return request


@scoped(Area, "view", argument="areas")
def area_codes(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    return HttpResponse(",".join(sorted(areas.values_list("code", flat=True))))


@scoped(Area, "view", argument="area", lookup="code")
def area_name(request: HttpRequest, area: Area) -> HttpResponse:
    return HttpResponse(area.name)


@scoped(Area, "view", argument="areas", where=lambda areas, user: Area.objects.all())
def wider(request: HttpRequest, areas: QuerySet[Area]) -> HttpResponse:
    return HttpResponse(",".join(sorted(areas.values_list("code", flat=True))))


class AreaPage(ScopedViewMixin, DetailView):  # type: ignore[type-arg]
    scoped_model = Area
    scope_lookup = "pk"

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        return HttpResponse(self.object.name)


def test_a_list_view_receives_only_the_rows_in_scope(tree: Any, personas: Any) -> None:
    body = text(area_codes(request_as(personas.grid_worker)))

    assert body.split(",") == [tree.grid_a1a.code, tree.building_a1a.code]


def test_a_detail_view_receives_its_row_or_answers_404(tree: Any, personas: Any) -> None:
    grid_worker = request_as(personas.grid_worker)

    assert text(area_name(grid_worker, code=tree.grid_a1a.code)) == "第一网格"
    with pytest.raises(Http404):
        area_name(grid_worker, code=tree.grid_a1b.code)  # the neighbouring grid


def test_narrowing_the_rows_cannot_reach_past_the_scope(tree: Any, personas: Any) -> None:
    body = text(wider(request_as(personas.grid_worker)))

    assert body.split(",") == [tree.grid_a1a.code, tree.building_a1a.code]


def test_an_anonymous_visitor_is_sent_to_log_in(tree: Any) -> None:
    response = area_codes(request_as(None))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_class_view_gets_the_same_scoping(tree: Any, personas: Any) -> None:
    view = AreaPage.as_view()
    grid_worker = request_as(personas.grid_worker)

    assert text(view(grid_worker, pk=tree.grid_a1a.pk)) == "第一网格"
    with pytest.raises(Http404):
        view(grid_worker, pk=tree.street_b.pk)
    scope = AreaPage.page_scope()
    assert (scope.model, scope.action, scope.lookup) == (Area, "view", "pk")
