"""In a real browser on a phone: the rating box swaps in its errors and then the
resident's rating (HTMX), the points page shows the balance, a campaign is
joined with one tap, and the safety tips filter by category."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from anxin.knowledge.models import Article
from anxin.points.models import Campaign, PointEntry
from anxin.ratings.models import Rating
from anxin.ratings.tests.helpers import closed
from anxin.taxonomy.models import Category
from anxin.testing.factories import Personas, Tree, ensure_taxonomy
from tests.browser.conftest import PHONE, shoot_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def logged_in(context: Any, live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context.new_page()


def shoot(page: Any, name: str) -> None:
    shoot_phone(page, f"resident-{name}")


def test_rate_on_the_phone_then_points_and_campaigns(phone: Any, live_server: Any) -> None:
    ensure_taxonomy()
    tree = Tree()
    personas = Personas(tree)
    resident = personas.resident
    resident.home_building = tree.building_a1a
    resident.save()
    hazard = closed(personas)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="楼道清理行动", area=tree.community_a1, starts_on=today, ends_on=today
    )
    page = logged_in(phone, live_server, resident)
    base = live_server.url

    page.goto(f"{base}/m/reports/{hazard.pk}/")
    page.wait_for_selector("#rating-form")
    stars = page.locator("#rating-form input[name=score]")
    assert stars.count() == 5
    # the labels are big enough to tap
    box = page.locator("#rating-form label[for=rating-score-4]").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    # sending without a score: the error appears inside the form, nothing stored
    page.fill("#rating-form textarea[name=comment]", "很好")
    page.locator("#rating-form button[type=submit]").tap()
    page.wait_for_selector("#rating-form .field-error")
    assert "Choose a score" in page.inner_text("#rating-form")
    assert page.input_value("#rating-form textarea[name=comment]") == "很好"
    assert not Rating.objects.exists()
    page.locator("#rating-form label[for=rating-score-4]").tap()
    shoot(page, "rating-form")
    # a score and send: the box turns into my rating, without a page load
    page.locator("#rating-form label[for=rating-score-4]").tap()
    page.locator("#rating-form button[type=submit]").tap()
    page.wait_for_selector("#my-rating")
    assert "4 of 5" in page.inner_text("#my-rating") and "很好" in page.inner_text("#my-rating")
    assert page.locator("#rating-form").count() == 0
    assert Rating.objects.get().score == 4
    shoot(page, "my-rating")

    page.goto(f"{base}/m/campaigns/")
    page.locator(f"#campaign-{campaign.pk} form.join-campaign button").tap()
    page.wait_for_selector(f"#campaign-{campaign.pk} .campaign-joined")
    shoot(page, "campaigns")

    page.goto(f"{base}/m/points/")
    # 10 for the report (fixed on the spot counts as verified), 2 for rating, 5 for joining
    assert page.inner_text("#points-balance").strip() == "17"
    assert page.locator("#points-ledger tbody tr").count() == 3
    assert sorted(PointEntry.objects.values_list("kind", "points")) == [
        ("campaign", 5),
        ("rating", 2),
        ("report_verified", 10),
    ]
    shoot(page, "points-ledger")

    # the safety tips of a subclass include those of its main class, in English
    fire = Article.objects.create(
        slug="fire-basics",
        title="消防常识",
        title_en="Fire basics",
        body="一",
        body_en="One",
        is_published=True,
    )
    fire.categories.set(Category.objects.filter(code="01"))
    gas = Article.objects.create(slug="gas", title="燃气", body="二", is_published=True)
    gas.categories.set(Category.objects.filter(code="07"))
    page.goto(f"{base}/m/knowledge/?category=0103")
    titles = page.locator("#knowledge-articles .knowledge-item h2").all_inner_texts()
    assert "Fire basics" in titles and "燃气" not in titles
    page.locator("#knowledge-articles a").first.tap()
    page.wait_for_selector("#knowledge-article")
    assert "One" in page.inner_text("#knowledge-article")
    shoot(page, "knowledge-article")
