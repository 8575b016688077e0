"""Deliveries over real local servers: webhooks, the SMS gateway and SMTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from anxin.notifications import actions
from anxin.notifications.choices import DeliveryStatus
from anxin.notifications.models import Delivery, GroupRobot
from anxin.notifications.tasks import deliver, retry_due
from anxin.notifications.tests.conftest import Reply
from anxin.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def robot(tree, server, kind="wecom", secret="", area=None, path="/hook"):
    return GroupRobot.objects.create(
        name=f"{kind} robot",
        area=area or tree.street_a,
        kind=kind,
        webhook_url=server.url(f"{path}?key=abc123"),
        secret=secret,
    )


def post(robot_obj, capture, key="k1", severity="info"):
    with capture(execute=True):
        delivery = actions.notify_group_robot(
            robot_obj,
            title="红色隐患",
            body="消防通道被占用",
            link="/hazards/1/",
            severity=severity,
            key=key,
        )
    assert delivery is not None
    delivery.refresh_from_db()
    return delivery


def sweep_at(moment, capture):
    """Run the retry sweep (and the work it enqueues) at ``moment``."""
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return retry_due()


def test_wecom_robot_receives_markdown(tree, webhook_server, django_capture_on_commit_callbacks):
    # given a WeChat Work robot of street A
    bot = robot(tree, webhook_server)
    # when a message is posted to it
    delivery = post(bot, django_capture_on_commit_callbacks)
    # then the server received the markdown body once, and the delivery is sent
    assert len(webhook_server.received) == 1
    got = webhook_server.received[0]
    assert got.path == "/hook" and got.query == {"key": "abc123"}
    assert got.headers["content-type"].startswith("application/json")
    body = got.json()
    assert body["msgtype"] == "markdown"
    assert "红色隐患" in body["markdown"]["content"]
    assert "消防通道被占用" in body["markdown"]["content"]
    assert "https://anxin.example.cn/hazards/1/" in body["markdown"]["content"]
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1 and delivery.last_status_code == 200
    assert delivery.sent_at is not None


def test_dingtalk_robot_is_signed(tree, webhook_server, django_capture_on_commit_callbacks):
    secret = "SEC0123456789abcdef"
    bot = robot(tree, webhook_server, kind="dingtalk", secret=secret, path="/robot/send")
    before_ms = int(time.time() * 1000)
    delivery = post(bot, django_capture_on_commit_callbacks)
    got = webhook_server.received[0]
    # the server checks the signature as DingTalk does
    timestamp = got.query["timestamp"]
    assert before_ms <= int(timestamp) <= int(time.time() * 1000)
    expected = base64.b64encode(
        hmac.new(
            secret.encode(), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256
        ).digest()
    ).decode()
    assert got.query["sign"] == expected  # parse_qsl undid the URL encoding
    assert got.query["key"] == "abc123"  # the webhook's own query is kept
    body = got.json()
    assert body == {
        "msgtype": "markdown",
        "markdown": {"title": "红色隐患", "text": body["markdown"]["text"]},
    }
    assert "消防通道被占用" in body["markdown"]["text"]
    assert delivery.status == DeliveryStatus.SENT


def test_dingtalk_errcode_is_checked(tree, webhook_server, django_capture_on_commit_callbacks):
    # DingTalk answers 200 with a non-zero errcode for a bad signature
    webhook_server.script(Reply(200, {"errcode": 310000, "errmsg": "sign not match"}))
    bot = robot(tree, webhook_server, kind="dingtalk", secret="wrong")
    delivery = post(bot, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED
    assert "310000" in delivery.last_error
    assert delivery.attempts == 1


def test_500_then_200_is_retried_with_back_off(
    tree, webhook_server, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    webhook_server.script(Reply(500, {"error": "busy"}), Reply(503, "down"))
    bot = robot(tree, webhook_server)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        delivery = post(bot, django_capture_on_commit_callbacks)
        # first attempt failed: retry in base * 2**0 = 30 s
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.attempts == 1 and delivery.last_status_code == 500
        assert delivery.next_attempt_at == start + timedelta(seconds=30)
        # the sweep does nothing before it is due
        with django_capture_on_commit_callbacks(execute=True):
            assert retry_due() == 0
    assert sweep_at(start + timedelta(seconds=31), django_capture_on_commit_callbacks) == 1
    delivery.refresh_from_db()
    # second attempt failed too: retry in base * 2**1 = 60 s after it
    assert delivery.attempts == 2 and delivery.last_status_code == 503
    assert delivery.next_attempt_at == start + timedelta(seconds=31 + 60)
    assert sweep_at(start + timedelta(seconds=31 + 59), django_capture_on_commit_callbacks) == 0
    assert sweep_at(start + timedelta(seconds=31 + 61), django_capture_on_commit_callbacks) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 3 and delivery.last_status_code == 200
    assert len(webhook_server.received) == 3
    assert [h["status_code"] for h in delivery.history] == [500, 503, 200]
    # a sent delivery is never sent again, whatever runs it
    assert deliver(delivery.pk) == DeliveryStatus.SENT
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_due() == 0
    assert len(webhook_server.received) == 3


def test_timeout_is_recorded_and_retried(
    tree, webhook_server, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_HTTP_TIMEOUT_SECONDS = 0.3
    webhook_server.script(Reply(200, delay=1.0))
    bot = robot(tree, webhook_server)
    started = time.monotonic()
    delivery = post(bot, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 1.0  # gave up at the timeout
    assert delivery.status == DeliveryStatus.PENDING
    assert "timeout" in delivery.last_error
    assert delivery.last_status_code is None
    assert delivery.next_attempt_at is not None
    with (
        time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        retry_due()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2


def test_4xx_fails_at_once(tree, webhook_server, django_capture_on_commit_callbacks):
    webhook_server.script(Reply(404, {"error": "no such robot"}))
    delivery = post(robot(tree, webhook_server), django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1 and delivery.last_status_code == 404
    assert delivery.next_attempt_at is None


def test_gives_up_after_the_maximum(
    tree, webhook_server, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_RETRY_MAX = 3
    webhook_server.script(*[Reply(502, "bad gateway")] * 5)
    delivery = post(robot(tree, webhook_server), django_capture_on_commit_callbacks)
    for _ in range(4):
        if delivery.next_attempt_at is None:
            break
        with (
            time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            retry_due()
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert len(webhook_server.received) == 3


def test_unreachable_server_is_retried(tree, django_capture_on_commit_callbacks):
    from anxin.notifications.tests.conftest import free_port

    bot = GroupRobot.objects.create(
        name="gone",
        area=tree.street_a,
        kind="wecom",
        webhook_url=f"http://127.0.0.1:{free_port()}/x",
    )
    delivery = post(bot, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert "connection error" in delivery.last_error


def test_admin_retry_now_sends_a_failed_delivery(
    tree, webhook_server, django_capture_on_commit_callbacks, client
):
    webhook_server.script(Reply(400, {"error": "bad"}))
    delivery = post(robot(tree, webhook_server), django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    # the admin list shows the outcome, attempts and last error
    page = client.get("/admin/notifications/delivery/?status=failed")
    assert page.status_code == 200
    assert "HTTP 400" in page.content.decode()
    assert "abc123" not in page.content.decode()  # the webhook token is not shown
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/delivery/",
            {"action": "retry_now", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2


def test_sms_http_gateway(webhook_server, django_capture_on_commit_callbacks, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = webhook_server.url("/sms")
    settings.SMS_HTTP_TOKEN = "t0ken"
    user = UserFactory.create(mobile="13800001111")
    actions.save_preference(user, sms_enabled=True, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify([user], kind="test", title="燃气报警", body="请立即撤离", key="sms-1")
    got = webhook_server.received[0]
    assert got.path == "/sms"
    assert got.headers["authorization"] == "Bearer t0ken"
    assert got.json() == {"to": "13800001111", "text": "燃气报警: 请立即撤离"}
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_sms_log_backend_keeps_messages(django_capture_on_commit_callbacks):
    from anxin.notifications.channels import sms

    user = UserFactory.create(mobile="13800002222")
    actions.save_preference(user, sms_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify([user], kind="test", title="提醒", body="明天整改到期", key="sms-2")
    assert list(sms.outbox) == [{"to": "13800002222", "text": "提醒: 明天整改到期"}]


def test_email_arrives_at_a_real_smtp_server(smtp_server, django_capture_on_commit_callbacks):
    user = UserFactory.create(email="wang@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            [user],
            kind="test",
            title="隐患已派单",
            body="请在3天内整改",
            link="/hazards/7/",
            key="mail-1",
        )
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "wang@example.cn"
    assert message["Subject"] == "隐患已派单"
    text = message.get_content()
    assert "请在3天内整改" in text and "https://anxin.example.cn/hazards/7/" in text
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


def test_invalid_email_fails_without_retry_and_others_go_on(
    smtp_server, django_capture_on_commit_callbacks
):
    bad = UserFactory.create(email="not-an-address")
    good = UserFactory.create(email="li@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        created = actions.notify([bad, good], kind="test", title="通知", body="内容", key="m2")
    assert len(created) == 2  # both inboxes got it
    failed = Delivery.objects.get(target="not-an-address")
    assert failed.status == DeliveryStatus.FAILED
    assert "invalid e-mail address" in failed.last_error
    assert failed.attempts == 1 and failed.next_attempt_at is None
    assert Delivery.objects.get(target="li@example.cn").status == DeliveryStatus.SENT
    assert [m["To"] for m in smtp_server.messages] == ["li@example.cn"]
    # the sweep does not pick it up again
    with (
        time_machine.travel(timezone.now() + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert retry_due() == 0


def test_smtp_server_down_is_retried(django_capture_on_commit_callbacks, settings):
    from anxin.notifications.tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    user = UserFactory.create(email="zhao@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify([user], kind="test", title="t", body="b", key="m3")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1 and delivery.next_attempt_at is not None
    # back on locmem (the server "is back"): the retry sends it
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with (
        time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        retry_due()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
