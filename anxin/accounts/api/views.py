from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from anxin.accounts.api.personal import PersonalDataAuditMixin
from anxin.accounts.api.serializers import MembershipSerializer, MeSerializer, UserSerializer
from anxin.accounts.models import Membership, User
from anxin.core.api.views import RestrictedReadOnlyViewSet


class UserViewSet(PersonalDataAuditMixin, RestrictedReadOnlyViewSet):
    """Users in the viewer's scope; residents' personal data masked."""

    scoped_queryset = User.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(is_active=True).select_related(
                "area", "organisation"
            ),
            to_attr="_prefetched_active_memberships",
        )
    ).order_by("id")
    serializer_class = UserSerializer
    filterset_fields = ["is_active"]


class MembershipViewSet(RestrictedReadOnlyViewSet):
    """Role bindings in the viewer's scope."""

    scoped_queryset = Membership.objects.select_related("area", "organisation").order_by("id")
    serializer_class = MembershipSerializer
    filterset_fields = ["role", "is_active"]


class MeView(generics.GenericAPIView):  # type: ignore[type-arg]
    """The logged-in user, with roles and scopes."""

    serializer_class = MeSerializer

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response(MeSerializer(user, context={"request": request}).data)
