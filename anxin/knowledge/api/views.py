from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from anxin.knowledge.models import Article
from anxin.knowledge.selectors import articles_for_category, published


class ArticleSerializer(serializers.ModelSerializer[Article]):
    """An article: both languages, plus ``display_*`` in the request's language
    (English when asked for and filled, else Chinese)."""

    categories: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    display_title = serializers.CharField(read_only=True)
    display_language = serializers.CharField(read_only=True)
    paragraphs = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "title",
            "title_en",
            "body",
            "body_en",
            "categories",
            "display_title",
            "display_language",
            "paragraphs",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "category",
                str,
                description="a 2-digit main class or 4-digit subclass code; a subclass "
                "also matches articles of its main class",
            )
        ]
    )
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Published safety tips (安全知识). Public: no login needed."""

    unscoped_reason = "published safety tips are public"
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = ArticleSerializer
    lookup_field = "slug"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Article]:
        if self.action == "list":
            return articles_for_category(self.request.query_params.get("category"))
        return published()
