"""The closed loop (DESIGN §5), declared once.

Every status change goes through ``anxin.hazards.actions.transition``, which
reads this table: which states a transition leaves from, where it goes, which
roles may fire it, and which guards apply. Nothing else assigns a status.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from anxin.accounts.choices import Role
from anxin.hazards.choices import Status

REVIEWERS = frozenset(
    {Role.GRID_WORKER, Role.SAFETY_OFFICER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN}
)
DISPATCHERS = frozenset({Role.SAFETY_OFFICER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN})
RECTIFIERS = frozenset({Role.PROPERTY_MANAGER, Role.DEPARTMENT})
RECHECKERS = frozenset({Role.SAFETY_OFFICER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN})


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    reason_required: bool = False
    # guards, checked by actions.transition
    needs_after_photos: bool = False
    needs_plan_if_major: bool = False
    blue_only: bool = False
    system_allowed: bool = False
    extra: dict[str, object] = field(default_factory=dict)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "verify",
            _("Verify"),
            frozenset({Status.REPORTED}),
            Status.VERIFIED,
            REVIEWERS,
        ),
        Transition(
            "reject",
            _("Reject as false report"),
            frozenset({Status.REPORTED}),
            Status.REJECTED,
            REVIEWERS,
            reason_required=True,
        ),
        Transition(
            "merge",
            _("Merge into another file"),
            frozenset({Status.REPORTED, Status.VERIFIED}),
            Status.MERGED,
            REVIEWERS,
        ),
        Transition(
            "dispatch",
            _("Dispatch"),
            frozenset({Status.VERIFIED, Status.RETURNED}),
            Status.DISPATCHED,
            DISPATCHERS,
            system_allowed=True,
        ),
        Transition(
            "accept",
            _("Accept the work order"),
            frozenset({Status.DISPATCHED}),
            Status.RECTIFYING,
            RECTIFIERS,
        ),
        Transition(
            "return",
            _("Return for re-dispatch"),
            frozenset({Status.DISPATCHED}),
            Status.RETURNED,
            RECTIFIERS,
            reason_required=True,
        ),
        Transition(
            "rectify",
            _("Submit rectification"),
            frozenset({Status.RECTIFYING}),
            Status.AWAITING_RECHECK,
            RECTIFIERS,
            needs_after_photos=True,
            needs_plan_if_major=True,
        ),
        Transition(
            "fix_on_spot",
            _("Fixed on the spot"),
            frozenset({Status.REPORTED}),
            Status.AWAITING_RECHECK,
            frozenset({Role.GRID_WORKER, Role.SAFETY_OFFICER}),
            needs_after_photos=True,
            blue_only=True,
        ),
        Transition(
            "pass_recheck",
            _("Recheck passed — close"),
            frozenset({Status.AWAITING_RECHECK}),
            Status.CLOSED,
            RECHECKERS,
        ),
        Transition(
            "fail_recheck",
            _("Recheck failed"),
            frozenset({Status.AWAITING_RECHECK}),
            Status.RECTIFYING,
            RECHECKERS,
            reason_required=True,
        ),
    )
}


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]


# Review tiers (DESIGN §5): who must have reviewed before a report is verified.
# Tier 1 grid worker (first review), tier 2 safety officer (re-review),
# tier 3 street office (final review, major hazards only).
TIER_OF_ROLE: dict[str, int] = {
    Role.GRID_WORKER: 1,
    Role.SAFETY_OFFICER: 2,
    Role.COMMUNITY_ADMIN: 2,
    Role.STREET_ADMIN: 3,
}


def tiers_required(colour: str, major: bool) -> int:
    """Blue and yellow reports are verified by the first review; orange and red
    need the safety officer's re-review; major hazards the street's final review."""
    if major:
        return 3
    if colour in ("orange", "red"):
        return 2
    return 1
