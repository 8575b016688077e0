"""Safety tips: seeded, filtered by category, shown in the reader's language, public."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from anxin.knowledge.models import Article
from anxin.knowledge.selectors import articles_for_category
from anxin.taxonomy.models import Category
from anxin.testing.factories import ensure_taxonomy

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("anxin.knowledge.migrations.0002_seed_articles")


@pytest.fixture(autouse=True)
def no_articles() -> None:
    """Each test starts from its own articles (the seeded ones are tested apart)."""
    Article.objects.all().delete()


@pytest.fixture
def seeded() -> None:
    """The data migration's articles (a transactional test elsewhere may have
    flushed them; the seed is idempotent)."""
    ensure_taxonomy()
    seed_migration.seed(apps, None)


def article(slug: str, codes: list[str], **kwargs: Any) -> Article:
    ensure_taxonomy()
    values = {
        "title": f"标题{slug}",
        "body": "第一段。\n\n第二段。",
        "is_published": True,
        **kwargs,
    }
    made = Article.objects.create(slug=slug, **values)
    made.categories.set(Category.objects.filter(code__in=codes))
    return made


def slugs(queryset: Any) -> set[str]:
    return {a.slug for a in queryset}


def test_eight_articles_one_per_main_class(seeded: None) -> None:
    articles = Article.objects.filter(slug__in=[a["slug"] for a in seed_migration.ARTICLES])
    assert articles.count() == 8
    mains = set(
        Category.objects.filter(articles__in=articles, parent__isnull=True).values_list(
            "code", flat=True
        )
    )
    assert mains == {f"0{n}" for n in range(1, 9)}
    for a in articles:
        assert a.is_published and a.title and a.title_en and a.body and a.body_en
        assert len(a.paragraphs) >= 2


def test_filter_by_subclass_and_main_class() -> None:
    main = article("fire-general", ["01"])
    sub = article("e-bikes", ["0103"])
    other_sub = article("fire-exits", ["0102"])
    gas = article("gas", ["07"])
    article("draft", ["0103"], is_published=False)
    # a subclass: its own articles and those of its main class
    assert slugs(articles_for_category("0103")) == {main.slug, sub.slug}
    # a main class: its own and all of its subclasses'
    assert slugs(articles_for_category("01")) == {main.slug, sub.slug, other_sub.slug}
    assert slugs(articles_for_category("0701")) == {gas.slug}
    assert slugs(articles_for_category("9999")) == set()
    assert slugs(articles_for_category("")) == {main.slug, sub.slug, other_sub.slug, gas.slug}


def test_list_page_filters_and_is_public(client: Any) -> None:
    article("fire-general", ["01"], title="消防常识")
    article("e-bikes", ["0103"], title="电动车充电")
    article("gas", ["07"], title="燃气安全")
    response = client.get("/m/knowledge/", {"category": "0103"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "消防常识" in html and "电动车充电" in html
    assert "燃气安全" not in html
    main = client.get("/m/knowledge/?category=07").content.decode()
    assert "燃气安全" in main and "电动车充电" not in main
    unknown = client.get("/m/knowledge/?category=77")
    assert unknown.status_code == 200
    assert "77" in unknown.content.decode() and "field-error" in unknown.content.decode()


def test_article_page_escapes_and_splits_paragraphs(client: Any) -> None:
    article(
        "escape", ["02"], title="<b>标题</b>", body="<script>alert(1)</script>\n\n第二段\n第二行"
    )
    response = client.get("/m/knowledge/escape/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p>第二段<br>第二行</p>" in html
    assert client.get("/m/knowledge/no-such/").status_code == 404


def test_unpublished_article_is_not_shown(client: Any) -> None:
    article("draft", ["01"], is_published=False)
    assert client.get("/m/knowledge/draft/").status_code == 404
    assert "draft" not in client.get("/m/knowledge/").content.decode()


def test_english_fields_in_english(client: Any) -> None:
    article(
        "both", ["06"], title="暴雨避险", title_en="Heavy rain", body_en="Stay in.\n\nMove the car."
    )
    article("zh-only", ["06"], title="仅中文", title_en="")
    english = client.get("/m/knowledge/both/", HTTP_ACCEPT_LANGUAGE="en")
    html = english.content.decode()
    assert "Heavy rain" in html and "<p>Move the car.</p>" in html and "暴雨避险" not in html
    chinese = client.get("/m/knowledge/both/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "暴雨避险" in chinese and "Heavy rain" not in chinese
    # no English text: the Chinese is shown in English too
    fallback = client.get("/m/knowledge/zh-only/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "仅中文" in fallback
    with translation.override("en"):
        assert Article.objects.get(slug="both").display_title == "Heavy rain"


def test_api_is_public_and_filters(api_client: Any) -> None:
    article("fire-general", ["01"], title="消防常识", title_en="Fire basics", body_en="Hello.")
    article("gas", ["07"])
    article("draft", ["01"], is_published=False)
    response = api_client.get("/api/v1/articles/", {"category": "0103"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["slug"], r["display_title"], r["categories"]) for r in rows] == [
        ("fire-general", "Fire basics", ["01"])
    ]
    all_rows = api_client.get("/api/v1/articles/").json()["results"]
    assert {r["slug"] for r in all_rows} == {"fire-general", "gas"}
    assert api_client.get("/api/v1/articles/gas/").status_code == 200
    assert api_client.get("/api/v1/articles/draft/").status_code == 404
    assert api_client.post("/api/v1/articles/", {"slug": "x"}).status_code == 405
