from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import serializers

from anxin.core.api.views import RestrictedReadOnlyViewSet
from anxin.organisations.choices import OrganisationKind
from anxin.organisations.models import Organisation


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    served_area_codes: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        source="served_areas", many=True, read_only=True, slug_field="code"
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "code",
            "contact_name",
            "contact_phone",
            "address",
            "served_area_codes",
            "is_active",
        ]
        read_only_fields = fields


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["kind", "is_active"]


class OrganisationViewSet(RestrictedReadOnlyViewSet):
    """Property companies and functional departments."""

    scoped_queryset = Organisation.objects.prefetch_related("served_areas")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
