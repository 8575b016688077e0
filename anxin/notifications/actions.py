"""Writes of the notifications app: notify users, robots and buildings; deliver."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from anxin.notifications.choices import ROBOT_CHANNEL, Channel, DeliveryStatus, Severity
from anxin.notifications.models import Delivery, GroupRobot, Notification, NotificationPreference
from anxin.notifications.selectors import own
from anxin.outbox.actions import enqueue

if TYPE_CHECKING:
    from anxin.accounts.models import User
    from anxin.areas.models import Area

log = logging.getLogger(__name__)

DELIVER_TASK = "anxin.notifications.tasks.deliver"


# --- preferences and quiet hours ---------------------------------------------------------


def preference_for(user: User) -> NotificationPreference:
    """The user's preferences; unsaved defaults when they never chose."""
    try:
        return user.notification_preference  # type: ignore[no-any-return]
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def quiet_hours_end(now: datetime, start: time, end: time) -> datetime | None:
    """The end of the quiet period ``now`` falls in (local time), or None.

    ``start`` == ``end`` means no quiet hours; ``start`` > ``end`` wraps midnight.
    """
    if start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    tz = local.tzinfo
    today_end = datetime.combine(local.date(), end, tzinfo=tz)
    if start < end:
        return today_end if start <= t < end else None
    if t >= start:
        return datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    if t < end:
        return today_end
    return None


def held_until(preference: NotificationPreference, severity: str, now: datetime) -> datetime | None:
    """When a delivery of this severity to this user may go out (None: now)."""
    if severity == Severity.URGENT:
        return None
    hours = preference.quiet_hours
    if hours is None:
        return None
    return quiet_hours_end(now, *hours)


# --- rendering -------------------------------------------------------------------------------


def absolute_link(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    base = str(getattr(settings, "NOTIFY_SITE_URL", "") or "").rstrip("/")
    return f"{base}{link}" if base else link


def render_payload(channel: str, *, title: str, body: str, link: str) -> dict[str, Any]:
    url = absolute_link(link)
    if channel == Channel.EMAIL:
        text = f"{body}\n\n{url}" if url else body
        return {"subject": title, "body": text}
    if channel == Channel.SMS:
        text = f"{title}: {body}" if body else title
        return {"text": f"{text} {url}".strip() if url else text}
    markdown = f"### {title}\n\n{body}"
    if url:
        markdown += f"\n\n[{url}]({url})"
    if channel == Channel.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    if channel == Channel.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    raise ValueError(f"unknown channel {channel!r}")


# --- notify ----------------------------------------------------------------------------------


def _external_targets(
    user: User, preference: NotificationPreference, always_sms: bool = False
) -> list[tuple[str, str]]:
    targets: list[tuple[str, str]] = []
    if preference.email_enabled and user.email:
        targets.append((Channel.EMAIL, user.email))
    if (preference.sms_enabled or always_sms) and user.mobile:
        targets.append((Channel.SMS, user.mobile))
    return targets


def _create_delivery(
    *,
    channel: str,
    key: str,
    target: str,
    payload: dict[str, Any],
    severity: str,
    not_before: datetime | None,
    now: datetime,
    notification: Notification | None = None,
    robot: GroupRobot | None = None,
) -> Delivery | None:
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                channel=channel,
                key=key,
                target=target,
                payload=payload,
                severity=severity,
                notification=notification,
                robot=robot,
                not_before=not_before,
                next_attempt_at=not_before or now,
            )
    except IntegrityError:
        return None  # already created by an earlier run
    enqueue(DELIVER_TASK, key=f"deliver:{delivery.pk}", delivery_id=delivery.pk)
    return delivery


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str,
    link: str = "",
    severity: str = "info",
    key: str,
    hazard_id: int | None = None,
    always_sms: bool = False,
) -> list[Notification]:
    """Put a notification in each recipient's inbox and send it over their channels.

    Exactly-once per (recipient, key): a second call with the same key creates
    nothing and returns only the notifications created now. External deliveries
    are recorded and enqueued through the outbox in the caller's transaction;
    non-urgent ones are held until the end of the recipient's quiet hours.
    ``always_sms``: a safety notice goes by SMS to every recipient with a mobile
    number, whether or not they chose SMS for other messages.
    """
    if severity not in Severity.values:
        raise ValueError(f"unknown severity {severity!r}")
    now = timezone.now()
    created: list[Notification] = []
    seen: set[int] = set()
    with transaction.atomic():
        for user in recipients:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        recipient=user,
                        kind=kind,
                        title=title[:200],
                        body=body,
                        link=link,
                        severity=severity,
                        key=key,
                        hazard_id=hazard_id,
                    )
            except IntegrityError:
                continue  # this user already has it
            created.append(notification)
            preference = preference_for(user)
            not_before = held_until(preference, severity, now)
            for channel, target in _external_targets(user, preference, always_sms):
                _create_delivery(
                    channel=channel,
                    key=f"n{notification.pk}:{channel}",
                    target=target,
                    payload=render_payload(channel, title=title, body=body, link=link),
                    severity=severity,
                    not_before=not_before,
                    now=now,
                    notification=notification,
                )
    return created


def notify_group_robot(
    robot: GroupRobot,
    *,
    title: str,
    body: str,
    link: str = "",
    severity: str = "info",
    key: str,
) -> Delivery | None:
    """Post a message to one group robot (once per robot and key)."""
    if not robot.is_active:
        return None
    channel = ROBOT_CHANNEL[robot.kind]  # type: ignore[index]
    with transaction.atomic():
        return _create_delivery(
            channel=channel,
            key=f"robot:{robot.pk}:{key}"[:240],
            target=robot.webhook_url,
            payload=render_payload(channel, title=title, body=body, link=link),
            severity=severity,
            not_before=None,  # group chats have no quiet hours
            now=timezone.now(),
            robot=robot,
        )


def robots_for_area(area: Area) -> list[GroupRobot]:
    """Active robots of the area and of every area above it."""
    return list(
        GroupRobot.objects.filter(is_active=True, area__code__in=area.ancestor_codes())
        .select_related("area")
        .order_by("area__depth", "pk")
    )


def notify_area_robots(
    area: Area,
    *,
    title: str,
    body: str,
    link: str = "",
    severity: str = "info",
    key: str,
) -> list[Delivery]:
    """Post to the group robots of ``area`` and its ancestors."""
    deliveries = []
    for robot in robots_for_area(area):
        delivery = notify_group_robot(
            robot, title=title, body=body, link=link, severity=severity, key=key
        )
        if delivery is not None:
            deliveries.append(delivery)
    return deliveries


def broadcast_to_buildings(
    building_ids: Iterable[int],
    *,
    kind: str,
    title: str,
    body: str,
    link: str = "",
    severity: str = "info",
    key: str,
    hazard_id: int | None = None,
    always_sms: bool = False,
) -> list[Notification]:
    """Notify the residents whose home building is one of ``building_ids``."""
    from anxin.accounts.models import User

    residents = User.objects.filter(
        home_building_id__in=list(building_ids), is_active=True
    ).order_by("pk")
    return notify(
        residents,
        kind=kind,
        title=title,
        body=body,
        link=link,
        severity=severity,
        key=key,
        hazard_id=hazard_id,
        always_sms=always_sms,
    )


# --- inbox -----------------------------------------------------------------------------------


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when ids is None)."""
    qs = own(Notification.objects.restrict(user, "view"), user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def save_preference(user: User, **values: Any) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults=values
    )
    return preference


# --- delivering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverOutcome:
    delivery_id: int
    status: str
    attempted: bool


def retry_delay(attempt: int) -> timedelta:
    """Back-off before attempt ``attempt + 1``: base * 2**(attempt-1), capped."""
    base = int(settings.NOTIFY_RETRY_BASE_SECONDS)
    cap = int(settings.NOTIFY_RETRY_CAP_SECONDS)
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), cap))


def deliver(delivery_id: int) -> DeliverOutcome | None:
    """Send one delivery if it is pending and due; record the attempt.

    The row is locked for the send, so two workers never send it twice; a
    delivery marked sent (or failed for good) is never attempted again.
    """
    from anxin.notifications.channels import send

    with transaction.atomic():
        # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the
        # outer join to the robot, and only the delivery row needs the lock.
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("robot")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if delivery.status != DeliveryStatus.PENDING:
            return DeliverOutcome(delivery.pk, delivery.status, attempted=False)
        now = timezone.now()
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return DeliverOutcome(delivery.pk, delivery.status, attempted=False)
        result = send(delivery)
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_status_code = result.status_code
        delivery.last_error = "" if result.ok else result.error[:2000]
        delivery.history = [
            *delivery.history[-19:],
            {
                "at": now.isoformat(),
                "ok": result.ok,
                "status_code": result.status_code,
                "error": result.error[:500],
                "body": result.body[:500],
            },
        ]
        if result.ok:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
        elif result.is_permanent or delivery.attempts >= int(settings.NOTIFY_RETRY_MAX):
            delivery.status = DeliveryStatus.FAILED
            delivery.failed_at = now
            delivery.next_attempt_at = None
            log.warning(
                "notifications: delivery #%s over %s failed for good after %s attempt(s): %s",
                delivery.pk,
                delivery.channel,
                delivery.attempts,
                result.error,
            )
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
            log.info(
                "notifications: delivery #%s over %s failed (%s); retry at %s",
                delivery.pk,
                delivery.channel,
                result.error,
                delivery.next_attempt_at,
            )
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "history",
                "status",
                "sent_at",
                "failed_at",
                "next_attempt_at",
            ]
        )
        return DeliverOutcome(delivery.pk, delivery.status, attempted=True)


def retry_due(limit: int = 500) -> int:
    """Enqueue the pending deliveries whose time has come (retries, quiet hours).

    Fresh deliveries whose first task may still be on its way are left alone
    for a minute. The outbox key includes the attempt and due time, so running
    this sweep often enqueues each due attempt once.
    """
    now = timezone.now()
    fresh = now - timedelta(seconds=60)
    due = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .exclude(attempts=0, not_before__isnull=True, created_at__gt=fresh)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts", "next_attempt_at")[:limit]
    )
    count = 0
    with transaction.atomic():
        for pk, attempts, next_attempt_at in due:
            stamp = int(next_attempt_at.timestamp()) if next_attempt_at else 0
            if enqueue(DELIVER_TASK, key=f"deliver:{pk}:{attempts}:{stamp}", delivery_id=pk):
                count += 1
    return count


def retry_now(delivery_ids: Iterable[int]) -> int:
    """Admin: make deliveries pending and due now, and enqueue them.

    A delivery that already used up its attempts gets exactly one more."""
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for delivery in Delivery.objects.select_for_update().filter(pk__in=list(delivery_ids)):
            if delivery.status == DeliveryStatus.SENT:
                continue
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now
            delivery.not_before = None
            delivery.failed_at = None
            delivery.save(update_fields=["status", "next_attempt_at", "not_before", "failed_at"])
            enqueue(
                DELIVER_TASK,
                key=f"deliver:{delivery.pk}:manual:{now.timestamp()}",
                delivery_id=delivery.pk,
            )
            count += 1
    return count
