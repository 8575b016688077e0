from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from anxin.areas.api.serializers import (
    AreaDetailSerializer,
    AreaSerializer,
    PlaceSerializer,
    ResolveQuerySerializer,
)
from anxin.areas.choices import Level, PlaceKind
from anxin.areas.models import Area, Place
from anxin.areas.selectors import export_feature_collection, resolve_in_scope
from anxin.core.api.views import RestrictedReadOnlyViewSet


class AreaFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label="parent code")
    within = django_filters.CharFilter(method="filter_within", label="code of an ancestor")
    q = django_filters.CharFilter(method="filter_text", label="name or code")

    class Meta:
        model = Area
        fields = ["level", "parent", "within", "q"]

    def filter_within(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(path__contains=f"/{value}/")

    def filter_text(self, queryset: Any, name: str, value: str) -> Any:
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class AreaViewSet(RestrictedReadOnlyViewSet):
    """The org tree: district → street → community → grid → building → unit."""

    scoped_queryset = Area.objects.select_related("parent")
    filterset_class = AreaFilter
    lookup_field = "code"

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return AreaDetailSerializer if self.action == "retrieve" else AreaSerializer

    @extend_schema(
        summary="Export the visible part of the tree as GeoJSON",
        responses={200: dict},
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        response = Response(export_feature_collection(queryset))
        response["Content-Disposition"] = 'attachment; filename="areas.geojson"'
        return response

    @extend_schema(
        summary="Resolve a WGS-84 point to the areas containing it",
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lng", float, required=True),
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"], url_path="resolve")
    def resolve(self, request: Request) -> Response:
        params = ResolveQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = resolve_in_scope(
            request.user, params.validated_data["lat"], params.validated_data["lng"]
        )
        return Response(
            {
                "lat": params.validated_data["lat"],
                "lng": params.validated_data["lng"],
                "areas": found,
            }
        )


class PlaceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PlaceKind.choices)
    area = django_filters.CharFilter(method="filter_area", label="code of an enclosing area")

    class Meta:
        model = Place
        fields = ["kind", "area"]

    def filter_area(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(area__path__contains=f"/{value}/")


class PlaceViewSet(RestrictedReadOnlyViewSet):
    """Named places: schools, elderly centres, charging sheds, low-lying yards…"""

    scoped_queryset = Place.objects.select_related("area")
    serializer_class = PlaceSerializer
    filterset_class = PlaceFilter
