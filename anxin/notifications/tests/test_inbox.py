"""The inbox: API (own notifications only), pages, badge and preferences."""

from __future__ import annotations

import pytest

from anxin.notifications import actions
from anxin.notifications.models import Notification, NotificationPreference
from anxin.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_inboxes():
    me = UserFactory.create(username="me")
    other = UserFactory.create(username="other")
    actions.notify([me, other], kind="k", title="第一条", body="B1", key="one")
    actions.notify([me], kind="k", title="第二条", body="B2", key="two", severity="urgent")
    actions.notify([other], kind="k", title="别人的", body="B3", key="three")
    return me, other


def test_api_lists_only_own_notifications(two_inboxes, api_client):
    me, other = two_inboxes
    api_client.force_authenticate(me)
    response = api_client.get("/api/v1/notifications/")
    assert response.status_code == 200
    titles = [row["title"] for row in response.json()["results"]]
    assert titles == ["第二条", "第一条"]
    theirs = Notification.objects.get(recipient=other, key="three")
    assert api_client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/notifications/{theirs.pk}/mark-read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_superuser_inbox_holds_only_their_own(two_inboxes, api_client):
    boss = UserFactory.create(is_superuser=True, is_staff=True)
    api_client.force_authenticate(boss)
    assert api_client.get("/api/v1/notifications/").json()["count"] == 0


def test_unread_count_and_mark_read(two_inboxes, api_client):
    me, other = two_inboxes
    api_client.force_authenticate(me)
    assert api_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    mine = Notification.objects.get(recipient=me, key="two")
    response = api_client.post(f"/api/v1/notifications/{mine.pk}/mark-read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert api_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert api_client.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 1
    response = api_client.post("/api/v1/notifications/mark-all-read/")
    assert response.json() == {"marked": 1}
    assert api_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    # the other user's notifications are untouched
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 2


def test_api_needs_login(api_client):
    assert api_client.get("/api/v1/notifications/").status_code in (401, 403)


def test_badge_partial_renders_the_count(two_inboxes, client):
    me, _other = two_inboxes
    client.force_login(me)
    response = client.get("/inbox/badge/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-unread="2"' in html
    assert '<span class="badge red">2</span>' in html
    assert 'hx-get="/inbox/badge/"' in html and "every 30s" in html
    actions.mark_read(me)
    html = client.get("/inbox/badge/").content.decode()
    assert 'data-unread="0"' in html and 'class="badge red"' not in html


def test_badge_for_anonymous_is_empty(client):
    response = client.get("/inbox/badge/")
    assert response.status_code == 200
    assert "data-unread" not in response.content.decode()


def test_inbox_page_and_mark_read(two_inboxes, client):
    me, _other = two_inboxes
    client.force_login(me)
    page = client.get("/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "第一条" in html and "第二条" in html and "别人的" not in html
    mine = Notification.objects.get(recipient=me, key="one")
    response = client.post(f"/inbox/{mine.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    mine.refresh_from_db()
    assert mine.read_at is not None
    response = client.post("/inbox/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()


def test_cannot_mark_someone_elses_notification(two_inboxes, client):
    me, other = two_inboxes
    client.force_login(me)
    theirs = Notification.objects.get(recipient=other, key="three")
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404


def test_preferences_saved(client):
    user = UserFactory.create(email="")
    client.force_login(user)
    assert client.get("/inbox/preferences/").status_code == 200
    response = client.post(
        "/inbox/preferences/",
        {
            "email": "me@example.cn",
            "email_enabled": "on",
            "sms_enabled": "on",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
            "digest_enabled": "",
        },
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=user)
    assert preference.sms_enabled and preference.email_enabled and not preference.digest_enabled
    assert preference.quiet_hours is not None
    user.refresh_from_db()
    assert user.email == "me@example.cn"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address", "email_enabled": "on"}, "email", "valid email"),
        ({"email": "", "email_enabled": "on"}, "email", "Enter an e-mail address"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end", "start and the end"),
        ({"quiet_hours_start": "25:00", "quiet_hours_end": "07:00"}, "quiet_hours_start", ""),
    ],
)
def test_bad_preferences_are_refused(client, data, field, message):
    user = UserFactory.create(email="")
    client.force_login(user)
    response = client.post("/inbox/preferences/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert not NotificationPreference.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.email == ""


def test_sms_needs_a_mobile_number(client):
    user = UserFactory.create(mobile=None)
    client.force_login(user)
    response = client.post("/inbox/preferences/", {"sms_enabled": "on"})
    assert response.status_code == 400
    assert "sms_enabled" in response.context["form"].errors


def test_same_start_and_end_means_no_quiet_hours(client):
    user = UserFactory.create()
    client.force_login(user)
    response = client.post(
        "/inbox/preferences/", {"quiet_hours_start": "08:00", "quiet_hours_end": "08:00"}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user).quiet_hours is None
