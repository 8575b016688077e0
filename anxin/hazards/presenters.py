"""What the workbench pages show of a hazard file: the deadline countdown, the
file page's field groups, its photo gallery and its timeline in rows.

Each takes the hazard (and the viewer where it matters) and returns plain
values for the templates; nothing here reads past the hazard it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anxin.accounts.choices import role_label
from anxin.accounts.selectors import mask_mobile, mask_name
from anxin.hazards.choices import (
    DEADLINE_STATUSES,
    EscalationLevel,
    EventKind,
    Phase,
    Status,
)
from anxin.hazards.models import Attachment, Hazard
from anxin.hazards.selectors import timeline
from anxin.hazards.workflow import TRANSITIONS


# --- deadlines -----------------------------------------------------------------------------
@dataclass
class DeadlineState:
    text: str
    overdue: bool


def deadline_state(hazard: Hazard, now: datetime) -> DeadlineState | None:
    """ "3 days left" / "2 days overdue" while the rectification deadline runs."""
    if hazard.deadline is None or hazard.status not in DEADLINE_STATUSES:
        return None
    seconds = (hazard.deadline - now).total_seconds()
    if seconds >= 0:
        days = int(seconds // 86400)
        if days >= 1:
            text = ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
        else:
            hours = max(1, int(seconds // 3600))
            text = ngettext("%(n)d hour left", "%(n)d hours left", hours) % {"n": hours}
        return DeadlineState(text, hazard.is_overdue)
    late = -seconds
    days = int(late // 86400)
    if days >= 1:
        text = ngettext("%(n)d day overdue", "%(n)d days overdue", days) % {"n": days}
    else:
        hours = max(1, int(late // 3600))
        text = ngettext("%(n)d hour overdue", "%(n)d hours overdue", hours) % {"n": hours}
    return DeadlineState(text, True)


# --- the timeline --------------------------------------------------------------------------
def event_rows(hazard: Hazard, user: Any, staff: bool, masker: Any) -> list[dict[str, Any]]:
    rows = []
    for event in timeline(hazard, include_internal=staff):
        t = TRANSITIONS.get(event.action)
        if event.action == "report":
            title = _("Reported")
        elif t is not None and event.kind in (EventKind.TRANSITION, EventKind.REVIEW):
            title = str(t.label) if event.kind == EventKind.TRANSITION else _("Review")
        else:
            title = event.get_kind_display()
        actor = None
        if event.actor is not None and (staff or event.actor.pk == user.pk):
            # a resident's name is personal data, masked like the reporter's
            actor = masker._personal(
                event.actor.full_name or event.actor.username,
                mask_name,
                owner=event.actor,
                subject=hazard,
            )
        data = event.data if isinstance(event.data, dict) else {}
        details = []
        if data.get("organisation_name"):
            details.append(_("To: %(name)s") % {"name": data["organisation_name"]})
        if data.get("deadline") and event.action in ("dispatch", "extension_decided"):
            parsed = parse_datetime(str(data["deadline"]))
            if parsed:
                details.append(
                    _("Deadline: %(d)s") % {"d": timezone.localtime(parsed).strftime("%Y-%m-%d")}
                )
        if data.get("into_code"):
            details.append(_("Merged into %(code)s") % {"code": data["into_code"]})
        if data.get("merged_code"):
            details.append(_("Duplicate %(code)s merged here") % {"code": data["merged_code"]})
        if event.kind == EventKind.REVIEW and data.get("tier"):
            details.append(
                _("Review %(tier)s of %(needed)s")
                % {"tier": data.get("tier"), "needed": data.get("tiers_required")}
            )
        if data.get("missing"):
            details.append(_("Missing: %(items)s") % {"items": ", ".join(data["missing"])})
        if event.kind == EventKind.ESCALATION and data.get("level") is not None:
            details.append(str(EscalationLevel(int(data["level"])).label))
        rows.append(
            {
                "event": event,
                "title": title,
                "actor": actor,
                "role": role_label(event.actor_role),
                "from": Status(event.from_status).label if event.from_status else "",
                "to": Status(event.to_status).label if event.to_status else "",
                "changed": bool(event.to_status and event.from_status != event.to_status),
                "details": details,
                "attachments": list(event.attachments.all()),
            }
        )
    return rows


# --- the fields ----------------------------------------------------------------------------
def _fmt(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def field_groups(hazard: Hazard, masker: Any, staff: bool) -> list[dict[str, Any]]:
    m = Hazard._meta

    def label(name: str) -> str:
        return str(getattr(m.get_field(name), "verbose_name", name))

    category = hazard.category
    main = category.parent
    grid_worker_phone = (
        hazard.grid_worker.mobile if hazard.grid_worker is not None and staff else ""
    )
    groups: list[dict[str, Any]] = [
        {
            "title": _("Identity"),
            "rows": [
                (label("code"), hazard.code),
                (label("machine_code"), hazard.machine_code),
                (_("File number"), str(hazard.pk)),
            ],
        },
        {
            "title": _("What"),
            "rows": [
                (label("title"), hazard.title),
                (label("description"), hazard.description),
                (_("Main class"), main.name if main else ""),
                (_("Subclass"), f"{category.code} {category.name}"),
                (label("risk_colour"), hazard.get_risk_colour_display()),
                (label("grade"), hazard.get_grade_display()),
                (label("gb35181_clause"), hazard.gb35181_clause),
                (label("quantity"), hazard.quantity),
            ],
        },
        {
            "title": _("Where"),
            "rows": [
                (label("address"), hazard.address),
                (_("Coordinates (WGS-84)"), f"{hazard.lat:.6f}, {hazard.lng:.6f}"),
                (label("street"), hazard.street.name if hazard.street else ""),
                (label("community"), hazard.community.name if hazard.community else ""),
                (label("grid"), f"{hazard.grid.name} ({hazard.grid.code})" if hazard.grid else ""),
                (label("building"), hazard.building.name if hazard.building else ""),
                (
                    label("nearest_place"),
                    f"{hazard.nearest_place.name} · {hazard.nearest_place_distance_m:.0f} m"
                    if hazard.nearest_place and hazard.nearest_place_distance_m is not None
                    else "",
                ),
            ],
        },
        {
            "title": _("Who"),
            "rows": [
                (label("reporter_name"), masker.show(hazard.reporter_name, mask_name, hazard)),
                (label("reporter_phone"), masker.show(hazard.reporter_phone, mask_mobile, hazard)),
                (label("source"), hazard.get_source_display()),
                (
                    label("responsible_organisation"),
                    hazard.responsible_organisation.name if hazard.responsible_organisation else "",
                ),
                (
                    label("responsible_person"),
                    (hazard.responsible_person.full_name or hazard.responsible_person.username)
                    if hazard.responsible_person and staff
                    else "",
                ),
                (
                    label("supervising_department"),
                    hazard.supervising_department.name if hazard.supervising_department else "",
                ),
                (
                    label("grid_worker"),
                    " · ".join(
                        x
                        for x in [
                            hazard.grid_worker.full_name or hazard.grid_worker.username
                            if hazard.grid_worker
                            else "",
                            grid_worker_phone or "",
                        ]
                        if x
                    ),
                ),
            ],
        },
        {
            "title": _("Time"),
            "rows": [
                (label(name), _fmt(getattr(hazard, name)))
                for name in (
                    "found_at",
                    "reported_at",
                    "verify_deadline",
                    "verified_at",
                    "dispatched_at",
                    "accepted_at",
                    "deadline",
                    "interim_deadline",
                    "rectified_at",
                    "recheck_deadline",
                    "rechecked_at",
                    "closed_at",
                    "publicised_at",
                )
            ],
        },
    ]
    return groups


# --- the photos ----------------------------------------------------------------------------
def gallery(hazard: Hazard) -> dict[str, Any]:
    by_phase: dict[str, list[Attachment]] = {}
    for attachment in hazard.attachments.all():
        by_phase.setdefault(attachment.phase, []).append(attachment)
    before = by_phase.pop(Phase.RECTIFY_BEFORE, [])
    after = by_phase.pop(Phase.RECTIFY_AFTER, [])
    phases = [
        {"label": Phase(p).label, "items": by_phase[p]} for p in Phase.values if p in by_phase
    ]
    return {
        "phases": phases,
        "before": before,
        "after": after,
        "any": bool(phases or before or after),
    }
