"""A resident on a phone (375×812, touch), in a real browser: signs up with a
one-time code, reports a hazard with a photo from the phone's location, is
offered to follow instead when a neighbour starts a second report nearby,
follows the file through closing (driven by staff through the REST API), rates
the rectification and sees the points earned. The public board then shows the
file with no unmasked name or mobile number and images without EXIF."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from rest_framework.test import APIClient

from anxin.accounts.models import User
from anxin.hazards.models import Hazard
from anxin.notifications.channels import sms
from anxin.points.models import PointEntry
from anxin.ratings.models import Rating
from anxin.testing.factories import TEST_PASSWORD
from anxin.testing.media import jpeg_bytes, photo
from tests.browser.conftest import phone_context as phone
from tests.browser.conftest import shoot_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "13912345678"
NAME = "赵安心"
PASSWORD = "Safe-home-2026"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def shoot(page: Any, name: str) -> None:
    shoot_phone(page, f"resident-{name}")


def sign_up(page: Any, base: str, building_id: int) -> None:
    page.goto(f"{base}/m/signup/")
    page.fill("#id_mobile", MOBILE)
    sent_before = len(sms.outbox)
    page.click("#send-code")
    page.wait_for_selector("#id_code")
    texts = [m["text"] for m in list(sms.outbox)[sent_before:] if m["to"] == MOBILE]
    assert texts, "no one-time code was sent"
    code = re.search(r"\d{6}", texts[-1])
    assert code is not None, texts[-1]
    page.fill("#id_code", code.group(0))
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.fill("#id_full_name", NAME)
    page.select_option("#id_home_building", str(building_id))
    shoot(page, "signup")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(f"{base}/m/")


def log_in(page: Any, base: str, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base}/m/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#m-login-form button[type=submit]")
    page.wait_for_url(f"{base}/m/")


def choose_category(page: Any, code: str) -> None:
    page.locator(f".class-tile[data-code='{code[:2]}']").tap()
    page.locator(f".category-tile[data-code='{code}']").tap()


def start_report(page: Any, base: str, code: str) -> None:
    page.goto(f"{base}/m/report/")
    page.wait_for_function(
        "() => document.querySelector('input[name=lat]') && "
        "document.querySelector('input[name=lat]').value !== ''"
    )
    choose_category(page, code)


def test_a_resident_reports_follows_rates_and_earns_points(
    browser: Any, live_server: Any, personas: Any, tree: Any, tmp_path: Path
) -> None:
    base = live_server.url
    found = tmp_path / "found.jpg"
    found.write_bytes(jpeg_bytes(colour=(200, 40, 40), size=(640, 480)))

    # --- sign up with a one-time code, home in building 1 of grid A1a
    context = phone(browser)
    page = context.new_page()
    sign_up(page, base, tree.building_a1a.pk)
    resident = User.objects.get(mobile=MOBILE)
    assert resident.full_name == NAME
    assert resident.home_building_id == tree.building_a1a.pk
    assert resident.roles == {"resident"}

    # --- three taps: photo, category (location from the phone), send
    start_report(page, base, "0101")
    page.set_input_files("#photo-input", str(found))
    page.fill("#id_description", "楼道里堆满纸箱，堵住了消防通道")
    shoot(page, "report")
    page.locator("#report-submit").tap()
    sent = page.wait_for_selector("#report-queue li[data-state=sent]")
    hazard = Hazard.objects.get()
    assert hazard.reporter_id == resident.pk
    assert hazard.source == "resident"
    assert hazard.grid_id == tree.grid_a1a.pk
    assert hazard.attachments.filter(phase="found").count() == 1
    assert hazard.code in sent.inner_text()

    # --- a neighbour starts a report of the same thing nearby and follows instead
    neighbour_context = phone(browser, {"latitude": 30.0151, "longitude": 120.0071})
    neighbour = neighbour_context.new_page()
    log_in(neighbour, base, personas.resident_b.username)
    start_report(neighbour, base, "0101")
    prompt = neighbour.wait_for_selector("#duplicate-prompt .follow-instead")
    shoot(neighbour, "duplicate-prompt")
    assert prompt.get_attribute("data-hazard") == str(hazard.pk)
    assert NAME not in neighbour.inner_text("#duplicate-prompt")
    assert MOBILE not in neighbour.content()
    prompt.tap()
    neighbour.wait_for_selector(f"#duplicate-prompt a[href='/m/reports/{hazard.pk}/']")
    assert hazard.followers.filter(pk=personas.resident_b.pk).exists()
    assert Hazard.objects.count() == 1
    neighbour.goto(f"{base}/m/")
    assert neighbour.locator(f"li.my-report[data-id='{hazard.pk}']").count() == 1
    neighbour_context.close()

    # --- staff move the file through the REST API: verify, rectify, fail, pass
    api = APIClient()

    def act(user: Any, name: str, **data: Any) -> None:
        api.force_authenticate(user)
        response = api.post(f"/api/v1/hazards/{hazard.pk}/{name}/", data, format="multipart")
        assert response.status_code == 200, (name, response.content[:300])

    act(personas.grid_worker, "verify")
    page.goto(f"{base}/m/")
    assert "核实" in page.inner_text(f"li.my-report[data-id='{hazard.pk}'] .status-plain")
    act(personas.property_manager, "accept")
    act(personas.property_manager, "rectify", attachments=[photo(colour=(40, 160, 60))])
    act(personas.safety_officer, "fail_recheck", reason="纸箱还没清完")
    act(personas.property_manager, "rectify", attachments=[photo(colour=(40, 170, 60))])
    act(personas.safety_officer, "pass_recheck")
    act(personas.safety_officer, "publicise")
    assert Hazard.objects.get(pk=hazard.pk).status == "closed"

    # --- the resident sees it closed, with the timeline residents may see
    page.goto(f"{base}/m/")
    assert "销号" in page.inner_text(f"li.my-report[data-id='{hazard.pk}'] .status-plain")
    page.goto(f"{base}/m/reports/{hazard.pk}/")
    timeline = page.inner_text("#resident-timeline")
    assert "纸箱还没清完" in timeline  # the reason of the failed recheck
    for staff in (personas.grid_worker, personas.safety_officer, personas.property_manager):
        assert staff.username not in page.content()

    # --- rates the rectification once, and sees the points
    page.locator("#rating-form label[for=rating-score-5]").tap()
    page.fill("#rating-form textarea[name=comment]", "处理得很快，谢谢")
    shoot(page, "rate")
    page.locator("#rating-form button[type=submit]").tap()
    page.wait_for_selector("#my-rating")
    assert "处理得很快" in page.inner_text("#my-rating")
    assert Rating.objects.filter(hazard=hazard, rater=resident, score=5).count() == 1
    assert page.locator("#rating-form").count() == 0

    page.goto(f"{base}/m/points/")
    expected = sum(PointEntry.objects.filter(user=resident).values_list("points", flat=True))
    assert set(PointEntry.objects.filter(user=resident).values_list("kind", flat=True)) == {
        "report_verified",
        "rating",
    }
    assert int(page.inner_text("#points-balance").strip()) == expected > 0
    assert page.locator("#points-ledger tbody tr").count() == 2
    shoot(page, "points")

    # --- the public board: the file, no unmasked personal data, no EXIF
    page.goto(f"{base}/m/board/?community={tree.community_a1.pk}")
    item = page.locator(".board-item", has_text=hazard.code)
    assert item.count() == 1
    html = page.content()
    assert NAME not in html and MOBILE not in html
    assert personas.resident_b.full_name not in html
    assert not re.search(r"1[3-9]\d{9}", page.inner_text("body"))
    shoot(page, "board")
    sources = item.locator("img").evaluate_all("imgs => imgs.map(i => i.src)")
    assert len(sources) >= 2  # before and after
    for src in sources:
        body = page.request.get(src).body()
        image = Image.open(io.BytesIO(body))
        assert not image.getexif(), src
        assert b"Exif" not in body[:4096], src
    context.close()
