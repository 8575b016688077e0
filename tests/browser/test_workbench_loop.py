"""The closed loop through the workbench pages in a real browser, as four users
in their own browser contexts: a grid worker reports with a photo and a map
click, the safety officer verifies and dispatches, the property manager
accepts and rectifies with an after-photo, the officer rechecks and closes.
A grid worker of another grid gets 404 on the file page. Screenshots of the
home, list, map and file pages at desktop and phone widths are written to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from anxin.hazards.models import Hazard
from anxin.testing.factories import TEST_PASSWORD
from anxin.testing.media import jpeg_bytes
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
POINT = (30.015, 120.007)  # inside grid A1a


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    found = tmp_path / "found.jpg"
    found.write_bytes(jpeg_bytes(colour=(200, 40, 40), size=(320, 240)))
    after = tmp_path / "after.jpg"
    after.write_bytes(jpeg_bytes(colour=(40, 160, 60), size=(320, 240)))
    return {"found": found, "after": after}


class Session:
    """One user in their own browser context."""

    def __init__(self, browser: Any, live_server: Any, username: str) -> None:
        self.base = live_server.url
        self.context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.page.goto(f"{self.base}/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", TEST_PASSWORD)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_url(f"{self.base}/")

    def goto(self, path: str) -> Any:
        return self.page.goto(f"{self.base}{path}")

    def queue_count(self, name: str) -> int:
        self.goto("/")
        return int(self.page.inner_text(f"a[data-queue={name}] .queue-count"))

    def open_from_queue(self, name: str, code: str) -> None:
        self.goto("/")
        self.page.click(f"a[data-queue={name}]")
        self.page.wait_for_selector("#hazard-results")
        self.page.click(f"#hazard-results a.hazard-code:text-is('{code}')")
        self.page.wait_for_selector("#hazard-main")

    def act(self, name: str, expect_status: str, fill: Any = None) -> None:
        page = self.page
        page.click(f"details.action-{name} > summary")
        if fill is not None:
            fill(page)
        page.click(f"#form-{name} button[type=submit]")
        page.wait_for_selector(f'#hazard-main[data-status="{expect_status}"]')

    def timeline_actions(self) -> list[str]:
        return [
            a or ""
            for a in self.page.eval_on_selector_all(
                "ol.events > li", "els => els.map(e => e.dataset.action)"
            )
        ]

    def shoot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for label, size in (("desktop", DESKTOP), ("375", PHONE)):
            self.page.set_viewport_size(size)
            self.page.screenshot(
                path=str(SCREENSHOTS / f"workbench-{name}-{label}.png"), full_page=True
            )
        self.page.set_viewport_size(DESKTOP)

    def close(self) -> None:
        self.context.close()


def click_map_at(page: Any, lat: float, lng: float) -> None:
    page.wait_for_selector("#report-map[data-ready]")
    x, y = page.evaluate(
        "([lat, lng]) => { const p = window.anxinReportMap.latLngToContainerPoint([lat, lng]);"
        " return [p.x, p.y]; }",
        [lat, lng],
    )
    page.locator("#report-map").click(position={"x": x, "y": y})


def test_the_closed_loop_through_the_pages(
    browser: Any, live_server: Any, personas: Any, tree: Any, photos: dict[str, Path]
) -> None:
    # --- a grid worker reports an orange manhole hazard with a photo and a map click
    worker = Session(browser, live_server, "grid_worker")
    assert worker.queue_count("to_verify") == 0
    worker.goto("/hazards/new/")
    page = worker.page
    page.fill("#id_category_search", "jinggai")
    page.wait_for_selector("#id_category option[value='0301'][selected]", state="attached")
    page.select_option("#id_category", "0301")
    assert page.input_value("#id_risk_colour") == "orange"  # the subclass default, suggested
    assert page.inner_text("#colour-hint") != ""
    page.set_input_files("#id_attachments", str(photos["found"]))
    click_map_at(page, *POINT)
    assert abs(float(page.input_value("#id_lat")) - POINT[0]) < 0.0005
    assert abs(float(page.input_value("#id_lng")) - POINT[1]) < 0.0005
    page.fill("#id_address", "保俶社区1幢东侧人行道")
    page.fill("#id_description", "井盖缺失，夜间行人易踩空")
    worker.shoot("report-form")
    page.click("#report-form > p > button[type=submit]")
    page.wait_for_url(re.compile(r"/hazards/\d+/$"))
    hazard = Hazard.objects.get()
    assert hazard.grid == tree.grid_a1a
    assert hazard.risk_colour == "orange"
    assert page.get_attribute("#hazard-main", "data-status") == "reported"
    assert hazard.code in page.inner_text("#hazard-main h1")
    assert page.locator(".gallery img").count() == 1
    assert worker.timeline_actions() == ["report"]
    # the grid worker's own review is not enough for orange: the officer verifies
    assert worker.queue_count("to_verify") == 1

    # --- a grid worker of another grid cannot open the file
    other = Session(browser, live_server, "grid_worker_b")
    response = other.goto(f"/hazards/{hazard.pk}/")
    assert response.status == 404
    other.goto("/hazards/")
    assert hazard.code not in other.page.inner_text("#hazard-results")
    other.close()

    # --- the safety officer verifies (nobody serves manholes: dispatch by hand)
    officer = Session(browser, live_server, "safety_officer")
    assert officer.queue_count("to_verify") == 1
    assert officer.queue_count("to_dispatch") == 0
    officer.shoot("home")
    officer.open_from_queue("to_verify", hazard.code)
    officer.act(
        "verify", "verified", lambda p: p.fill("#id_verify_reason", "现场核实，井盖确已缺失")
    )
    assert officer.timeline_actions()[:2] == ["report", "verify"]
    assert "现场核实，井盖确已缺失" in officer.page.inner_text("ol.events")
    assert officer.queue_count("to_verify") == 0
    assert officer.queue_count("to_dispatch") == 1

    officer.open_from_queue("to_dispatch", hazard.code)
    deadline = (timezone.localdate() + timedelta(days=5)).isoformat()

    def dispatch_form(p: Any) -> None:
        p.select_option("#id_dispatch_organisation", str(tree.property_a.pk))
        p.fill("#id_dispatch_deadline", deadline)
        p.fill("#id_dispatch_reason", "请物业先行围挡并更换井盖")

    officer.act("dispatch", "dispatched", dispatch_form)
    assert tree.property_a.name in officer.page.inner_text(".file-deadline")
    assert officer.timeline_actions()[-1] == "dispatch"
    officer.goto("/hazards/")
    officer.shoot("list")

    # --- the property manager accepts and rectifies with an after-photo
    manager = Session(browser, live_server, "property_manager")
    assert manager.queue_count("to_rectify") == 1
    manager.open_from_queue("to_rectify", hazard.code)
    assert "还剩" in manager.page.inner_text(".file-deadline") or "left" in manager.page.inner_text(
        ".file-deadline"
    )
    manager.act("accept", "rectifying")

    def rectify_form(p: Any) -> None:
        p.set_input_files("#id_rectify_attachments", str(photos["after"]))
        p.fill("#id_rectify_reason", "已更换新井盖并加固")

    manager.act("rectify", "awaiting_recheck", rectify_form)
    assert manager.page.locator(".before-after img").count() == 1
    assert manager.timeline_actions()[-2:] == ["accept", "rectify"]
    assert manager.queue_count("to_rectify") == 0
    manager.close()

    # --- the officer rechecks and closes
    assert officer.queue_count("to_recheck") == 1
    officer.open_from_queue("to_recheck", hazard.code)
    officer.act("pass_recheck", "closed", lambda p: p.fill("#id_pass_recheck_reason", "复查合格"))
    officer.shoot("file")
    actions_seen = officer.timeline_actions()
    assert actions_seen[0] == "report"
    assert actions_seen[-4:] == ["dispatch", "accept", "rectify", "pass_recheck"]
    assert officer.queue_count("to_recheck") == 0
    hazard.refresh_from_db()
    assert hazard.status == "closed"
    assert hazard.responsible_organisation == tree.property_a

    # --- the map page, if it exists by now
    response = officer.goto("/map/")
    if response is not None and response.status == 200:
        officer.page.wait_for_timeout(800)
        officer.shoot("map")
    officer.close()
    worker.close()


def test_list_filters_swap_the_table_without_a_reload(
    browser: Any, live_server: Any, personas: Any, tree: Any
) -> None:
    from anxin.hazards import actions

    for colour in ("red", "blue"):
        actions.report_hazard(
            reporter=personas.grid_worker,
            category="0101",
            lat=30.015,
            lng=120.007,
            risk_colour=colour,
            address="x",
        )
    user = Session(browser, live_server, "community_admin")
    page = user.page
    user.goto("/hazards/")
    page.evaluate("window.__marker = 1")
    assert page.locator("#hazard-results tbody tr[data-id]").count() == 2
    page.check("input[name=colour][value=red]")
    page.wait_for_function(
        "document.querySelectorAll('#hazard-results tbody tr[data-id]').length === 1"
    )
    assert page.evaluate("window.__marker") == 1  # no full reload
    assert "colour=red" in page.url  # the URL follows the filters
    page.click("#hazard-results thead th:nth-child(6) a")
    page.wait_for_url(re.compile(r"sort=deadline"))
    assert page.evaluate("window.__marker") == 1
    user.close()
