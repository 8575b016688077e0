"""Every phone page of the residents' app renders in English (Accept-Language: en)
and in Simplified Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from anxin.residents.tests.conftest import client_for, close_and_publicise, report

pytestmark = pytest.mark.django_db

PAGES = {
    "/m/signup/": ("Sign up", "Send me a code", "Your building"),
    "/m/login/": ("Log in", "Username or mobile number", "Sign up with your mobile number"),
    "/m/": ("My reports", "Received, waiting to be checked"),
    "/m/profile/": ("My account", "Notification settings", "Log out"),
    "/m/board/": ("Public board", "All communities", "Month closed"),
    "detail": ("What happened", "Report received", "Received, waiting to be checked"),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_render_in_english(personas: Any, page: str) -> None:
    hazard = report(personas.resident)
    close_and_publicise(report(personas.resident_b), personas)
    url = f"/m/reports/{hazard.pk}/" if page == "detail" else page
    needs_login = page not in ("/m/signup/", "/m/login/", "/m/board/")
    client = client_for(personas.resident if needs_login else None, language="en")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    for text in PAGES[page]:
        assert text in html, (page, text)


@pytest.mark.parametrize(
    ("url", "text"),
    [("/m/signup/", "登录"), ("/m/login/", "登录"), ("/m/board/", "类别")],
)
def test_pages_render_in_chinese(tree: Any, url: str, text: str) -> None:
    html = client_for(language="zh-hans").get(url).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "· 安心</title>" in html
    assert text in html  # "Log in", "Category" from the catalogue
