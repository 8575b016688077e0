from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from anxin.areas.models import Area
from anxin.core.api.views import RestrictedViewSetMixin
from anxin.warnings import actions
from anxin.warnings.api.serializers import (
    FloodWarningSerializer,
    NoteSerializer,
    WarningDetailSerializer,
    WarningEventSerializer,
    WarningListSerializer,
    WarningRuleSerializer,
)
from anxin.warnings.choices import RuleKind, WarningLevel, WarningStatus
from anxin.warnings.models import RiskWarning, WarningRule
from anxin.warnings.selectors import timeline

RULE_FIELDS = (
    "area",
    "kind",
    "category",
    "min_count",
    "radius_m",
    "window_days",
    "cluster_within",
    "threshold",
    "count_per",
    "is_active",
)


class WarningFilter(django_filters.FilterSet):
    level = django_filters.MultipleChoiceFilter(choices=WarningLevel.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=WarningStatus.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=RuleKind.choices, distinct=False)
    area = django_filters.CharFilter(method="filter_area", label="code of an area")

    class Meta:
        model = RiskWarning
        fields = ["level", "status", "kind", "area"]

    def filter_area(
        self, queryset: QuerySet[RiskWarning], name: str, value: str
    ) -> QuerySet[RiskWarning]:
        path = Area.objects.filter(code=value).values_list("path", flat=True).first()
        return queryset.filter(area__path__startswith=path) if path else queryset.none()


class WarningViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Warnings (预警): list, detail, timeline, acknowledge, resolve; flood warnings."""

    scoped_queryset = RiskWarning.objects.all()
    filterset_class = WarningFilter

    def get_queryset(self) -> QuerySet[RiskWarning]:
        queryset = (
            super().get_queryset().select_related("area", "acknowledged_by", "resolved_by", "rule")
        )
        return queryset.annotate(hazard_count=Count("links", distinct=True)).order_by(
            "-raised_at", "-id"
        )

    def scope_action(self) -> str:
        # acknowledge/resolve check their own scope (change) inside the action
        if self.action in ("acknowledge", "resolve", "flood"):
            return "view"
        return super().scope_action()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return WarningListSerializer
        if self.action in ("acknowledge", "resolve"):
            return NoteSerializer
        if self.action == "flood":
            return FloodWarningSerializer
        return WarningDetailSerializer

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        warning = self.get_queryset().get(pk=pk)
        data = WarningDetailSerializer(warning, context=self.get_serializer_context()).data
        return Response(data, status=code)

    @extend_schema(responses=WarningEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        warning = self.get_object()
        return Response(WarningEventSerializer(timeline(warning), many=True).data)

    @extend_schema(request=NoteSerializer, responses=WarningDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        warning = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user: Any = request.user
        actions.acknowledge(warning, user, note=serializer.validated_data.get("note", ""))
        return self._detail(warning.pk)

    @extend_schema(request=NoteSerializer, responses=WarningDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        warning = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user: Any = request.user
        actions.resolve(warning, user, note=serializer.validated_data.get("note", ""))
        return self._detail(warning.pk)

    @extend_schema(
        request=FloodWarningSerializer,
        responses={201: WarningDetailSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, location="header", required=False)],
    )
    @action(detail=False, methods=["post"])
    def flood(self, request: Request) -> Response:
        serializer = FloodWarningSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user: Any = request.user
        warning, created = actions.raise_flood_warning(
            data["area"],
            user,
            data["message"],
            radius_m=data.get("radius_m"),
            key=request.headers.get("Idempotency-Key") or None,
        )
        return self._detail(warning.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class WarningRuleViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Warning rules: street admins set them for their street (district admins for
    the district). Rules set above are listed too: they are in force below."""

    scoped_queryset = WarningRule.objects.select_related("area", "category", "created_by")
    serializer_class = WarningRuleSerializer
    filterset_fields = ["kind", "is_active"]

    def scope_action(self) -> str:
        # Who may change a rule is checked by the action (own street or district).
        return "view"

    @staticmethod
    def _input(request: Request) -> dict[str, Any]:
        raw: Any = request.data
        return {name: raw[name] for name in RULE_FIELDS if name in raw}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: Any = request.user
        rule = actions.create_rule(user, self._input(request))
        return Response(
            WarningRuleSerializer(rule, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        user: Any = request.user
        updated = actions.update_rule(rule, user, self._input(request))
        return Response(WarningRuleSerializer(updated, context=self.get_serializer_context()).data)
