"""Writes of after-action reviews (复盘): submitted by the area's admins; the
periodic sweep reminds before they are due and escalates the late ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.areas.models import Area
from anxin.core.errors import Conflict
from anxin.emergency import policy
from anxin.emergency.actions.common import collect, locked, optional_text, record, required_text
from anxin.emergency.choices import ResponseEventKind, ReviewStatus
from anxin.emergency.models import EmergencyResponse, ResponseReview
from anxin.outbox.actions import enqueue

NOTICE_TASK = "anxin.emergency.tasks.notify_review"


def submit_review(user: Any, review: ResponseReview | int, data: dict[str, Any]) -> ResponseReview:
    """Submit the review. Someone outside the response's area does not find it
    (404); a role that may not review is refused (403); a review submitted
    already is refused (409). Nothing changes on refusal."""
    errors: dict[str, list[str]] = {}
    summary = collect(
        errors,
        lambda: required_text(data.get("summary"), "summary", _("Say what happened."), 10_000),
    )
    fields: dict[str, str] = {}
    for name in ("went_well", "to_improve", "follow_up"):
        try:
            fields[name] = optional_text(data.get(name), name, 10_000)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.message_dict[name])
    with transaction.atomic():
        row = locked(ResponseReview, review, user)
        response = EmergencyResponse.objects.select_related("area").get(pk=row.response_id)
        policy.require(policy.may_review(user, response.area), _("submit this review"))
        if row.status != ReviewStatus.OPEN:
            raise Conflict(
                _("This review was submitted already at %(when)s.")
                % {
                    "when": timezone.localtime(row.submitted_at).strftime("%Y-%m-%d %H:%M")
                    if row.submitted_at
                    else "—"
                },
                current_status=row.status,
            )
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        row.summary = summary
        for name, value in fields.items():
            setattr(row, name, value)
        row.status = ReviewStatus.SUBMITTED
        row.submitted_at = now
        row.submitted_by = user
        row.save()
        record(
            response,
            ResponseEventKind.REVIEW_SUBMITTED,
            user,
            note=summary,
            data={"review_id": row.pk, "late": now > row.due_at},
            at=now,
        )
    return row


@dataclass
class ReviewSweep:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def sweep_reviews(now: datetime | None = None) -> ReviewSweep:
    """Remind ``EMERGENCY_REVIEW_REMIND_HOURS`` before a review is due, and escalate
    a review that is late to the district. Each happens once per review."""
    now = now or timezone.now()
    result = ReviewSweep()
    remind_before = timedelta(hours=int(settings.EMERGENCY_REVIEW_REMIND_HOURS))
    open_reviews = ResponseReview.objects.filter(status=ReviewStatus.OPEN)
    for pk in open_reviews.filter(
        reminded_at__isnull=True, due_at__lte=now + remind_before
    ).values_list("pk", flat=True):
        if _mark(pk, "reminded_at", now, ResponseEventKind.REVIEW_REMINDED):
            result.reminded.append(pk)
    for pk in open_reviews.filter(escalated_at__isnull=True, due_at__lt=now).values_list(
        "pk", flat=True
    ):
        if _mark(pk, "escalated_at", now, ResponseEventKind.REVIEW_ESCALATED):
            result.escalated.append(pk)
    return result


def _mark(pk: int, stamp: str, now: datetime, kind: str) -> bool:
    with transaction.atomic():
        row = (
            ResponseReview.objects.select_for_update()
            .filter(pk=pk, status=ReviewStatus.OPEN, **{f"{stamp}__isnull": True})
            .first()
        )
        if row is None:
            return False
        setattr(row, stamp, now)
        row.save(update_fields=[stamp])
        response = EmergencyResponse.objects.get(pk=row.response_id)
        record(response, kind, data={"review_id": row.pk, "due_at": row.due_at.isoformat()}, at=now)
        enqueue(NOTICE_TASK, key=f"review-{kind}:{row.pk}", review_id=row.pk, kind=kind)
    return True


def notify_review(review_id: int, kind: str) -> int:
    """The reminder goes to the response's street admins and the person who
    started it; the escalation to the district admins above it as well."""
    from anxin.notifications import actions as notifications
    from anxin.warnings.selectors import members_with_roles

    review = (
        ResponseReview.objects.select_related("response", "response__area", "response__started_by")
        .filter(pk=review_id)
        .first()
    )
    if review is None or review.status != ReviewStatus.OPEN:
        return 0
    response = review.response
    area: Area = response.area
    people = members_with_roles(["street_admin", "community_admin"], [area])
    if response.started_by is not None:
        people.append(response.started_by)
    due = timezone.localtime(review.due_at).strftime("%Y-%m-%d %H:%M")
    if kind == ResponseEventKind.REVIEW_ESCALATED:
        people += members_with_roles(["district_admin"], [area])
        title = _("Review late: %(title)s") % {"title": response.title}
        body = _("The after-action review was due at %(due)s and is not submitted.") % {"due": due}
        severity = "urgent"
    else:
        title = _("Review due soon: %(title)s") % {"title": response.title}
        body = _("The after-action review is due at %(due)s.") % {"due": due}
        severity = "info"
    return len(
        notifications.notify(
            people,
            kind="review_due",
            title=title,
            body=body,
            link=f"/emergency/responses/{response.pk}/",
            severity=severity,
            key=f"review-{kind}:{review.pk}",
        )
    )
