"""The staff workbench pages of the hazard file: the list with its filters and
Excel export, the file page (一隐患一档案) with its action forms, and the staff
report form.

Every query starts from ``Hazard.objects.restrict(user, action)``; a hazard out
of scope answers 404. Every write calls the same actions as the API.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.accounts.actions import record_personal_data_views
from anxin.accounts.api.personal import PersonalDataMixin
from anxin.accounts.choices import Role, role_allows
from anxin.accounts.selectors import is_staff_viewer, mask_mobile, mask_name, roles_of
from anxin.core.pages import is_htmx, page_login_required, scoped, unscoped
from anxin.hazards import actions
from anxin.hazards.choices import (
    DEADLINE_STATUSES,
    OPEN_STATUSES,
    SIX_ITEM_PLAN_FIELDS,
    EscalationLevel,
    EventKind,
    Phase,
    RiskColour,
    Status,
)
from anxin.hazards.errors import HazardValidationError, TransitionConflict
from anxin.hazards.forms import (
    ACTION_SPECS,
    FILES_NOT_KEPT,
    PLAN_LABELS,
    ActionForm,
    HazardFilterForm,
    ReportForm,
    add_action_errors,
)
from anxin.hazards.models import Attachment, Hazard
from anxin.hazards.selectors import (
    allowed_transitions,
    in_change_scope,
    nearby_open,
    timeline,
    visible_duplicates,
)
from anxin.hazards.workflow import TIER_OF_ROLE, TRANSITIONS
from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import active_subclasses, search_categories

PAGE_SIZE = 50

# The hazard file as its page shows it.
HAZARD_FILE = Hazard.objects.select_related(
    "category",
    "category__parent",
    "grid",
    "community",
    "street",
    "building",
    "nearest_place",
    "responsible_organisation",
    "responsible_person",
    "supervising_department",
    "reporter",
    "grid_worker",
    "merged_into",
).prefetch_related("attachments", "whistle_calls__department", "extensions")
LIST_ROWS = Hazard.objects.select_related(
    "category", "category__parent", "grid", "community", "responsible_organisation"
)


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


# --- keyset pagination -----------------------------------------------------------------------
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
COLOUR_RANK = {RiskColour.BLUE: 1, RiskColour.YELLOW: 2, RiskColour.ORANGE: 3, RiskColour.RED: 4}
STATUS_RANK = {s: i for i, s in enumerate(Status.values)}
DATETIME_KEYS = ("reported_at", "deadline")


def _sort_expression(key: str) -> Any:
    if key == "reported_at":
        return F("reported_at")
    if key == "deadline":  # no deadline sorts after every deadline
        return Coalesce("deadline", Value(FAR_FUTURE), output_field=DateTimeField())
    ranks = COLOUR_RANK if key == "colour" else STATUS_RANK
    field = "risk_colour" if key == "colour" else "status"
    return Case(
        *[When(**{field: value}, then=Value(rank)) for value, rank in ranks.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def encode_cursor(key: str, value: Any, pk: int) -> str:
    raw = value.isoformat() if isinstance(value, datetime) else value
    text = json.dumps([raw, pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(key: str, token: str | None) -> tuple[Any, int] | None:
    """``None`` for a missing or unreadable cursor (the first page is shown)."""
    if not token:
        return None
    try:
        raw, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if key in DATETIME_KEYS:
            value: Any = parse_datetime(raw)
            if value is None:
                return None
        else:
            value = int(raw)
        return value, int(pk)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        return None


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def keyset_page(
    queryset: QuerySet[Hazard],
    sort: str,
    after: str | None,
    before: str | None,
    size: int | None = None,
) -> Page:
    """One page ordered by (sort key, id): no OFFSET and no COUNT(*)."""
    size = size or PAGE_SIZE
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    queryset = queryset.annotate(sort_key=_sort_expression(key))
    forward = ["-sort_key", "-id"] if descending else ["sort_key", "id"]
    backward = [f[1:] if f.startswith("-") else f"-{f}" for f in forward]

    def beyond(value: Any, pk: int, going_forward: bool) -> Q:
        op = "lt" if descending == going_forward else "gt"
        return Q(**{f"sort_key__{op}": value}) | Q(sort_key=value, **{f"id__{op}": pk})

    before_key = decode_cursor(key, before)
    after_key = decode_cursor(key, after)
    if before_key is not None:
        rows = list(queryset.filter(beyond(*before_key, False)).order_by(*backward)[: size + 1])
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
        has_next = True
    else:
        if after_key is not None:
            queryset = queryset.filter(beyond(*after_key, True))
        rows = list(queryset.order_by(*forward)[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = after_key is not None
    return Page(
        rows=rows,
        next_cursor=encode_cursor(key, rows[-1].sort_key, rows[-1].pk)  # type: ignore[attr-defined]
        if has_next and rows
        else None,
        previous_cursor=encode_cursor(key, rows[0].sort_key, rows[0].pk)  # type: ignore[attr-defined]
        if has_previous and rows
        else None,
    )


def _query(params: QueryDict, **changes: str | None) -> str:
    query = params.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


SORT_DEFAULT_DIRECTION = {
    "reported_at": "-",
    "deadline": "",
    "colour": "-",
    "status": "",
}


def _sort_links(params: QueryDict, current: str) -> dict[str, dict[str, str]]:
    links = {}
    for key, first in SORT_DEFAULT_DIRECTION.items():
        if current.lstrip("-") == key:
            wanted = key if current.startswith("-") else f"-{key}"
            arrow = "↓" if current.startswith("-") else "↑"
        else:
            wanted, arrow = f"{first}{key}", ""
        links[key] = {"url": _query(params, sort=wanted), "arrow": arrow}
    return links


# --- list and export -----------------------------------------------------------------------
@scoped(LIST_ROWS, "view", argument="hazards")
@require_GET
def hazard_list(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    form = HazardFilterForm(request.GET or None, user=request.user)
    if form.is_bound:
        form.is_valid()
    now = timezone.now()
    sort = form.sort_order
    queryset = form.filter(hazards, now)
    page = keyset_page(queryset, sort, request.GET.get("after"), request.GET.get("before"))
    for hazard in page.rows:
        hazard.deadline_state = deadline_state(hazard, now)  # type: ignore[attr-defined]
    params = request.GET
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "sort_links": _sort_links(params, sort),
        "next_url": _query(params, after=page.next_cursor) if page.next_cursor else None,
        "previous_url": _query(params, before=page.previous_cursor)
        if page.previous_cursor
        else None,
        "export_url": reverse("hazards:export") + _query(params),
        "may_export": may_export(request.user),
        "queue": form.cleaned_data.get("queue") if form.is_bound and form.is_valid() else "",
        "now": now,
    }
    if is_htmx(request):
        context["fragment"] = True
        return render(request, "hazards/_results.html", context)
    return render(request, "hazards/list.html", context)


def may_export(user: Any) -> bool:
    return bool(
        user.is_superuser or any(role_allows(m.role, "export") for m in user.active_memberships())
    )


@scoped(LIST_ROWS, "export", argument="hazards")
@require_GET
def hazard_export(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    from anxin.hazards.exports import ledger_workbook

    if not may_export(request.user):
        return render(request, "hazards/export_forbidden.html", status=403)
    form = HazardFilterForm(request.GET or None, user=request.user)
    if form.is_bound:
        form.is_valid()
    now = timezone.now()
    queryset = form.filter(hazards, now).order_by("-reported_at", "-id")
    content = ledger_workbook(queryset, now)
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="hazard-ledger-{stamp}.xlsx"'
    return response


# --- the file page -------------------------------------------------------------------------
class _Masker(PersonalDataMixin):
    """The API's masking rules, for pages."""

    def __init__(self, request: HttpRequest) -> None:
        self.context: dict[str, Any] = {"request": request, "unmasked": {}}

    def show(self, value: str, masker: Callable[[str | None], str | None], hazard: Hazard) -> str:
        return self._personal(value, masker, owner=hazard.reporter, subject=hazard) or ""


def available_actions(hazard: Hazard, user: Any) -> list[str]:
    """The actions (transitions and flags) this user may take on this file now."""
    from anxin.hazards.actions import COMMUNITY_STAFF, RECTIFIER_ROLES, SUPERVISORS

    names = allowed_transitions(hazard, user)
    roles = roles_of(user)
    su = user.is_superuser
    if "verify" in names and not su:
        tiers = [TIER_OF_ROLE[r] for r in roles if r in TIER_OF_ROLE]
        if not tiers or max(tiers) <= hazard.review_tier:
            names.remove("verify")
    if not (su or in_change_scope(hazard, user)):
        return names

    def holds(allowed: set[str] | frozenset[str]) -> bool:
        return su or bool(roles & set(allowed))

    is_open = hazard.status in OPEN_STATUSES
    user_orgs = {m.organisation_id for m in user.active_memberships() if m.organisation_id}
    pending = [e for e in hazard.extensions.all() if e.decision == "pending"]
    flags = []
    if hazard.status == Status.CLOSED and not hazard.publicised_at and holds(COMMUNITY_STAFF):
        flags.append("publicise")
    if (
        is_open
        and hazard.is_major
        and holds(RECTIFIER_ROLES | SUPERVISORS | {Role.COMMUNITY_ADMIN})
    ):
        flags.append("plan")
    if is_open and holds(RECTIFIER_ROLES | COMMUNITY_STAFF | {Role.GRID_WORKER}):
        flags.append("interim_control")
    if (
        hazard.status in DEADLINE_STATUSES
        and holds(RECTIFIER_ROLES)
        and (su or hazard.responsible_organisation_id in user_orgs)
        and not pending
    ):
        flags.append("extension")
    if pending and holds(COMMUNITY_STAFF):
        flags.append("extension_decision")
    if is_open and not hazard.is_listed and holds(SUPERVISORS):
        flags.append("list")
    if hazard.is_listed and holds(SUPERVISORS):
        flags.append("delist")
    if is_open and holds(SUPERVISORS):
        flags.append("whistle")
    if holds({Role.DEPARTMENT}) and any(
        c.department_id in user_orgs for c in hazard.whistle_calls.all()
    ):
        flags.append("whistle_report")
    if holds(set(TIER_OF_ROLE) | RECTIFIER_ROLES | {Role.DISTRICT_ADMIN, Role.EXPERT}):
        flags.append("evidence")
    return names + flags


def _role_label(code: str) -> str:
    if code in Role.values:
        return str(Role(code).label)
    return {"system": _("System"), "superuser": _("Administrator")}.get(code, code)


def _event_rows(hazard: Hazard, user: Any, staff: bool, masker: _Masker) -> list[dict[str, Any]]:
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
                "role": _role_label(event.actor_role),
                "from": Status(event.from_status).label if event.from_status else "",
                "to": Status(event.to_status).label if event.to_status else "",
                "changed": bool(event.to_status and event.from_status != event.to_status),
                "details": details,
                "attachments": list(event.attachments.all()),
            }
        )
    return rows


def _fmt(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _field_groups(hazard: Hazard, masker: _Masker, staff: bool) -> list[dict[str, Any]]:
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


def _gallery(hazard: Hazard) -> dict[str, Any]:
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


def file_context(
    request: HttpRequest,
    hazard: Hazard,
    *,
    bound: ActionForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict[str, Any]:
    user: Any = request.user
    now = timezone.now()
    staff = is_staff_viewer(user)
    masker = _Masker(request)
    names = available_actions(hazard, user)
    candidates: list[Hazard] = []
    if "merge" in names:
        candidates = list(visible_duplicates(hazard, user)[:10])
    forms = []
    for name in names:
        if bound is not None and bound.spec.name == name:
            forms.append(bound)
        else:
            forms.append(ActionForm(ACTION_SPECS[name], hazard, user, candidates=candidates))
    transitions = [f for f in forms if f.spec.transition]
    flags = [f for f in forms if not f.spec.transition]
    groups = _field_groups(hazard, masker, staff)
    plan = [
        (PLAN_LABELS[k], hazard.six_item_plan.get(k, ""))
        for k in SIX_ITEM_PLAN_FIELDS
        if isinstance(hazard.six_item_plan, dict) and hazard.six_item_plan.get(k)
    ]
    events = _event_rows(hazard, user, staff, masker)
    unmasked = masker.context.get("unmasked") or {}
    if unmasked:
        record_personal_data_views(user, list(unmasked.values()), request)
    return {
        "hazard": hazard,
        "staff": staff,
        "deadline": deadline_state(hazard, now),
        "groups": groups,
        "gallery": _gallery(hazard),
        "events": events,
        "transition_forms": transitions,
        "flag_forms": flags,
        "open_form": bound.spec.name if bound is not None else "",
        "candidates": candidates,
        "plan": plan,
        "whistle_calls": list(hazard.whistle_calls.all()) if staff else [],
        "extensions": list(hazard.extensions.all()) if staff else [],
        "escalation": EscalationLevel(hazard.escalation_level).label,
        "notice": notice,
        "error": error,
        "files_not_kept": FILES_NOT_KEPT,
    }


@scoped(HAZARD_FILE, "view", argument="hazard", lookup="pk")
@require_GET
def hazard_detail(request: HttpRequest, hazard: Hazard) -> HttpResponse:
    return render(request, "hazards/detail.html", file_context(request, hazard))


def _run_action(form: ActionForm, hazard: Hazard, user: Any) -> str:
    """Call the action for the form; returns the success message."""
    spec = form.spec
    data = form.cleaned_data
    pk = hazard.pk
    deadline = data.get("deadline")
    deadline_text = deadline.isoformat() if deadline else None
    if spec.transition:
        payload: dict[str, Any] = {}
        if deadline_text:
            payload["deadline"] = deadline_text
        if data.get("organisation") is not None:
            payload["organisation"] = data["organisation"].pk
        if data.get("into"):
            payload["into"] = data["into"].strip()
        if data.get("expert_opinion"):
            payload["expert_opinion"] = data["expert_opinion"]
        actions.transition(
            pk, user, spec.name, reason=data.get("reason", ""), uploads=form.uploads(), data=payload
        )
    elif spec.name == "publicise":
        actions.publicise(pk, user)
    elif spec.name == "list":
        actions.list_hazard(pk, user, level=data["level"])
    elif spec.name == "delist":
        actions.delist_hazard(pk, user, reason=data.get("reason", ""))
    elif spec.name == "whistle":
        actions.whistle_call(
            pk, user, [d.pk for d in data["departments"]], reason=data.get("reason", "")
        )
    elif spec.name == "whistle_report":
        actions.whistle_report(pk, user, arrived=True, answer=data.get("answer", ""))
    elif spec.name == "extension":
        actions.request_extension(pk, user, deadline=deadline_text, reason=data.get("reason", ""))
    elif spec.name == "extension_decision":
        actions.decide_extension(
            int(data["extension"]),
            user,
            approve=data["approve"] == "yes",
            reason=data.get("reason", ""),
        )
    elif spec.name == "interim_control":
        actions.record_interim_control(
            pk, user, measures=data.get("measures", ""), uploads=form.uploads()
        )
    elif spec.name == "plan":
        plan = {k: data.get(k) for k in SIX_ITEM_PLAN_FIELDS}
        plan["time_limit"] = data["time_limit"].isoformat() if data.get("time_limit") else ""
        actions.set_six_item_plan(pk, user, plan)
    elif spec.name == "evidence":
        actions.add_evidence(pk, user, form.uploads(), note=data.get("reason", ""))
    else:  # pragma: no cover - ACTION_SPECS and this function list the same names
        raise Http404
    return _("Done: %(action)s.") % {"action": spec.label}


@scoped(HAZARD_FILE, "view", argument="hazard", lookup="pk", queryset_argument="hazards")
@require_POST
def hazard_act(
    request: HttpRequest, hazard: Hazard, hazards: QuerySet[Hazard], name: str
) -> HttpResponse:
    """Post one action's form. With HTMX the main section of the file page is
    returned (422 with the form's errors, 409 on a conflict, 403 when not
    allowed); without JS, success redirects and failures render the page."""
    spec = ACTION_SPECS.get(name)
    if spec is None:
        raise Http404
    pk = hazard.pk
    user: Any = request.user
    form = ActionForm(spec, hazard, user, request.POST, request.FILES)
    status, notice, error = 200, "", ""
    bound: ActionForm | None = None
    if not form.is_valid():
        status, bound = 422, form
    else:
        try:
            notice = _run_action(form, hazard, user)
        except HazardValidationError as exc:
            add_action_errors(form, exc)
            status, bound = 422, form
        except TransitionConflict as exc:
            status, error = 409, str(exc.message)
        except PermissionDenied as exc:
            status = 403
            error = str(exc) or _("You may not do this on this hazard.")
    if status == 200 and not is_htmx(request):
        messages.success(request, notice)
        return redirect("hazards:detail", pk=pk)
    fresh = hazards.filter(pk=pk).first()
    if fresh is None:  # e.g. returned and re-dispatched away from this user
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("hazards:list")
            return response
        messages.info(request, notice or error)
        return redirect("hazards:list")
    context = file_context(request, fresh, bound=bound, notice=notice, error=error)
    if status == 422 and bound is not None and request.FILES:
        context["error"] = _("Please correct the errors below.")
    template = "hazards/_main.html" if is_htmx(request) else "hazards/detail.html"
    return render(request, template, context, status=status)


# --- the staff report form -------------------------------------------------------------------
def _report_context(form: ReportForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "files_not_kept": FILES_NOT_KEPT,
        "categories": list(active_subclasses()),
        **extra,
    }


def _merge_report_into(
    request: HttpRequest, hazards: QuerySet[Hazard], form: ReportForm, target_id: str
) -> HttpResponse:
    """A staff reporter's "merge into": this report becomes evidence on the open
    file (when the user may add evidence) and the user follows it."""
    user: Any = request.user
    target = hazards.filter(
        pk=int(target_id) if target_id.isdigit() else -1, status__in=OPEN_STATUSES
    ).first()
    if target is None:
        form.is_valid()
        form.add_error(None, _("That file is no longer open; report a new hazard instead."))
        return render(request, "hazards/new.html", _report_context(form), status=422)
    files = request.FILES.getlist("attachments")
    note = (request.POST.get("description") or "").strip()
    added = False
    if files:
        try:
            actions.add_evidence(target.pk, user, [(f, Phase.FOUND) for f in files], note=note)
            added = True
        except HazardValidationError as exc:
            form.is_valid()
            add_action_errors(form, exc)
            return render(request, "hazards/new.html", _report_context(form), status=422)
        except (PermissionDenied, Http404):
            added = False
    actions.follow(target.pk, user)
    if added:
        messages.success(
            request,
            _("Your photos were added to %(code)s and you now follow it.") % {"code": target.code},
        )
    else:
        messages.success(request, _("You now follow %(code)s.") % {"code": target.code})
    return redirect("hazards:detail", pk=target.pk)


@scoped(Hazard, "view", argument="hazards")
@require_http_methods(["GET", "POST"])
def hazard_new(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    user: Any = request.user
    if request.method == "GET":
        return render(request, "hazards/new.html", _report_context(ReportForm()))
    form = ReportForm(request.POST, request.FILES)
    merge_into = request.POST.get("merge_into", "")
    if merge_into:
        return _merge_report_into(request, hazards, form, merge_into)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = actions.report_hazard(
                reporter=user,
                category=data["category"],
                lat=data["lat"],
                lng=data["lng"],
                title=data.get("title", ""),
                description=data.get("description", ""),
                address=data.get("address", ""),
                risk_colour=data.get("risk_colour", ""),
                grade=data["grade"],
                quantity=data.get("quantity", ""),
                uploads=[(f, Phase.FOUND) for f in data.get("attachments") or []],
                idempotency_key=data.get("idempotency_key") or None,
            )
        except HazardValidationError as exc:
            unplaced = add_action_errors(form, exc)
            form.location_errors.extend(unplaced.get("location", []))
        else:
            hazard = result.hazard
            messages.success(request, _("Reported as %(code)s.") % {"code": hazard.code})
            if result.missing:
                messages.warning(
                    request,
                    _("This report still lacks: %(items)s.") % {"items": ", ".join(result.missing)},
                )
            visible = hazards.filter(pk__in=[h.pk for h in result.duplicates])
            codes = [h.code for h in visible]
            if codes:
                messages.warning(
                    request,
                    _("Possible duplicates nearby: %(codes)s.") % {"codes": ", ".join(codes)},
                )
            return redirect("hazards:detail", pk=hazard.pk)
    return render(request, "hazards/new.html", _report_context(form), status=422)


@unscoped("hazard categories are the same for everyone")
@page_login_required
@require_GET
def category_options(request: HttpRequest) -> HttpResponse:
    """HTMX: the category select's options matching the search text."""
    text = request.GET.get("category_search", "")[:60]
    selected = request.GET.get("category", "")
    found = list(search_categories(text)[:80])
    if len(found) == 1:
        selected = found[0].code
    return render(
        request,
        "hazards/_category_options.html",
        {"categories": found, "selected": selected, "text": text},
    )


@scoped(Hazard, "view", argument="hazards")
@require_GET
def duplicate_check(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    """HTMX: open hazards of the chosen subclass near the chosen point, in scope."""
    code = request.GET.get("category", "")
    category = Category.objects.filter(code=code, parent__isnull=False).first()
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        lat = lng = None  # type: ignore[assignment]
    rows: list[dict[str, Any]] = []
    if category is not None and lat is not None and lng is not None:
        since = timezone.now() - timedelta(days=category.duplicate_window_days)
        queryset = hazards.filter(category=category, reported_at__gte=since)
        for hazard, distance in nearby_open(
            lat, lng, category.duplicate_radius_m, queryset, limit=10
        ):
            rows.append({"hazard": hazard, "distance": round(distance)})
    return render(
        request,
        "hazards/_duplicates.html",
        {"rows": rows, "ready": category is not None and lat is not None},
    )
