from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from anxin.areas.models import Area
from anxin.core.api.views import RestrictedViewSetMixin
from anxin.ratings import actions
from anxin.ratings.api.serializers import (
    RatingCreateSerializer,
    RatingSerializer,
    SatisfactionSerializer,
)
from anxin.ratings.models import Rating
from anxin.ratings.selectors import satisfaction


class RatingFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(method="filter_area", label="code of an area")
    mine = django_filters.BooleanFilter(method="filter_mine", label="only my own ratings")

    class Meta:
        model = Rating
        fields = ["hazard", "score", "area", "mine"]

    def filter_area(self, queryset: QuerySet[Rating], name: str, value: str) -> QuerySet[Rating]:
        path = Area.objects.filter(code=value).values_list("path", flat=True).first()
        return queryset.filter(hazard__area_path__startswith=path) if path else queryset.none()

    def filter_mine(self, queryset: QuerySet[Rating], name: str, value: bool) -> QuerySet[Rating]:
        user: Any = self.request.user if self.request is not None else None
        if value is None or user is None:
            return queryset
        return queryset.filter(rater_id=user.pk) if value else queryset.exclude(rater_id=user.pk)


class RatingViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Residents' ratings of closed hazards (满意度评价). Residents list their own;
    staff list those of hazards in their area. POST rates a closed hazard once
    (the reporter, a follower, or a resident of its building)."""

    scoped_queryset = Rating.objects.select_related("hazard")
    filterset_class = RatingFilter

    def scope_action(self) -> str:
        return "view"  # the action checks who may rate

    def get_queryset(self) -> QuerySet[Rating]:
        return super().get_queryset().order_by("-created_at", "-id")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return RatingCreateSerializer
        if self.action == "satisfaction":
            return SatisfactionSerializer
        return RatingSerializer

    @extend_schema(request=RatingCreateSerializer, responses={201: RatingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RatingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user: Any = request.user
        rating = actions.rate_hazard(data["hazard"], user, data["score"], data.get("comment", ""))
        body = RatingSerializer(rating, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=SatisfactionSerializer,
        parameters=[OpenApiParameter("area", str, description="code of an area")],
    )
    @action(detail=False, methods=["get"])
    def satisfaction(self, request: Request) -> Response:
        """Satisfaction over the ratings the caller may see (filters apply): how
        many, the mean score, and the share of 4 and 5."""
        figures = satisfaction(self.filter_queryset(self.get_queryset()))
        return Response(SatisfactionSerializer(figures.as_dict()).data)
