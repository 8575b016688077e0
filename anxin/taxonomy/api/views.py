from __future__ import annotations

from rest_framework import serializers, viewsets

from anxin.taxonomy.models import Category


class CategorySerializer(serializers.ModelSerializer[Category]):
    name = serializers.CharField(read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)

    class Meta:
        model = Category
        fields = [
            "code",
            "parent_code",
            "name",
            "name_zh",
            "name_en",
            "keywords",
            "risk_colour",
            "responsible_kind",
            "duplicate_radius_m",
            "duplicate_window_days",
            "required_fields",
            "deadline_policy",
            "deadline_days",
        ]
        read_only_fields = fields


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The hazard taxonomy. It is configuration, the same for every logged-in user."""

    unscoped_reason = "configuration shared by every user"
    queryset = Category.objects.filter(is_active=True).select_related("parent")
    serializer_class = CategorySerializer
    lookup_field = "code"
    pagination_class = None
    filterset_fields = ["risk_colour", "responsible_kind"]
