"""The admin in a real browser: Chinese by default, the language switcher,
scoped area lists for street staff, and the login lockout."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission

from anxin.accounts.models import User
from anxin.testing.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_user(**fields: Any) -> User:
    user: User = UserFactory(**fields)  # type: ignore[assignment]
    return user


def log_in(page: Any, live_server: Any, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def make_staff(user: User, *codenames: str) -> User:
    user.is_staff = True
    user.save()
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def superuser(transactional_db: Any) -> User:
    return new_user(username="root", is_staff=True, is_superuser=True, full_name="超级管理员")


def test_superuser_logs_in_and_sees_the_admin_in_chinese(
    page: Any, live_server: Any, superuser: User, tree: Any, screenshot: Any
) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    assert "安心 · 社区安全隐患管理平台" in page.inner_text("#site-name")
    screenshot("login")

    log_in(page, live_server, "root")

    assert page.url == f"{live_server.url}/admin/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    content = page.inner_text("#content")
    assert "站点管理" in content
    assert "组织架构" in content  # the areas app
    assert "账号与角色" in content  # the accounts app
    assert "审计日志" in content
    screenshot("index")

    page.goto(f"{live_server.url}/admin/accounts/user/")
    assert "选择 用户 来修改" in page.inner_text("#content") or "用户" in page.title()
    assert "root" in page.inner_text("#result_list")
    headers = page.inner_text("#result_list thead")
    assert "姓名" in headers and "手机号码" in headers and "角色" in headers
    screenshot("users")

    page.goto(f"{live_server.url}/admin/areas/area/")
    listing = page.inner_text("#result_list")
    assert "北山街道" in listing and "西溪街道" in listing
    assert "街道" in listing and "网格" in listing  # level labels translated
    assert "层级" in page.inner_text("#result_list thead")
    screenshot("areas")


def test_language_switcher_changes_to_english_and_sticks(
    page: Any, live_server: Any, superuser: User, screenshot: Any
) -> None:
    log_in(page, live_server, "root")
    assert "站点管理" in page.inner_text("#content")

    page.click("#user-tools #language-switcher button[value=en]")
    page.wait_for_load_state("domcontentloaded")

    assert page.url == f"{live_server.url}/admin/"
    assert "Site administration" in page.inner_text("#content")
    assert "Anxin community safety" in page.inner_text("#site-name")
    screenshot("english")
    # The choice sticks although the browser still asks for Chinese.
    page.goto(f"{live_server.url}/admin/accounts/user/")
    assert "Select user to change" in page.inner_text("#content")

    page.click("#user-tools #language-switcher button[value=zh-hans]")
    page.wait_for_load_state("domcontentloaded")
    assert "选择 用户 来修改" in page.inner_text("#content")


def test_switcher_on_login_page(page: Any, live_server: Any, screenshot: Any) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.click("#language-switcher button[value=en]")
    page.wait_for_load_state("domcontentloaded")
    assert "/admin/login/" in page.url
    assert "Anxin community safety" in page.inner_text("#site-name")
    assert page.locator("label[for=id_username]").inner_text().startswith("Username")
    screenshot("login-english")


def test_street_admin_sees_only_their_street_in_the_area_list(
    page: Any, live_server: Any, personas: Any, tree: Any, screenshot: Any
) -> None:
    make_staff(personas.street_admin, "areas.view_area")

    log_in(page, live_server, "street_admin")
    page.goto(f"{live_server.url}/admin/areas/area/")

    names = page.locator("#result_list tbody .field-name").all_inner_texts()
    # Street A and everything below it; not street B, nor the district above.
    assert sorted(names) == sorted(["北山街道", "保俶社区", "第一网格", "第二网格", "1幢", "1幢"])
    assert "西溪街道" not in page.inner_text("#result_list")
    screenshot("street-admin-areas")
    # An out-of-scope area answers like a missing one.
    page.goto(f"{live_server.url}/admin/areas/area/{tree.street_b.pk}/change/")
    assert page.url.endswith("/admin/")


def test_locked_out_user_is_refused_with_the_right_password(
    page: Any, live_server: Any, superuser: User, screenshot: Any
) -> None:
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        log_in(page, live_server, "root", "wrong-password")
        assert "/admin/login/" in page.url

    log_in(page, live_server, "root", TEST_PASSWORD)

    assert "/admin/login/" in page.url
    assert page.locator("#user-tools").count() == 0
    error = page.inner_text(".errornote")
    assert "登录失败次数过多" in error
    screenshot("locked-out")
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
