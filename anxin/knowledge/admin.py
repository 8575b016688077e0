from __future__ import annotations

from django.contrib import admin

from anxin.knowledge.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "title_en", "slug", "is_published", "ordering", "updated_at")
    list_filter = ("is_published", "categories")
    list_editable = ("is_published", "ordering")
    search_fields = ("title", "title_en", "body", "body_en", "slug")
    prepopulated_fields = {"slug": ("title_en",)}
    filter_horizontal = ("categories",)
