"""Writes of the hazard file, one module per kind of change:

* ``report``: a report becomes a file (``report_hazard``);
* ``transitions``: the closed loop's status changes (``transition``), declared in
  ``anxin.hazards.workflow``;
* ``flags``: supervision flags that are not states (listing, whistle calls,
  extensions, interim control, the six-item plan, publication, evidence, following);
* ``sweep``: overdue marks and escalation when a time limit passes;
* ``common``: what they share (timeline events, side effects on commit, row locks).

Each action checks the actor's scope (``Hazard.objects.restrict``) and role, locks
the row, validates guards, writes the change and an append-only event, and
schedules side effects to run after the transaction commits. Callers import
from this package (``from anxin.hazards import actions``).
"""

from anxin.hazards.actions.common import (
    COMMUNITY_STAFF,
    HAZARD_CHANGED_KEY,
    HAZARD_CHANGED_TASK,
    RECTIFIER_ROLES,
    SUPERVISORS,
    Upload,
    check_uploads,
)
from anxin.hazards.actions.flags import (
    add_evidence,
    decide_extension,
    delist_hazard,
    follow,
    list_hazard,
    publicise,
    record_interim_control,
    request_extension,
    set_six_item_plan,
    whistle_call,
    whistle_report,
)
from anxin.hazards.actions.report import ReportResult, completeness, grid_workers, report_hazard
from anxin.hazards.actions.sweep import SweepResult, sweep_overdue
from anxin.hazards.actions.transitions import transition
from anxin.hazards.errors import HazardValidationError

__all__ = [
    "COMMUNITY_STAFF",
    "HAZARD_CHANGED_KEY",
    "HAZARD_CHANGED_TASK",
    "RECTIFIER_ROLES",
    "SUPERVISORS",
    "HazardValidationError",
    "ReportResult",
    "SweepResult",
    "Upload",
    "add_evidence",
    "check_uploads",
    "completeness",
    "decide_extension",
    "delist_hazard",
    "follow",
    "grid_workers",
    "list_hazard",
    "publicise",
    "record_interim_control",
    "report_hazard",
    "request_extension",
    "set_six_item_plan",
    "sweep_overdue",
    "transition",
    "whistle_call",
    "whistle_report",
]
