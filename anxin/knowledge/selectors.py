"""Reads of the safety articles."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from anxin.knowledge.models import Article
from anxin.taxonomy.models import Category


def published() -> QuerySet[Article]:
    return Article.objects.filter(is_published=True).prefetch_related("categories")


def articles_for_category(code: str | None) -> QuerySet[Article]:
    """Published articles about a category code. A main class (2 digits)
    matches articles of the class and of any of its subclasses; a subclass
    (4 digits) matches its own articles and those of its main class. No code:
    every published article. An unknown code: none."""
    articles = published()
    code = (code or "").strip()
    if not code:
        return articles
    category = Category.objects.filter(code=code).select_related("parent").first()
    if category is None:
        return articles.none()
    if category.is_main_class:
        match = Q(categories=category) | Q(categories__parent=category)
    else:
        match = Q(categories=category)
        if category.parent_id:
            match |= Q(categories=category.parent_id)
    ids = Article.objects.filter(match).values("pk")
    return articles.filter(pk__in=ids)


def article(slug: str) -> Article | None:
    return published().filter(slug=slug).first()


def main_classes() -> QuerySet[Category]:
    """The main classes, for the filter chips."""
    return Category.objects.filter(parent__isnull=True, is_active=True).order_by("ordering", "code")
