"""The file page (一隐患一档案): every field of the file, its photos and its
timeline, and the forms of the steps the user may take on it now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts.actions import record_personal_data_views
from anxin.accounts.api.personal import PersonalDataMixin
from anxin.accounts.choices import Role
from anxin.accounts.selectors import is_staff_viewer, roles_of
from anxin.core.pages import is_htmx, scoped
from anxin.hazards import actions
from anxin.hazards.choices import (
    DEADLINE_STATUSES,
    OPEN_STATUSES,
    SIX_ITEM_PLAN_FIELDS,
    EscalationLevel,
    Status,
)
from anxin.hazards.errors import HazardValidationError, TransitionConflict
from anxin.hazards.forms import (
    ACTION_SPECS,
    FILES_NOT_KEPT,
    PLAN_LABELS,
    ActionForm,
    add_action_errors,
)
from anxin.hazards.models import Hazard
from anxin.hazards.presenters import deadline_state, event_rows, field_groups, gallery
from anxin.hazards.selectors import allowed_transitions, in_change_scope, visible_duplicates
from anxin.hazards.workflow import TIER_OF_ROLE

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
    groups = field_groups(hazard, masker, staff)
    plan = [
        (PLAN_LABELS[k], hazard.six_item_plan.get(k, ""))
        for k in SIX_ITEM_PLAN_FIELDS
        if isinstance(hazard.six_item_plan, dict) and hazard.six_item_plan.get(k)
    ]
    events = event_rows(hazard, user, staff, masker)
    unmasked = masker.context.get("unmasked") or {}
    if unmasked:
        record_personal_data_views(user, list(unmasked.values()), request)
    return {
        "hazard": hazard,
        "staff": staff,
        "deadline": deadline_state(hazard, now),
        "groups": groups,
        "gallery": gallery(hazard),
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
