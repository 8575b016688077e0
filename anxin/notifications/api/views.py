from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from anxin.accounts.choices import Action
from anxin.core.api.views import RestrictedViewSetMixin
from anxin.notifications import actions, selectors
from anxin.notifications.api.serializers import (
    MarkReadSerializer,
    NotificationSerializer,
    UnreadCountSerializer,
)
from anxin.notifications.choices import Severity
from anxin.notifications.models import Notification


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="only unread (true) or read (false)"
    )
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, distinct=False)

    class Meta:
        model = Notification
        fields = ["unread", "severity", "kind"]


class NotificationViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The logged-in user's inbox: only their own notifications."""

    scoped_queryset = Notification.objects.order_by("-created_at", "-id")
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def scope_action(self) -> str:
        # Marking one's own notifications read is part of reading one's inbox.
        return Action.VIEW

    def get_queryset(self) -> QuerySet[Any]:
        # Even a superuser's inbox holds only their own notifications.
        return super().get_queryset().filter(recipient_id=self.request.user.pk)

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(request.user)})  # type: ignore[arg-type]

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        actions.mark_read(request.user, [notification.pk])  # type: ignore[arg-type]
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=MarkReadSerializer)
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request: Request) -> Response:
        return Response({"marked": actions.mark_read(request.user)})  # type: ignore[arg-type]
