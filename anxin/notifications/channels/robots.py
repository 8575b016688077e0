"""WeChat Work (企业微信) and DingTalk (钉钉) group robots: HTTP webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import TYPE_CHECKING

from anxin.notifications.channels.base import HttpResponse, SendResult, classify, post_json

if TYPE_CHECKING:
    from anxin.notifications.models import Delivery

# Error codes of the robots' JSON answers that retrying may cure (rate limits,
# system busy); every other non-zero code is permanent (bad token, bad sign...).
TRANSIENT_ERRCODES = {-1, 45009, 45033, 130101, 410100}


def _check_errcode(response: HttpResponse) -> SendResult:
    failed = classify(response)
    if failed is not None:
        return failed
    try:
        errcode = int(response.json().get("errcode", -1))
    except (ValueError, AttributeError, TypeError):
        return SendResult.transient(
            "response is not the robot's JSON", response.status_code, response.body
        )
    if errcode == 0:
        return SendResult.sent(response.status_code, response.body)
    error = f"errcode {errcode}"
    if errcode in TRANSIENT_ERRCODES:
        return SendResult.transient(error, response.status_code, response.body)
    return SendResult.permanent(error, response.status_code, response.body)


def delivery_headers(delivery: Delivery) -> dict[str, str]:
    """Our own header naming the delivery: a receiver (or a proxy's log) can tell
    a re-sent attempt of one delivery from a second message."""
    return {"X-Anxin-Delivery": str(delivery.pk)}


def send_wecom(delivery: Delivery) -> SendResult:
    result = post_json(delivery.target, delivery.payload, delivery_headers(delivery))
    if isinstance(result, SendResult):
        return result
    return _check_errcode(result)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: urlencode(base64(HMAC-SHA256(secret, "ts\\nsecret")))."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(webhook_url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return webhook_url
    if timestamp_ms is None:
        timestamp_ms = int(time.time() * 1000)
    separator = "&" if "?" in webhook_url else "?"
    sign = dingtalk_sign(secret, timestamp_ms)
    return f"{webhook_url}{separator}timestamp={timestamp_ms}&sign={sign}"


def send_dingtalk(delivery: Delivery) -> SendResult:
    secret = delivery.robot.secret if delivery.robot is not None else ""
    result = post_json(
        dingtalk_url(delivery.target, secret), delivery.payload, delivery_headers(delivery)
    )
    if isinstance(result, SendResult):
        return result
    return _check_errcode(result)
