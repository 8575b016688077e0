"""Reads of the residents' app."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from anxin.accounts.choices import role_label
from anxin.areas.choices import Level
from anxin.areas.models import Area
from anxin.areas.spatial import resolve_point
from anxin.core.process_cache import ProcessCache
from anxin.core.scoping import owner_filter
from anxin.hazards.choices import AttachmentKind, EventKind, Status
from anxin.hazards.models import Attachment, Hazard, HazardEvent
from anxin.residents.choices import (
    AFTER_PHASES,
    BEFORE_PHASES,
    BOARD_PHOTOS_PER_SIDE,
    PLAIN_STATUS,
)
from anxin.residents.models import LocalityPolicy
from anxin.taxonomy.models import Category


@dataclass(frozen=True)
class Policy:
    allow_anonymous_reports: bool = False
    blur_public_photos: bool = False


DEFAULT_POLICY = Policy()


def _load_policies() -> dict[str, Policy]:
    return {
        row.area.path: Policy(
            allow_anonymous_reports=row.allow_anonymous_reports,
            blur_public_photos=row.blur_public_photos,
        )
        for row in LocalityPolicy.objects.select_related("area")
    }


locality_policies: ProcessCache[dict[str, Policy]] = ProcessCache(_load_policies, ttl=30.0)


def policy_for_path(area_path: str) -> Policy:
    """The policy of the nearest locality at or above the area with this path."""
    policies = locality_policies.get()
    best: tuple[int, Policy] | None = None
    for path, policy in policies.items():
        if area_path.startswith(path) and (best is None or len(path) > best[0]):
            best = (len(path), policy)
    return best[1] if best else DEFAULT_POLICY


def policy_for_point(lat: float, lng: float) -> Policy | None:
    """The policy where a WGS-84 point lies, or None outside every area."""
    resolution = resolve_point(lat, lng)
    deepest = resolution.deepest_id
    if deepest is None:
        return None
    facts = next((f for f in resolution.areas.values() if f.id == deepest), None)
    if facts is None:
        return DEFAULT_POLICY
    return policy_for_path(facts.path)


# --- who is a resident -------------------------------------------------------------------
# --- the org tree as a resident sees it ------------------------------------------------------
def _label(area: Area) -> str:
    language = (get_language() or "").lower()
    return area.name_en if language.startswith("en") and area.name_en else area.name


def _upper(area: Area, by_code: dict[str, Area], level: str) -> Area | None:
    for code in reversed(area.ancestor_codes()[:-1]):
        found = by_code.get(code)
        if found is not None and found.level == level:
            return found
    return None


def building_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every building, grouped by community (“street · community”), for the
    home-building select of the sign-up page."""
    upper = {
        a.code: a
        for a in Area.objects.filter(level__in=[Level.STREET, Level.COMMUNITY, Level.GRID])
    }
    groups: dict[str, list[tuple[int, str]]] = {}
    for building in Area.objects.filter(level=Level.BUILDING).order_by("path"):
        community = _upper(building, upper, Level.COMMUNITY)
        street = _upper(building, upper, Level.STREET)
        grid = _upper(building, upper, Level.GRID)
        group = " · ".join(_label(a) for a in (street, community) if a is not None) or "—"
        name = _label(building) if grid is None else f"{_label(building)}（{_label(grid)}）"
        groups.setdefault(group, []).append((building.pk, name))
    return list(groups.items())


def community_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every community, grouped by street, for the public board's select."""
    streets = {a.code: a for a in Area.objects.filter(level=Level.STREET)}
    groups: dict[str, list[tuple[int, str]]] = {}
    for community in Area.objects.filter(level=Level.COMMUNITY).order_by("path"):
        street = _upper(community, streets, Level.STREET)
        groups.setdefault(_label(street) if street else "—", []).append(
            (community.pk, _label(community))
        )
    return list(groups.items())


def community_of(area: Area | None) -> Area | None:
    if area is None:
        return None
    if area.level == Level.COMMUNITY:
        return area
    return (
        Area.objects.filter(code__in=area.ancestor_codes(), level=Level.COMMUNITY)
        .order_by("-depth")
        .first()
    )


def home_community(user: Any) -> Area | None:
    if user is None or not user.is_authenticated or not user.home_building_id:
        return None
    return community_of(user.home_building)


# --- my reports -------------------------------------------------------------------------------
def _public_photos() -> Prefetch[Any]:
    """Each file's photos that have a public copy, as ``hazard.public_photos``
    (read by ``photos_of``)."""
    return Prefetch(
        "attachments",
        queryset=Attachment.objects.filter(kind=AttachmentKind.PHOTO).exclude(public_file=""),
        to_attr="public_photos",
    )


def mine(hazards: QuerySet[Hazard], user: Any) -> QuerySet[Hazard]:
    """Of ``hazards``, those the user reported or follows."""
    if user is None or not user.is_authenticated:
        return hazards.none()
    return hazards.filter(owner_filter(Hazard.scope_rules, user))


def as_my_reports(hazards: QuerySet[Hazard]) -> QuerySet[Hazard]:
    """``hazards`` as "my reports" lists them, newest first."""
    return (
        hazards.select_related("category", "category__parent", "community", "merged_into")
        .prefetch_related(_public_photos())
        .order_by("-reported_at", "-id")
    )


def my_reports(user: Any) -> QuerySet[Hazard]:
    """Hazards the user reported or follows (not the public ones of others), newest first."""
    return mine(as_my_reports(Hazard.objects.restrict(user, "view", include_public=False)), user)


def my_report(user: Any, pk: int) -> Hazard | None:
    return my_reports(user).filter(pk=pk).first()


def plain_status(status: str) -> str:
    return str(PLAIN_STATUS.get(status, Status(status).label if status in Status.values else ""))


def photos_of(hazard: Hazard, phases: Iterable[str]) -> list[Attachment]:
    """Photos with a public copy (EXIF removed) of the given phases, oldest first."""
    wanted = set(phases)
    photos = getattr(hazard, "public_photos", None)
    if photos is None:
        photos = list(hazard.attachments.filter(kind=AttachmentKind.PHOTO).exclude(public_file=""))
    return [a for a in photos if a.phase in wanted]


def thumbnail(hazard: Hazard) -> Attachment | None:
    photos = photos_of(hazard, BEFORE_PHASES) or photos_of(hazard, AFTER_PHASES)
    return photos[0] if photos else None


def of_my_reports(attachments: QuerySet[Attachment], user: Any) -> QuerySet[Attachment]:
    """Of ``attachments``, those of the user's own or followed reports."""
    return attachments.filter(hazard__in=my_reports(user).values("pk"))


# --- the timeline a resident may see -----------------------------------------------------------
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def without_mobiles(text: str) -> str:
    """Text with every mainland mobile number masked (138****1234)."""
    return MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _transition_titles() -> dict[str, str]:
    return {
        "report": _("Report received"),
        "verify": _("Checked: it is a hazard"),
        "reject": _("Checked: not a safety hazard"),
        "merge": _("Merged into a report of the same hazard"),
        "dispatch": _("Passed to the responsible unit to fix"),
        "accept": _("The responsible unit took on the work"),
        "return": _("The unit handed the work back; another unit is being found"),
        "rectify": _("Fixed; waiting for the recheck"),
        "fix_on_spot": _("Fixed on the spot; waiting for the recheck"),
        "pass_recheck": _("Recheck passed: fixed and closed"),
        "fail_recheck": _("Recheck failed: fixing goes on"),
    }


def _kind_titles() -> dict[str, str]:
    return {
        EventKind.REVIEW: _("Checked by a reviewer"),
        EventKind.MERGE: _("Another report of the same hazard was merged here"),
        EventKind.PUBLICISE: _("Shown on the public board"),
        EventKind.ATTACHMENT: _("Photos added"),
        EventKind.OVERDUE: _("Past its deadline"),
        EventKind.ESCALATION: _("Raised to a higher level"),
        EventKind.LISTING: _("Put under supervised rectification"),
        EventKind.WHISTLE: _("Departments called in"),
        EventKind.INTERIM_CONTROL: _("Interim safety measures taken"),
        EventKind.PLAN: _("Rectification plan set"),
        EventKind.EXTENSION_REQUESTED: _("More time was asked for"),
        EventKind.EXTENSION_DECIDED: _("More time was decided on"),
    }


# Reasons a resident is shown: why the report was not a hazard, why the recheck failed.
REASON_ACTIONS = frozenset({"reject", "fail_recheck"})
HIDDEN_KINDS = frozenset({EventKind.COMMENT})


def resident_timeline(hazard: Hazard, viewer: Any) -> list[dict[str, Any]]:
    """The hazard's non-internal events in words for residents: who acted is
    shown by role only (never a name or a phone number); the organisation a
    hazard was passed to is named; reasons only for a rejection or a failed recheck."""
    transition_titles = _transition_titles()
    kind_titles = _kind_titles()
    rows = []
    events = (
        HazardEvent.objects.filter(hazard=hazard, is_internal=False)
        .exclude(kind__in=HIDDEN_KINDS)
        .only(
            "kind",
            "action",
            "actor_id",
            "actor_role",
            "from_status",
            "to_status",
            "reason",
            "data",
            "created_at",
        )
        .order_by("created_at", "id")
    )
    for event in events:
        if event.kind in (EventKind.TRANSITION, EventKind.DISPATCH) or event.action == "report":
            title = transition_titles.get(event.action) or event.get_kind_display()
        else:
            title = kind_titles.get(event.kind) or event.get_kind_display()
        data = event.data if isinstance(event.data, dict) else {}
        details: list[str] = []
        if data.get("organisation_name") and event.action == "dispatch":
            details.append(_("Responsible unit: %(name)s") % {"name": data["organisation_name"]})
        if data.get("deadline") and event.action == "dispatch":
            parsed = parse_datetime(str(data["deadline"]))
            if parsed:
                details.append(
                    _("To be fixed by %(date)s")
                    % {"date": timezone.localtime(parsed).strftime("%Y-%m-%d")}
                )
        if data.get("into_code") and event.action == "merge":
            details.append(_("Now followed as %(code)s") % {"code": data["into_code"]})
        reason = ""
        if event.action in REASON_ACTIONS and event.reason:
            reason = without_mobiles(event.reason)
        mine = viewer is not None and event.actor_id is not None and event.actor_id == viewer.pk
        rows.append(
            {
                "id": event.pk,
                "kind": event.kind,
                "action": event.action,
                "title": title,
                "who": _("You") if mine else role_label(event.actor_role, _("Staff")),
                "at": event.created_at,
                "details": details,
                "reason": reason,
                "status": plain_status(event.to_status)
                if event.to_status and event.to_status != event.from_status
                else "",
            }
        )
    return rows


# --- the public board --------------------------------------------------------------------------
def board(
    hazards: QuerySet[Hazard],
    in_community: Area | None = None,
    main_class: str = "",
    month: tuple[int, int] | None = None,
) -> QuerySet[Hazard]:
    """Of ``hazards`` (those the user may see), the closed and publicised ones
    (what anyone may see), newest closing first."""
    qs = hazards.filter(status=Status.CLOSED, publicised_at__isnull=False)
    if in_community is not None:
        qs = qs.filter(community=in_community)
    if main_class:
        qs = qs.filter(category__code__startswith=main_class)
    if month is not None:
        year, number = month
        tz = timezone.get_current_timezone()
        start = datetime(year, number, 1, tzinfo=tz)
        end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=tz)
        qs = qs.filter(closed_at__gte=start, closed_at__lt=end)
    return (
        qs.select_related("category", "category__parent", "community")
        .prefetch_related(_public_photos())
        .order_by("-closed_at", "-id")
    )


def main_classes() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True, is_active=True).order_by("code"))


def board_photos(hazard: Hazard) -> tuple[list[Attachment], list[Attachment]]:
    """Before and after photos to show on the public board (at most a few each)."""
    return (
        photos_of(hazard, BEFORE_PHASES)[:BOARD_PHOTOS_PER_SIDE],
        photos_of(hazard, AFTER_PHASES)[:BOARD_PHOTOS_PER_SIDE],
    )


def needs_blur(hazard: Hazard) -> bool:
    return policy_for_path(hazard.area_path).blur_public_photos


def on_the_board(attachments: QuerySet[Attachment], user: Any) -> QuerySet[Attachment]:
    """Of ``attachments``, those of closed and publicised hazards."""
    return attachments.filter(hazard__status=Status.CLOSED, hazard__publicised_at__isnull=False)


def community(pk: int) -> Area | None:
    """A community by its id (community names are public: the board lists them all)."""
    return Area.objects.filter(pk=pk, level=Level.COMMUNITY).first()
