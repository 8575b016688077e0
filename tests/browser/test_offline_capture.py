"""Offline capture on a phone (375×812, touch, zh-CN, location granted), in a
real browser: the report page is opened online, the network goes away, two
reports with a photo each wait in the on-phone queue (nothing reaches the
server), the network comes back and both are filed exactly once; replaying the
whole queue files nothing more. The same for a grid worker's patrol reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anxin.hazards.models import Attachment, Hazard
from anxin.residents.models import LocalityPolicy
from anxin.testing.factories import TEST_PASSWORD
from anxin.testing.media import jpeg_bytes
from tests.browser.conftest import PHONE_POSITION, shoot_phone
from tests.browser.conftest import phone_context as phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINT = PHONE_POSITION  # grid A1a of the test tree
SYNC_TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    paths = []
    for i, colour in enumerate(((200, 40, 40), (40, 90, 200))):
        path = tmp_path / f"hazard-{i}.jpg"
        path.write_bytes(jpeg_bytes(colour=colour, size=(320, 240)))
        paths.append(path)
    return paths


def log_in(page: Any, base: str, username: str) -> None:
    """Through the phone login, straight back to the report page."""
    page.goto(f"{base}/m/login/?next=/m/report/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#m-login-form button[type=submit]")
    page.wait_for_url(f"{base}/m/report/")


def open_report_page(page: Any, base: str) -> None:
    page.goto(f"{base}/m/report/")
    page.wait_for_function(
        "() => document.querySelector('#id_lat').value !== '' "
        "&& document.querySelector('#report-map[data-ready]') !== null"
    )
    # The service worker has installed and precached the app shell.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    cached = page.evaluate(
        """async () => {
            const names = await caches.keys();
            const found = [];
            for (const url of ['/m/report/', '/static/capture/capture.js',
                               '/static/vendor/leaflet/leaflet.js']) {
                if (await caches.match(url, {ignoreVary: true})) found.push(url);
            }
            return {names, found};
        }"""
    )
    assert any(name.startswith("anxin-capture-") for name in cached["names"])
    assert len(cached["found"]) == 3, cached


def make_report(page: Any, code: str, photo: Path, words: str) -> None:
    page.set_input_files("#photo-input", str(photo))
    page.wait_for_selector("#photo-previews li img")
    page.locator(f".class-tile[data-code='{code[:2]}']").tap()
    page.locator(f".category-tile[data-code='{code}']").tap()
    assert page.get_attribute("#category-knowledge", "href") == f"/m/knowledge/?category={code}"
    page.fill("#id_description", words)
    page.locator("#report-submit").tap()


def items(page: Any, state: str) -> Any:
    return page.locator(f"#report-queue li[data-state={state}]")


def wait_for_items(page: Any, state: str, count: int, timeout: int = SYNC_TIMEOUT_MS) -> None:
    page.wait_for_function(
        "([state, count]) => document.querySelectorAll("
        "`#report-queue li[data-state=${state}]`).length === count",
        arg=[state, count],
        timeout=timeout,
    )


def shoot(page: Any, name: str) -> None:
    shoot_phone(page, f"offline-capture-{name}")


def offline_round(
    browser: Any, base: str, username: str, photos: list[Path], shots: str = ""
) -> tuple[Any, list[Hazard]]:
    """Two reports made offline, sent when back online, then replayed."""
    context = phone(browser)
    page = context.new_page()
    log_in(page, base, username)
    open_report_page(page, base)
    before = set(Hazard.objects.values_list("pk", flat=True))

    # --- offline: both reports wait on the phone, nothing reaches the server
    context.set_offline(True)
    page.wait_for_selector("#network-status[data-online=false]")
    make_report(page, "0101", photos[0], "楼道里堆满纸箱，堵住了消防通道")
    wait_for_items(page, "queued", 1)
    make_report(page, "0301", photos[1], "井盖缺了一块")
    wait_for_items(page, "queued", 2)
    if shots:
        shoot(page, f"{shots}-queued")
    assert items(page, "sent").count() == 0
    assert set(Hazard.objects.values_list("pk", flat=True)) == before

    # the queue survives a reload (the page comes from the service worker's cache)
    page.reload()
    wait_for_items(page, "queued", 2)
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate("() => fetch('/m/report/session/').then(() => 'up', () => 'down')") == (
        "down"
    )
    assert set(Hazard.objects.values_list("pk", flat=True)) == before

    # --- back online: both are sent, each filed once with its photo
    context.set_offline(False)
    wait_for_items(page, "sent", 2)
    if shots:
        shoot(page, f"{shots}-sent")
    new = list(Hazard.objects.exclude(pk__in=before).order_by("pk"))
    assert [h.category.code for h in new] == ["0101", "0301"]
    for hazard in new:
        assert hazard.attachments.count() == 1
        assert hazard.attachments.get().phase == "found"
        assert hazard.idempotency_key
    sent_texts = " ".join(items(page, "sent").all_inner_texts())
    for hazard in new:
        assert hazard.code in sent_texts
    links = (
        items(page, "sent")
        .locator("a.queue-link")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    assert sorted(links) == sorted(f"/m/reports/{h.pk}/" for h in new)

    # --- the whole queue replayed: the server files nothing more
    page.evaluate("() => window.anxinCapture.requeueAll()")
    assert items(page, "queued").count() == 2
    page.evaluate("() => window.anxinCapture.syncNow()")
    wait_for_items(page, "sent", 2)
    assert Hazard.objects.exclude(pk__in=before).count() == 2
    assert Attachment.objects.filter(hazard__in=new).count() == 2
    texts = " ".join(items(page, "sent").all_inner_texts())
    for hazard in new:
        assert hazard.code in texts
    return context, new


def test_a_resident_reports_offline_and_the_queue_sends_once(
    browser: Any, live_server: Any, personas: Any, photos: list[Path]
) -> None:
    context, new = offline_round(
        browser, live_server.url, personas.resident.username, photos, shots="resident"
    )
    for hazard in new:
        assert hazard.reporter_id == personas.resident.pk
        assert hazard.source == "resident"
        assert hazard.grid_id is not None
    context.close()


def test_a_grid_worker_patrols_offline(
    browser: Any, live_server: Any, personas: Any, photos: list[Path]
) -> None:
    context, new = offline_round(browser, live_server.url, personas.grid_worker.username, photos)
    for hazard in new:
        assert hazard.reporter_id == personas.grid_worker.pk
        assert hazard.source == "patrol"
    context.close()


def test_search_and_bad_photos_on_the_phone(
    browser: Any, live_server: Any, personas: Any, settings: Any
) -> None:
    context = phone(browser)
    page = context.new_page()
    log_in(page, live_server.url, personas.resident.username)
    open_report_page(page, live_server.url)
    limit = page.evaluate(
        "() => JSON.parse(document.getElementById('capture-config').textContent).maxImageBytes"
    )
    assert limit == settings.ATTACHMENT_MAX_IMAGE_BYTES

    # the search box finds kinds by pinyin initials and by English words
    page.fill("#category-search", "xftd")
    visible = page.locator(".category-tile:visible")
    assert "0101" in visible.evaluate_all("tiles => tiles.map(t => t.dataset.code)")
    page.fill("#category-search", "manhole")
    codes = visible.evaluate_all("tiles => tiles.map(t => t.dataset.code)")
    assert codes and all(code.startswith("03") for code in codes)
    page.fill("#category-search", "")
    assert page.locator(".class-tile:visible").count() == 8

    page.set_input_files(
        "#photo-input",
        [
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a picture"},
            {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (limit + 1)},
        ],
    )

    errors = page.locator("#photo-errors")
    errors.wait_for()
    assert "notes.txt" in errors.inner_text() and "huge.jpg" in errors.inner_text()
    assert page.locator("#photo-previews li").count() == 0
    # nothing chosen yet: the report is not queued, and the page says what is missing
    page.locator("#report-submit").tap()
    assert page.locator("#category-error").is_visible()
    assert page.locator("#report-queue li").count() == 0
    assert Hazard.objects.count() == 0
    context.close()


def test_a_refused_report_shows_the_servers_words_and_can_be_fixed(
    browser: Any, live_server: Any, personas: Any, photos: list[Path]
) -> None:
    context = phone(browser)
    page = context.new_page()
    log_in(page, live_server.url, personas.resident.username)
    open_report_page(page, live_server.url)

    # a "photo" the phone cannot tell from a real one: the server refuses it
    page.set_input_files(
        "#photo-input",
        {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"not really a jpeg"},
    )
    page.locator(".class-tile[data-code='01']").tap()
    page.locator(".category-tile[data-code='0101']").tap()
    page.locator("#report-submit").tap()
    wait_for_items(page, "failed", 1)
    failed = items(page, "failed")
    assert "broken.jpg" in failed.locator(".queue-errors").inner_text()
    assert Hazard.objects.count() == 0 and Attachment.objects.count() == 0

    # edit: the report comes back into the form with the message; swap the photo
    failed.locator(".queue-edit").tap()
    page.wait_for_function("() => document.querySelectorAll('#report-queue li').length === 0")
    assert "broken.jpg" in page.inner_text("#photo-errors")
    assert page.input_value("#id_category") == "0101"
    page.locator("#photo-previews .cap-photo-remove").tap()
    page.set_input_files("#photo-input", str(photos[0]))
    page.locator("#report-submit").tap()
    wait_for_items(page, "sent", 1)
    hazard = Hazard.objects.get()
    assert hazard.attachments.count() == 1 and hazard.category.code == "0101"
    context.close()


def test_a_point_outside_the_district_is_refused_on_the_phone(
    browser: Any, live_server: Any, personas: Any, photos: list[Path]
) -> None:
    context = phone(browser, {"latitude": 31.5, "longitude": 121.5})
    page = context.new_page()
    log_in(page, live_server.url, personas.resident.username)
    open_report_page(page, live_server.url)

    page.wait_for_selector("#location-error:visible")
    make_report(page, "0101", photos[0], "不在辖区内")

    assert page.locator("#form-errors").is_visible()
    assert page.inner_text("#form-errors") == page.inner_text("#location-error")
    assert page.locator("#report-queue li").count() == 0
    assert Hazard.objects.count() == 0
    context.close()


def test_someone_without_an_account_reports_where_the_locality_allows_it(
    browser: Any, live_server: Any, tree: Any, photos: list[Path]
) -> None:
    LocalityPolicy.objects.create(area=tree.community_a1, allow_anonymous_reports=True)
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/m/report/")
    assert page.locator("#login-link").is_visible()
    page.wait_for_selector("#anonymous-status[data-allowed=true]")

    page.fill("#id_phone", "13912345678")
    make_report(page, "0101", photos[0], "楼下消防通道被占")
    wait_for_items(page, "sent", 1)

    hazard = Hazard.objects.get()
    assert hazard.reporter is None and hazard.reporter_phone == "13912345678"
    assert hazard.attachments.count() == 1
    sent = items(page, "sent")
    assert hazard.code in sent.inner_text()
    assert sent.locator("a.queue-link").count() == 0  # nothing to follow without an account
    context.close()


def test_after_logout_the_phone_forgets_the_pages_kept_for_that_person(
    browser: Any, live_server: Any, personas: Any
) -> None:
    from anxin.hazards import actions as hazard_actions

    base = live_server.url
    hazard_actions.report_hazard(
        reporter=personas.resident,
        category="0101",
        lat=POINT["latitude"],
        lng=POINT["longitude"],
        title="王家门口的纸箱",
    )
    context = phone(browser)
    page = context.new_page()
    log_in(page, base, personas.resident.username)
    open_report_page(page, base)
    page.goto(f"{base}/m/")
    assert "王家门口的纸箱" in page.inner_text("#my-reports")
    kept = "async () => (await caches.match('/m/', {ignoreVary: true})) !== undefined"
    page.wait_for_function(kept)

    page.goto(f"{base}/m/profile/")
    page.click("#m-logout-form button[type=submit]")
    page.wait_for_url(f"{base}/m/login/**")
    page.wait_for_function(
        """async () => {
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) {
                    if (new URL(request.url).pathname.startsWith('/m/')) return false;
                }
            }
            return true;
        }"""
    )
    context.set_offline(True)
    try:
        page.goto(f"{base}/m/")
        shown = page.content()
    except Exception:
        shown = ""
    assert "王家门口的纸箱" not in shown
    context.close()
