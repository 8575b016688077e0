"""The map and organisation pages in a real browser: polygons, markers, heat
cells, the GCJ-02 conversion of gcj02.js against the Python reference, the node
page's chart, and screenshots at desktop and phone widths."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from anxin.hazards import actions
from anxin.maps.selectors import wgs84_to_gcj02

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINTS = [
    (116.397128, 39.916527),  # Beijing
    (120.13, 30.27),  # Hangzhou
    (120.007, 30.015),
    (113.264385, 23.129112),  # Guangzhou
    (87.617733, 43.792818),  # Urumqi
    (2.3522, 48.8566),  # Paris: outside China, unchanged
    (-74.006, 40.7128),  # New York
]


def log_in(page: Any, live_server: Any, user: Any) -> None:
    """Log in through a server-side session (the login page is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def watch_console(page: Any) -> list[str]:
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def reported(personas: Any) -> list[Any]:
    return [
        actions.report_hazard(
            reporter=personas.grid_worker, category="0101", lat=30.015, lng=120.007
        ).hazard,
        actions.report_hazard(
            reporter=personas.grid_worker_b, category="0101", lat=30.015, lng=120.03
        ).hazard,
        actions.report_hazard(
            reporter=personas.grid_worker_b, category="0201", lat=30.025, lng=120.035
        ).hazard,
    ]


def open_map(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#hazard-map[data-ready='1']")


def test_map_draws_polygons_markers_and_heat_without_errors(
    page: Any, live_server: Any, personas: Any, reported: list[Any], screenshot: Any
) -> None:
    errors = watch_console(page)
    log_in(page, live_server, personas.street_admin)
    page.set_viewport_size({"width": 1280, "height": 800})

    open_map(page, live_server)

    # the org tree's polygons of street A (no tile server needed)
    assert page.locator("path.area-street").count() == 1
    assert page.locator("path.area-community").count() == 1
    assert page.locator("path.area-grid").count() == 2
    # the three visible hazards as markers or clusters
    assert page.locator(".leaflet-marker-icon").count() > 0
    assert page.get_attribute("#hazard-map", "data-markers") == "3"
    assert "3" in page.inner_text("#map-status-line")
    # the heat layer draws H3 cells when switched on
    page.check("input[name=layer][value=heat]")
    page.wait_for_selector("path.heat-cell")
    assert page.locator("path.heat-cell").count() >= 1
    page.wait_for_timeout(500)  # let the cluster animation settle
    screenshot("desktop-1280x800")

    # filters: only the public-order hazard
    page.select_option("#map-category", "02")
    page.wait_for_function("document.getElementById('hazard-map').dataset.markers === '1'")
    assert page.locator(".hazard-marker").count() == 1

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#hazard-map[data-ready='1']")
    # phone: the map fills the screen and the controls start collapsed
    box = page.locator("#hazard-map").bounding_box()
    assert box is not None and box["width"] >= 370 and box["height"] > 600
    assert page.locator("#map-controls").is_hidden()
    page.click(".map-panel-toggle")
    assert page.locator("#map-controls").is_visible()
    page.click(".map-panel-toggle")
    screenshot("phone-375x812")
    assert errors == []


def test_marker_popup_links_to_the_hazard_file(
    page: Any, live_server: Any, personas: Any, reported: list[Any]
) -> None:
    errors = watch_console(page)
    log_in(page, live_server, personas.grid_worker)
    open_map(page, live_server)

    # the grid worker sees his one hazard, outside clusters
    assert page.get_attribute("#hazard-map", "data-markers") == "1"
    page.click(".hazard-marker")
    popup = page.locator(".hazard-popup")
    popup.wait_for()
    hazard = reported[0]
    assert hazard.code in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == f"/hazards/{hazard.pk}/"
    # only his grid and its building are drawn
    assert page.locator("path.area-street").count() == 0
    assert page.locator("path.area-grid").count() == 1
    assert errors == []


def test_gcj02_in_the_browser_matches_the_python_reference(
    page: Any, live_server: Any, personas: Any
) -> None:
    log_in(page, live_server, personas.street_admin)
    open_map(page, live_server)

    for lng, lat in POINTS:
        js_lng, js_lat = page.evaluate(
            "([lng, lat]) => window.AnxinGcj02.wgs84ToGcj02(lng, lat)", [lng, lat]
        )
        py_lng, py_lat = wgs84_to_gcj02(lng, lat)
        assert abs(js_lng - py_lng) < 1e-6 and abs(js_lat - py_lat) < 1e-6, (lng, lat)
    beijing = page.evaluate("() => window.AnxinGcj02.wgs84ToGcj02(116.397128, 39.916527)")
    assert abs(beijing[0] - 116.403370) < 5e-6 and abs(beijing[1] - 39.917930) < 5e-6


def test_markers_move_to_gcj02_under_gcj02_tiles(
    page: Any, live_server: Any, personas: Any, reported: list[Any]
) -> None:
    # a tile URL that is never fetched successfully still switches the conversion on
    settings.MAP_TILE_URL = f"{live_server.url}/static/no-tiles/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILE_CRS = "gcj02"
    try:
        log_in(page, live_server, personas.grid_worker)
        open_map(page, live_server)
        latlng = page.evaluate(
            "() => { let p = null; window.anxinMap.eachLayer(l => {"
            " if (l.getLatLng && l.options && l.options.colour) p = l.getLatLng(); });"
            " return p && [p.lng, p.lat]; }"
        )
    finally:
        settings.MAP_TILE_URL = None
    expected = wgs84_to_gcj02(120.007, 30.015)
    assert latlng is not None
    assert abs(latlng[0] - expected[0]) < 1e-9 and abs(latlng[1] - expected[1]) < 1e-9


def test_org_pages_show_counts_and_the_chart(
    page: Any, live_server: Any, personas: Any, tree: Any, reported: list[Any], screenshot: Any
) -> None:
    errors = watch_console(page)
    log_in(page, live_server, personas.street_admin)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/org/")
    row = page.locator(f"tr[data-code='{tree.grid_a1b.code}']")
    assert row.locator("td.open").inner_text() == "2"
    assert page.locator(f"tr[data-code='{tree.street_b.code}']").count() == 0
    screenshot("org-tree-1280x800")

    page.click(f"a[href='/org/{tree.street_a.code}/']")
    page.wait_for_selector("#org-chart svg")
    assert page.inner_text("#stat-open") == "3"
    assert page.locator(".open-hazards li").count() == 3
    screenshot("org-node-1280x800")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.wait_for_selector("#org-chart svg")
    screenshot("org-node-375x812")
    assert errors == []
