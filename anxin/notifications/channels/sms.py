"""SMS behind a small interface: a generic HTTP gateway or the development log."""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

from django.conf import settings

from anxin.notifications.channels.base import SendResult, classify, post_json

if TYPE_CHECKING:
    from anxin.notifications.models import Delivery

log = logging.getLogger("anxin.notifications.sms")

# The development backend keeps the last messages here (tests read them).
outbox: deque[dict[str, str]] = deque(maxlen=200)


def send_log(to: str, text: str) -> SendResult:
    outbox.append({"to": to, "text": text})
    log.info("SMS to %s: %s", to, text)
    return SendResult.sent(None, "logged")


def send_http(to: str, text: str, delivery_id: int | None = None) -> SendResult:
    headers = {}
    if delivery_id is not None:
        headers["X-Anxin-Delivery"] = str(delivery_id)
    if settings.SMS_HTTP_TOKEN:
        headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
    result = post_json(settings.SMS_HTTP_URL, {"to": to, "text": text}, headers)
    if isinstance(result, SendResult):
        return result
    failed = classify(result)
    return failed or SendResult.sent(result.status_code, result.body)


def send(delivery: Delivery) -> SendResult:
    text = str(delivery.payload.get("text", ""))
    if settings.SMS_BACKEND == "http":
        return send_http(delivery.target, text, delivery.pk)
    return send_log(delivery.target, text)
