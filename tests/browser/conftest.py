"""Real-browser tests: Playwright's sync API driving Debian's Chromium.

Never downloads a browser: the system Chromium at ``/usr/bin/chromium`` is used,
and its absence fails the tests (it does not skip them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM would
# otherwise refuse synchronous queries from the test body.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("ANXIN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
# grid A1a, building 1 of the test tree (anxin.testing.factories.Tree)
PHONE_POSITION = {"latitude": 30.015, "longitude": 120.007}


def phone_context(browser: Any, near: dict[str, float] = PHONE_POSITION) -> Any:
    """A phone: 375×812, touch, Simplified Chinese, its location granted at ``near``."""
    context = browser.new_context(
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=near,
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    return context


def shoot_phone(page: Any, name: str) -> None:
    """A full-page screenshot at phone width, into test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is required for the browser tests but {CHROMIUM} does not exist; "
            "install Debian's chromium package (apt-get install chromium) or set "
            "ANXIN_CHROMIUM to its path. No browser is ever downloaded.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context whose user prefers Simplified Chinese."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Any, request: pytest.FixtureRequest) -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
