"""Residents are told when a report they made or follow moves (DESIGN §6).

Connected to ``anxin.hazards.signals.hazard_changed`` in ``AppConfig.ready``; it
runs in the worker after the change committed. ``anxin.notifications`` already
tells the reporter and followers when a hazard is closed or publicised, and the
reporter when it is rejected; this adds the other moves a resident can see
(checked, passed to the responsible unit, merged, rejected — to followers —,
fixed and waiting for the recheck, recheck failed). Each notification is keyed
by the event id and the user, so a re-run creates nothing new.

When a hazard is publicised where the locality requires blurred public photos,
the blurred copies are made here, in the background, so that the first visitor
of the board does not wait for them (the board makes any still missing).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from anxin.accounts.selectors import is_resident_only
from anxin.hazards.choices import EventKind, Status

if TYPE_CHECKING:
    from anxin.accounts.models import User
    from anxin.hazards.models import Hazard, HazardEvent

log = logging.getLogger(__name__)

# hazard_changed kinds this receiver tells residents about
RESIDENT_KINDS = frozenset(
    {"verify", "dispatch", "merge", "reject", "rectify", "fix_on_spot", "fail_recheck"}
)
NOTIFICATION_KIND = "resident_progress"


def _titles() -> dict[str, str]:
    return {
        "verified": _("Your report was checked: %(hazard)s"),
        "dispatched": _("Passed to the responsible unit to fix: %(hazard)s"),
        "merged": _("Merged with a report of the same hazard: %(hazard)s"),
        "rejected": _("Checked, not a safety hazard: %(hazard)s"),
        "rectified": _("Fixed, waiting for the recheck: %(hazard)s"),
        "recheck_failed": _("Recheck failed, fixing goes on: %(hazard)s"),
    }


def _move(kind: str, events: Sequence[HazardEvent]) -> tuple[str, HazardEvent] | None:
    """Which resident-visible move ``events`` made, and the event it is keyed by."""
    moved = [e for e in events if e.kind == EventKind.TRANSITION and e.from_status != e.to_status]
    if not moved:
        return None
    first = moved[0]
    if kind == "verify":
        dispatched = next((e for e in moved if e.to_status == Status.DISPATCHED), None)
        return ("dispatched", first) if dispatched is not None else ("verified", first)
    if kind == "dispatch":
        return "dispatched", first
    if kind == "merge":
        return "merged", first
    if kind == "reject":
        return "rejected", first
    if kind in ("rectify", "fix_on_spot"):
        return "rectified", first
    if kind == "fail_recheck":
        return "recheck_failed", first
    return None


def _recipients(hazard: Hazard, event: HazardEvent, move: str) -> list[User]:
    from anxin.notifications import selectors as notify_selectors

    people = notify_selectors.reporter_and_followers(hazard)
    if move == "rejected":  # the reporter is told by anxin.notifications
        people = [u for u in people if u.pk != hazard.reporter_id]
    people = [u for u in people if u.pk != event.actor_id and is_resident_only(u)]
    return notify_selectors.visible_only(people, hazard.pk)


def notify_residents(hazard: Hazard, kind: str, events: Sequence[HazardEvent]) -> int:
    from anxin.notifications import actions as notify
    from anxin.residents.selectors import plain_status, without_mobiles

    found = _move(kind, events)
    if found is None:
        return 0
    move, event = found
    label = f"{hazard.code} {hazard.title}".strip()
    title = _titles()[move] % {"hazard": label}
    body = [plain_status(hazard.status)]
    if move in ("rejected", "recheck_failed") and event.reason:
        body.append(_("Reason: %(reason)s") % {"reason": without_mobiles(event.reason)})
    link = reverse("residents:report_detail", args=[hazard.pk])
    count = 0
    for user in _recipients(hazard, event, move):
        count += len(
            notify.notify(
                [user],
                kind=NOTIFICATION_KIND,
                title=title,
                body="\n".join(body),
                link=link,
                key=f"resident:{event.pk}:{user.pk}",
                hazard_id=hazard.pk,
            )
        )
    return count


def make_blurred_copies(hazard: Hazard) -> int:
    from anxin.residents import actions, selectors

    if not selectors.needs_blur(hazard):
        return 0
    before, after = selectors.board_photos(hazard)
    return len(actions.ensure_blurred_copies([*before, *after]))


def on_hazard_changed(
    sender: Any, hazard_id: int, kind: str, event_ids: Sequence[int] = (), **kwargs: Any
) -> None:
    from anxin.hazards.models import Hazard, HazardEvent

    if kind not in RESIDENT_KINDS and kind != "publicise":
        return
    hazard = Hazard.objects.select_related("reporter", "category").filter(pk=hazard_id).first()
    if hazard is None:
        return
    if kind == "publicise":
        try:
            made = make_blurred_copies(hazard)
        except Exception:  # the board makes them later; never fail the other receivers
            log.exception("residents: blurred copies of hazard %s failed", hazard_id)
        else:
            log.debug("residents: %s blurred copies for hazard %s", made, hazard_id)
        return
    events = list(
        HazardEvent.objects.filter(pk__in=list(event_ids), hazard_id=hazard_id).order_by(
            "created_at", "id"
        )
    )
    with transaction.atomic():
        count = notify_residents(hazard, kind, events)
    log.debug("residents: %s on hazard %s → %s notification(s)", kind, hazard_id, count)
