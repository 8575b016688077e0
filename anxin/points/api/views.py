from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from anxin.core.api.views import RestrictedViewSetMixin
from anxin.points import actions
from anxin.points.api.serializers import (
    BalanceSerializer,
    CampaignSerializer,
    JoinedSerializer,
    PointEntrySerializer,
)
from anxin.points.choices import PointKind
from anxin.points.models import Campaign, CampaignParticipation, PointEntry
from anxin.points.selectors import balance


class PointEntryViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The caller's own points ledger (积分台账), newest first. Everyone, staff
    included, sees only their own: points are a person's own business, and
    staff work with participation figures, not with residents' ledgers."""

    scoped_queryset = PointEntry.objects.select_related("hazard", "campaign")
    serializer_class = PointEntrySerializer
    filterset_fields = ["kind"]

    def get_queryset(self) -> QuerySet[PointEntry]:
        return super().get_queryset().order_by("-created_at", "-id")

    @extend_schema(responses=BalanceSerializer)
    @action(detail=False, methods=["get"])
    def balance(self, request: Request) -> Response:
        """The caller's balance: the sum of their ledger."""
        user: Any = request.user
        entries = self.get_queryset().count()
        return Response(BalanceSerializer({"balance": balance(user), "entries": entries}).data)


class CampaignFilter(django_filters.FilterSet):
    running = django_filters.BooleanFilter(method="filter_running", label="running today")

    class Meta:
        model = Campaign
        fields = ["area", "is_active", "running"]

    def filter_running(
        self, queryset: QuerySet[Campaign], name: str, value: bool | None
    ) -> QuerySet[Campaign]:
        if value is None:
            return queryset
        today = timezone.localdate()
        running = queryset.filter(is_active=True, starts_on__lte=today, ends_on__gte=today)
        return running if value else queryset.exclude(pk__in=running.values("pk"))


class CampaignViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Special campaigns (专项行动). Residents see those of their home street and
    the ones they joined; staff those in their area. A resident living in the
    campaign's area joins it while it runs, once, and earns its points."""

    scoped_queryset = Campaign.objects.select_related("area")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def scope_action(self) -> str:
        return "view"  # joining checks its own rules

    def get_queryset(self) -> QuerySet[Campaign]:
        return (
            super()
            .get_queryset()
            .annotate(participant_count=Count("participations"))
            .order_by("-starts_on", "-id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        user: Any = self.request.user
        context["joined_ids"] = set(
            CampaignParticipation.objects.filter(user_id=user.pk).values_list(
                "campaign_id", flat=True
            )
        )
        return context

    @extend_schema(request=None, responses={201: JoinedSerializer})
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str | None = None) -> Response:
        user: Any = request.user
        participation = actions.join_campaign(self.get_object().pk, user)
        entry = PointEntry.objects.filter(
            user=user, kind=PointKind.CAMPAIGN, campaign_id=participation.campaign_id
        ).first()
        campaign = self.get_queryset().get(pk=participation.campaign_id)
        body = JoinedSerializer(
            {
                "campaign": campaign,
                "points_awarded": entry.points if entry else None,
                "balance": balance(user),
            },
            context=self.get_serializer_context(),
        ).data
        return Response(body, status=status.HTTP_201_CREATED)
