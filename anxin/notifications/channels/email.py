"""E-mail through Django's configured backend (SMTP in production)."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email

from anxin.notifications.channels.base import SendResult

if TYPE_CHECKING:
    from anxin.notifications.models import Delivery


def send(delivery: Delivery) -> SendResult:
    try:
        validate_email(delivery.target)
    except ValidationError:
        return SendResult.permanent(f"invalid e-mail address {delivery.target!r}")
    message = EmailMessage(
        subject=str(delivery.payload.get("subject", "")).replace("\n", " ")[:200],
        body=str(delivery.payload.get("body", "")),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.target],
    )
    try:
        sent = message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        return SendResult.permanent(f"recipient refused: {exc.recipients}")
    except smtplib.SMTPResponseException as exc:
        code = int(exc.smtp_code)
        error = f"SMTP {code}: {exc.smtp_error!r}"
        if 500 <= code < 600:
            return SendResult.permanent(error, status_code=code)
        return SendResult.transient(error, status_code=code)
    except (smtplib.SMTPException, OSError) as exc:
        return SendResult.transient(f"{type(exc).__name__}: {exc}")
    if not sent:
        return SendResult.transient("the e-mail backend sent nothing")
    return SendResult.sent(250, "")
