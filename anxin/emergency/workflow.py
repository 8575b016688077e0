"""The stages of an emergency response (启动 → 处置 → 恢复 → 结束), declared once.

Every stage change goes through ``anxin.emergency.actions.responses.change_stage``,
which reads this table: the stages a transition leaves from, where it goes, and
who may fire it. Starting also depends on the response level: the higher the
level, the higher up the tree the person who starts it (三级响应).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from anxin.emergency.choices import ResponseLevel, Stage

DISTRICT = frozenset({"district_admin"})
STREET = DISTRICT | {"street_admin"}
COMMUNITY = STREET | {"community_admin"}

# Who may start a response at each level.
START_ROLES: dict[str, frozenset[str]] = {
    ResponseLevel.LEVEL_III: COMMUNITY,
    ResponseLevel.LEVEL_II: STREET,
    ResponseLevel.LEVEL_I: DISTRICT,
}


@dataclass(frozen=True)
class StageTransition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    # None: the roles that may start a response at its level (START_ROLES)
    roles: frozenset[str] | None
    note_required: bool = False


TRANSITIONS: dict[str, StageTransition] = {
    t.name: t
    for t in (
        StageTransition(
            "start",
            _("Start the response"),
            frozenset({Stage.PROPOSED}),
            Stage.STARTED,
            None,
        ),
        StageTransition(
            "dismiss",
            _("Dismiss the proposal"),
            frozenset({Stage.PROPOSED}),
            Stage.DISMISSED,
            COMMUNITY,
            note_required=True,
        ),
        StageTransition(
            "handle",
            _("Move to handling"),
            frozenset({Stage.STARTED}),
            Stage.HANDLING,
            None,
        ),
        StageTransition(
            "recover",
            _("Move to recovery"),
            frozenset({Stage.HANDLING}),
            Stage.RECOVERY,
            None,
        ),
        StageTransition(
            "end",
            _("End the response"),
            frozenset({Stage.STARTED, Stage.HANDLING, Stage.RECOVERY}),
            Stage.ENDED,
            None,
            note_required=True,
        ),
    )
}


def transitions_from(stage: str) -> list[StageTransition]:
    return [t for t in TRANSITIONS.values() if stage in t.sources]


def roles_for(name: str, level: str) -> frozenset[str]:
    """The roles that may fire ``name`` on a response of ``level``: the people who
    may start a response at that level command it through its stages."""
    transition = TRANSITIONS[name]
    if transition.roles is not None:
        return transition.roles
    return START_ROLES.get(level, frozenset())


def may_fire(roles: set[str], name: str, level: str, superuser: bool = False) -> bool:
    """Whether a holder of ``roles`` may fire transition ``name`` on a response of ``level``."""
    return superuser or bool(roles & roles_for(name, level))
