"""External channels behind one small interface: ``send(delivery) -> SendResult``.

Each backend turns a recorded ``Delivery`` (its target and rendered payload)
into one attempt and reports what happened; it never raises. Transient
failures (5xx, timeouts, refused connections) are retried with back-off by
``actions.deliver``; permanent ones (4xx, an invalid address) are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anxin.notifications.channels.base import SendResult
from anxin.notifications.choices import Channel

if TYPE_CHECKING:
    from anxin.notifications.models import Delivery

__all__ = ["SendResult", "send"]


def send(delivery: Delivery) -> SendResult:
    from anxin.notifications.channels import email, robots, sms

    try:
        if delivery.channel == Channel.EMAIL:
            return email.send(delivery)
        if delivery.channel == Channel.SMS:
            return sms.send(delivery)
        if delivery.channel == Channel.WECOM:
            return robots.send_wecom(delivery)
        if delivery.channel == Channel.DINGTALK:
            return robots.send_dingtalk(delivery)
    except Exception as exc:  # a bug in a backend must not stop the others
        return SendResult.transient(f"{type(exc).__name__}: {exc}")
    return SendResult.permanent(f"unknown channel {delivery.channel!r}")
