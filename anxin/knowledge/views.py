"""Safety tips (安全知识) in the phone app: public, no login."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anxin.core.pages import unscoped
from anxin.knowledge.selectors import article, articles_for_category, main_classes
from anxin.taxonomy.models import Category


@unscoped("safety tips are public")
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """All published articles, or those of ``?category=<2- or 4-digit code>``."""
    code = request.GET.get("category", "").strip()
    category = Category.objects.filter(code=code).first() if code else None
    error = ""
    if code and category is None:
        error = _("There is no hazard category with the code %(code)s.") % {"code": code[:8]}
    return render(
        request,
        "knowledge/list.html",
        {
            "articles": list(articles_for_category(code)) if not error else [],
            "category": category,
            "main_classes": list(main_classes()),
            "selected_code": code if category else "",
            "error": error,
        },
        status=200,
    )


@unscoped("safety tips are public")
@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    found = article(slug)
    if found is None:
        raise Http404(_("No such article."))
    return render(
        request,
        "knowledge/article.html",
        {"article": found, "categories": list(found.categories.order_by("code"))},
    )
