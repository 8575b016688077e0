from __future__ import annotations

import re

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from anxin.taxonomy.models import Category

_BLANK_LINES = re.compile(r"\n\s*\n")


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


def paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs on blank lines (single line breaks kept)."""
    return [p.strip() for p in _BLANK_LINES.split(text.replace("\r\n", "\n")) if p.strip()]


class Article(models.Model):
    """A short safety tip (安全知识) for residents, in Chinese and (optionally) English.

    Bodies are plain text: paragraphs are separated by blank lines and shown
    escaped; no markup is interpreted."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=160, blank=True)
    body = models.TextField(
        _("text (Chinese)"), help_text=_("Plain text; separate paragraphs with a blank line.")
    )
    body_en = models.TextField(
        _("text (English)"),
        blank=True,
        help_text=_("Plain text; separate paragraphs with a blank line."),
    )
    categories = models.ManyToManyField(
        Category,
        verbose_name=_("hazard categories"),
        blank=True,
        related_name="articles",
        help_text=_(
            "Main classes or subclasses the article is about. An article of a main class "
            "is shown for all its subclasses."
        ),
    )
    is_published = models.BooleanField(_("published"), default=False)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("safety article")
        verbose_name_plural = _("safety articles")
        ordering = ["ordering", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", kwargs={"slug": self.slug})

    @property
    def shows_english(self) -> bool:
        """English is shown when the active language is English and both the
        English title and text are filled; otherwise the Chinese."""
        return _english() and bool(self.title_en.strip()) and bool(self.body_en.strip())

    @property
    def display_title(self) -> str:
        return self.title_en if self.shows_english else self.title

    @property
    def display_body(self) -> str:
        return self.body_en if self.shows_english else self.body

    @property
    def display_language(self) -> str:
        return "en" if self.shows_english else "zh-hans"

    @property
    def paragraphs(self) -> list[str]:
        return paragraphs(self.display_body)

    @property
    def summary(self) -> str:
        first = self.paragraphs[:1]
        return first[0] if first else ""
