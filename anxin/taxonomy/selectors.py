"""Reads of the taxonomy app."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from anxin.core.process_cache import ProcessCache
from anxin.taxonomy.models import Category


def _load_reportable() -> dict[str, Category]:
    return {c.code: c for c in active_subclasses()}


# Active subclasses by code, for every report (see anxin.core.process_cache).
reportable_categories: ProcessCache[dict[str, Category]] = ProcessCache(_load_reportable)


def reportable_category(code: str) -> Category | None:
    """The active subclass a report names, or None."""
    return reportable_categories.get().get(str(code))


def active_subclasses() -> QuerySet[Category]:
    """Subclasses a report may use: active, under an active main class, by code."""
    return (
        Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
        .select_related("parent")
        .order_by("code")
    )


def search_categories(text: str = "") -> QuerySet[Category]:
    """Active subclasses matching every word of ``text``, ordered by code.

    A word matches the code (prefix), the Chinese or English name, or the keywords
    (full pinyin, pinyin initials, synonyms) of the subclass or of its main class,
    case-insensitively. Empty text matches all active subclasses.
    """
    queryset = active_subclasses()
    for word in text.split():
        queryset = queryset.filter(
            Q(code__startswith=word)
            | Q(name_zh__icontains=word)
            | Q(name_en__icontains=word)
            | Q(keywords__icontains=word)
            | Q(parent__name_zh__icontains=word)
            | Q(parent__name_en__icontains=word)
            | Q(parent__keywords__icontains=word)
        )
    return queryset
