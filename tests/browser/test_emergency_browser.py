"""A rainstorm warning from the weather service to the after-action review, in a
real browser: the district admin imports the CAP file; the flood warning reaches
a resident near the low-lying yard (inbox on the phone, and the SMS log); the
street admin starts the flood plan at level II, issues 20 sandbags from the
store (the stock falls and the resources board shows it), closes the response,
and the review is due within 24 hours. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from anxin.emergency.models import EmergencyResponse, ResponseReview, SupplyItem
from anxin.emergency.samples import weather_cap
from anxin.emergency.testing import Readiness
from anxin.notifications.channels import sms
from anxin.testing.factories import TEST_PASSWORD
from tests.browser.conftest import SCREENSHOTS, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def login(browser: Any, base: str, username: str, context: Any = None) -> Any:
    context = context or browser.new_context(locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    return page


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"emergency-{name}.png"), full_page=True)


def test_a_rainstorm_warning_runs_the_flood_plan_through_the_pages(
    browser: Any, live_server: Any, tree: Any, personas: Any, tmp_path: Path
) -> None:
    base = live_server.url
    ready = Readiness(tree, personas)
    sms.outbox.clear()
    cap_file = tmp_path / "rainstorm.xml"
    cap_file.write_bytes(
        weather_cap(identifier="hz-browser-1", area_code=tree.district.code, area_name="西湖区")
    )

    # --- the district admin imports the weather service's CAP file
    district = login(browser, base, "district_admin")
    district.goto(f"{base}/emergency/weather/")
    district.set_input_files("#id_file", str(cap_file))
    district.click("#cap-import button[type=submit]")
    district.wait_for_url(re.compile(r"/emergency/weather/\d+/$"))
    assert district.get_attribute("#weather-alert", "data-outcome") == "flood_warning"
    assert "暴雨橙色预警" in district.inner_text("#weather-alert h1")
    shoot(district, "weather-alert")
    district.context.close()

    # --- the resident near the low-lying yard finds the notice in the inbox, and by SMS
    phone = phone_context(browser)
    resident = phone.new_page()
    resident.goto(f"{base}/m/login/")
    resident.fill("#id_username", "resident")
    resident.fill("#id_password", TEST_PASSWORD)
    resident.click("#m-login-form button[type=submit]")
    resident.wait_for_url(f"{base}/m/")
    resident.goto(f"{base}/inbox/")
    notice = resident.locator("li.notification.urgent").first
    assert "西湖区" in notice.inner_text()
    assert "低洼" in resident.inner_text("main") or "防汛" in resident.inner_text("main")
    resident.screenshot(path=str(SCREENSHOTS / "emergency-resident-inbox-375.png"), full_page=True)
    phone.close()
    texts = [m for m in sms.outbox if m["to"] == personas.resident.mobile]
    assert texts and "西湖区" in texts[0]["text"]
    assert not [m for m in sms.outbox if m["to"] == personas.resident_b.mobile]

    # --- the street admin starts the proposed flood plan at level II
    street = login(browser, base, "street_admin")
    assert "西湖区" in street.inner_text(".warnings-in-force")  # the warning is on the home
    street.goto(f"{base}/emergency/")
    street.click("text=北山街道防汛应急预案 · 北山街道")
    street.wait_for_selector('#response-main[data-stage="proposed"]')
    street.select_option("#id_level", "II")
    street.click("#start-form button[type=submit]")
    street.wait_for_selector('#response-main[data-stage="started"]')
    assert street.get_attribute("#response-main", "data-level") == "II"
    assert street.locator(".response-tasks li").count() == 4
    shoot(street, "response-started")

    # --- and issues 20 sandbags from the store
    street.select_option("#id_issue_item", str(ready.sandbags.pk))
    street.fill("#id_issue_quantity", "20")
    street.click("#issue-form button[type=submit]")
    street.wait_for_selector(f"#issued li[data-item='{ready.sandbags.pk}']")
    assert "20" in street.inner_text(f"#issued li[data-item='{ready.sandbags.pk}']")
    assert SupplyItem.objects.get(pk=ready.sandbags.pk).quantity == 80
    # too many is refused on the page, and nothing changes
    street.select_option("#id_issue_item", str(ready.sandbags.pk))
    street.fill("#id_issue_quantity", "500")
    street.click("#issue-form button[type=submit]")
    street.wait_for_selector("#issue-form .field-error")
    assert "80" in street.inner_text("#issue-form .field-error")
    assert SupplyItem.objects.get(pk=ready.sandbags.pk).quantity == 80

    # --- the resources board shows the stock that is left
    board = street.context.new_page()
    board.goto(f"{base}/emergency/supplies/")
    row = board.locator(f"tr[data-item='{ready.sandbags.pk}'] .quantity")
    assert row.inner_text() == "80"
    shoot(board, "resources-board")
    board.close()

    # --- the response goes through its stages and is closed
    for name in ("handle", "recover"):
        street.click(f"form[data-transition='{name}'] button[type=submit]")
        street.wait_for_selector(
            f'#response-main[data-stage="{"handling" if name == "handle" else "recovery"}"]'
        )
    street.fill("#id_note_end", "积水已退，物资归还")
    street.click("form[data-transition='end'] button[type=submit]")
    street.wait_for_selector('#response-main[data-stage="ended"]')

    # --- the review is due within 24 hours
    response = EmergencyResponse.objects.get(area=tree.street_a)
    review = ResponseReview.objects.get(response=response)
    due = datetime.fromisoformat(street.get_attribute("#review-due", "datetime"))
    assert timezone.now() < due <= timezone.now() + timedelta(hours=24)
    assert due == review.due_at
    assert street.is_visible("#review-form")
    events = street.locator(".response-events li").evaluate_all(
        "els => els.map(e => e.dataset.kind)"
    )
    assert events[:2] == ["proposed", "started"]
    assert {"supply_issued", "ended", "review_opened"} <= set(events)
    shoot(street, "response-ended")
    street.context.close()
