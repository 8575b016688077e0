"""Workbench pages of emergency readiness: the overview, supplies and stores,
plans with their versions, responses (start, stages, tasks, supplies, review),
the phone task list, drills, training, the safety-month calendar and weather
alerts.

Every read starts from ``restrict(user, action)`` (out of scope answers 404);
every write calls the same actions as the API. A form answered with errors is
re-rendered with status 422, a conflict 409, a refusal 403; HTMX swaps them in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.accounts.choices import Role
from anxin.areas.models import Area
from anxin.core.errors import Conflict
from anxin.core.pages import scoped
from anxin.emergency import policy, selectors, workflow
from anxin.emergency.actions import plans as plan_actions
from anxin.emergency.actions import readiness, responses, reviews, supplies, weather
from anxin.emergency.choices import (
    ACTIVE_STAGES,
    WEATHER_IMPORTERS,
    ActivityKind,
    DrillStatus,
    HazardClass,
    PlanLevel,
    ResponseLevel,
    ReviewStatus,
    Stage,
    SupplyKind,
    TeamKind,
)
from anxin.emergency.models import (
    Drill,
    EmergencyPlan,
    EmergencyResponse,
    ResponseTask,
    SafetyActivity,
    SupplyItem,
    TrainingRecord,
    WeatherAlert,
)

PLAN_STEP_ROWS = 8
PLAN_SUPPLY_ROWS = 5


# What the pages read, restricted on every request (``anxin.core.pages.scoped``).
SUPPLIES = SupplyItem.objects.select_related("store", "store__area")
PLANS = EmergencyPlan.objects.select_related("area", "current_version", "created_by")
RESPONSES = EmergencyResponse.objects.select_related(
    "area", "plan", "plan_version", "warning", "started_by"
)
TASKS = ResponseTask.objects.select_related("response", "response__area", "team")
DRILLS = Drill.objects.select_related("area", "plan")
TRAININGS = TrainingRecord.objects.select_related("area")
ACTIVITIES = SafetyActivity.objects.select_related("area")
ALERTS = WeatherAlert.objects.select_related("area", "flood_warning", "imported_by")
AREAS = Area.objects.all()


def page(
    source: QuerySet[Any], *, argument: str, lookup: str | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A staff page (residents get 404) that receives the rows of ``source`` the
    user may see, or with ``lookup`` the one row the URL names (else 404)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def staff_only(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not selectors.may_see_emergency(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return scoped(source, "view", argument=argument, lookup=lookup)(staff_only)  # type: ignore[return-value]

    return decorate


def _one(source: QuerySet[Any], request: HttpRequest, pk: int) -> Any:
    """A row of ``source`` the user may see (read again after a change), or 404."""
    found = source.restrict(request.user, "view").filter(pk=pk).first()  # type: ignore[attr-defined]
    if found is None:
        raise Http404
    return found


def _errors(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return {
            ("non_field" if k == "__all__" else k): [str(m) for m in v]
            for k, v in exc.message_dict.items()
        }
    if isinstance(exc, ValidationError):
        return {"non_field": [str(m) for m in exc.messages]}
    return {"non_field": [str(exc)]}


def _status(exc: Exception) -> int:
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, PermissionDenied):
        return 403
    return 422


def _attempt(
    request: HttpRequest,
    do: Callable[[], Any],
    success: Callable[[Any], HttpResponse],
    failure: Callable[[dict[str, list[str]], int], HttpResponse],
) -> HttpResponse:
    """Run an action; on success answer ``success(result)``, else re-render with
    the errors and the status that fits (422, 409 or 403)."""
    try:
        result = do()
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return failure(_errors(exc), _status(exc))
    return success(result)


def _post(request: HttpRequest) -> dict[str, Any]:
    return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}


def _user(request: HttpRequest) -> Any:
    return request.user


def _manageable_areas(
    user: Any, check: Callable[[Any, Area], bool], levels: tuple[str, ...]
) -> list[Area]:
    return selectors.areas_where(user, check, levels)


# --- overview ----------------------------------------------------------------------------------
@page(RESPONSES, argument="rows")
@require_GET
def index(request: HttpRequest, rows: QuerySet[Any]) -> HttpResponse:
    user = _user(request)
    board = selectors.resources_board(user)
    return render(
        request,
        "emergency/index.html",
        {
            "proposals": rows.filter(stage=Stage.PROPOSED)[:20],
            "active": rows.filter(stage__in=sorted(ACTIVE_STAGES))[:20],
            "open_reviews": selectors.reviews(user).filter(status=ReviewStatus.OPEN)[:20],
            "board": board,
            "my_tasks": len(selectors.open_tasks_for(user)),
            "without_drill": selectors.streets_without_drill(user),
            "now": timezone.now(),
        },
    )


# --- supplies ----------------------------------------------------------------------------------
def _supplies_page(
    request: HttpRequest, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    store_areas = _manageable_areas(user, policy.may_manage_supplies, supplies.STORE_LEVELS)
    stores = list(selectors.stores(user))
    return render(
        request,
        "emergency/supplies.html",
        {
            "board": selectors.resources_board(user),
            "store_areas": store_areas,
            "stores": [s for s in stores if policy.may_manage_supplies(user, s.area)],
            "kinds": SupplyKind.choices,
            "team_kinds": TeamKind.choices,
            "team_areas": _manageable_areas(
                user, policy.may_manage_readiness, ("district", "street", "community", "grid")
            ),
            "errors": errors or {},
            "form": _post(request) if request.method == "POST" else {},
        },
        status=status,
    )


@page(SUPPLIES, argument="items")
@require_GET
def supply_board(request: HttpRequest, items: QuerySet[Any]) -> HttpResponse:
    return _supplies_page(request)


@page(SUPPLIES, argument="items")
@require_POST
def store_new(request: HttpRequest, items: QuerySet[Any]) -> HttpResponse:
    return _attempt(
        request,
        lambda: supplies.create_store(_user(request), _post(request)),
        lambda store: _done(
            request, _("Store %(name)s set up.") % {"name": store.name}, "emergency:supplies"
        ),
        lambda errors, status: _supplies_page(
            request, {f"store_{k}": v for k, v in errors.items()}, status
        ),
    )


@page(SUPPLIES, argument="items")
@require_POST
def supply_new(request: HttpRequest, items: QuerySet[Any]) -> HttpResponse:
    return _attempt(
        request,
        lambda: supplies.add_supply(_user(request), _post(request)),
        lambda item: redirect("emergency:supply", pk=item.pk),
        lambda errors, status: _supplies_page(
            request, {f"supply_{k}": v for k, v in errors.items()}, status
        ),
    )


@page(SUPPLIES, argument="items")
@require_POST
def team_new(request: HttpRequest, items: QuerySet[Any]) -> HttpResponse:
    return _attempt(
        request,
        lambda: plan_actions.save_team(_user(request), _post(request)),
        lambda team: _done(
            request, _("Team %(name)s added.") % {"name": team.name}, "emergency:supplies"
        ),
        lambda errors, status: _supplies_page(
            request, {f"team_{k}": v for k, v in errors.items()}, status
        ),
    )


def _done(request: HttpRequest, message: str, to: str, **kwargs: Any) -> HttpResponse:
    messages.success(request, message)
    return redirect(to, **kwargs)


def _supply_page(
    request: HttpRequest, pk: int, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    item = _one(SUPPLIES, request, pk)
    return render(
        request,
        "emergency/supply.html",
        {
            "item": item,
            "movements": selectors.movements(user).filter(item=item)[:100],
            "may_manage": policy.may_manage_supplies(user, item.store.area) and not item.is_removed,
            "active_responses": selectors.responses(user).filter(stage__in=sorted(ACTIVE_STAGES)),
            "kinds": SupplyKind.choices,
            "errors": errors or {},
            "form": _post(request) if request.method == "POST" else {},
        },
        status=status,
    )


@page(SUPPLIES, argument="item", lookup="pk")
@require_GET
def supply_detail(request: HttpRequest, item: Any) -> HttpResponse:
    pk = item.pk
    return _supply_page(request, pk)


SUPPLY_MOVES: dict[str, Callable[[Any, int, dict[str, Any]], Any]] = {
    "receive": lambda user, pk, d: supplies.receive(user, pk, d.get("quantity"), d.get("note", "")),
    "write_off": lambda user, pk, d: supplies.write_off(
        user, pk, d.get("quantity"), d.get("note", "")
    ),
    "check": lambda user, pk, d: supplies.check_stock(
        user, pk, d.get("counted"), d.get("note", "")
    ),
    "issue": lambda user, pk, d: supplies.issue(
        user, pk, d.get("quantity"), _response_id(d), d.get("note", "")
    ),
    "update": lambda user, pk, d: supplies.update_supply(user, pk, d),
    "remove": lambda user, pk, d: supplies.remove_supply(user, pk),
}


def _response_id(data: dict[str, Any]) -> Any:
    value = data.get("response")
    if value in (None, ""):
        raise ValidationError({"response": [_("Choose the response the supplies go to.")]})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            {"response": [_("Choose the response the supplies go to.")]}
        ) from None


@page(SUPPLIES, argument="item", lookup="pk")
@require_POST
def supply_move(request: HttpRequest, item: Any, what: str) -> HttpResponse:
    pk = item.pk
    move = SUPPLY_MOVES.get(what)
    if move is None:
        raise Http404
    return _attempt(
        request,
        lambda: move(_user(request), pk, _post(request)),
        lambda result: _done(request, _("Saved."), "emergency:supply", pk=pk),
        lambda errors, status: _supply_page(
            request, pk, {f"{what}_{k}": v for k, v in errors.items()}, status
        ),
    )


# --- plans -------------------------------------------------------------------------------------
@page(PLANS, argument="plans")
@require_GET
def plan_list(request: HttpRequest, plans: QuerySet[Any]) -> HttpResponse:
    user = _user(request)
    rows = selectors.plans(user).order_by("area__path", "hazard_class", "level")
    return render(
        request,
        "emergency/plans.html",
        {
            "plans": rows,
            "may_add": bool(
                _manageable_areas(user, policy.may_edit_plans, plan_actions.PLAN_AREA_LEVELS)
            ),
        },
    )


def _plan_data(post: Any) -> dict[str, Any]:
    """The plan form's rows as the lists ``create_plan`` and ``revise_plan`` take."""
    data: dict[str, Any] = {
        name: post.get(name, "")
        for name in ("area", "title", "hazard_class", "level", "summary", "change_note")
    }
    steps = []
    for i in range(PLAN_STEP_ROWS):
        title = post.get(f"step_title_{i}", "").strip()
        if not title:
            continue
        steps.append(
            {
                "title": title,
                "stage": post.get(f"step_stage_{i}", Stage.STARTED),
                "role": post.get(f"step_role_{i}", ""),
                "deadline_minutes": post.get(f"step_minutes_{i}", ""),
                "team": post.get(f"step_team_{i}", ""),
            }
        )
    data["steps"] = steps
    data["supplies"] = [
        {"item": post.get(f"supply_item_{i}"), "quantity": post.get(f"supply_qty_{i}", "")}
        for i in range(PLAN_SUPPLY_ROWS)
        if post.get(f"supply_item_{i}")
    ]
    data["notify_roles"] = post.getlist("notify_roles")
    data["teams"] = [t for t in post.getlist("teams") if t]
    return data


def _plan_form(
    request: HttpRequest,
    plan: EmergencyPlan | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    steps = list(values.get("steps") or [])
    step_rows = steps + [{}] * (PLAN_STEP_ROWS - len(steps))
    chosen = list(values.get("supplies") or [])
    supply_rows = chosen + [{}] * (PLAN_SUPPLY_ROWS - len(chosen))
    return render(
        request,
        "emergency/plan_form.html",
        {
            "plan": plan,
            "values": values,
            "step_rows": [(i, row) for i, row in enumerate(step_rows[:PLAN_STEP_ROWS])],
            "supply_rows": [(i, row) for i, row in enumerate(supply_rows[:PLAN_SUPPLY_ROWS])],
            "areas": _manageable_areas(user, policy.may_edit_plans, plan_actions.PLAN_AREA_LEVELS),
            "hazard_classes": HazardClass.choices,
            "levels": PlanLevel.choices,
            "stages": [(s, Stage(s).label) for s in plan_actions.STEP_STAGES],
            "roles": Role.choices,
            "teams": selectors.teams(user).filter(is_active=True),
            "supply_items": selectors.supplies(user).order_by("store__name", "name"),
            "errors": errors or {},
        },
        status=status,
    )


@page(AREAS, argument="areas")
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, areas: QuerySet[Any]) -> HttpResponse:
    user = _user(request)
    if request.method == "GET":
        return _plan_form(request, None, {"level": PlanLevel.RED})
    data = _plan_data(request.POST)
    return _attempt(
        request,
        lambda: plan_actions.create_plan(user, data),
        lambda plan: redirect("emergency:plan", pk=plan.pk),
        lambda errors, status: _plan_form(request, None, data, errors, status),
    )


@page(PLANS, argument="plan", lookup="pk")
@require_http_methods(["GET", "POST"])
def plan_revise(request: HttpRequest, plan: Any) -> HttpResponse:
    user = _user(request)
    if not policy.may_edit_plans(user, plan.area):
        raise PermissionDenied(_("Only the street (or district) that set this plan changes it."))
    if request.method == "GET":
        version = selectors.plan_version_detail(plan)
        values = {"title": plan.title, **(plan_actions.version_content(version) if version else {})}
        values["supplies"] = [
            {"item": str(s["item"]), "quantity": s["quantity"]} for s in values.get("supplies", [])
        ]
        values["teams"] = [str(t) for t in values.get("teams", [])]
        return _plan_form(request, plan, values)
    data = _plan_data(request.POST)
    return _attempt(
        request,
        lambda: plan_actions.revise_plan(user, plan.pk, data),
        lambda version: redirect("emergency:plan", pk=plan.pk),
        lambda errors, status: _plan_form(request, plan, data, errors, status),
    )


@page(PLANS, argument="plan", lookup="pk")
@require_GET
def plan_detail(request: HttpRequest, plan: Any) -> HttpResponse:
    user = _user(request)
    number = request.GET.get("version")
    version = selectors.plan_version_detail(
        plan, int(number) if number and number.isdigit() else None
    )
    if version is None and number:
        raise Http404
    return render(
        request,
        "emergency/plan.html",
        {
            "plan": plan,
            "version": version,
            "versions": plan.versions.select_related("created_by").order_by("-number"),
            "may_edit": policy.may_edit_plans(user, plan.area) and plan.is_active,
            "levels": ResponseLevel.choices,
            "may_start": plan.is_active
            and any(policy.may_fire(user, "start", plan.area, lvl) for lvl in ResponseLevel.values),
            "start_areas": [plan.area, *_areas_below(user, plan.area)],
            "responses": selectors.responses(user).filter(plan=plan)[:20],
        },
    )


def _areas_below(user: Any, area: Area) -> list[Area]:
    return selectors.areas_below(user, area, ("street", "community"))


@page(PLANS, argument="plan", lookup="pk")
@require_POST
def plan_start(request: HttpRequest, plan: Any) -> HttpResponse:
    user = _user(request)
    return _attempt(
        request,
        lambda: responses.start_plan(
            user,
            plan.pk,
            request.POST.get("area") or None,
            request.POST.get("level"),
            request.POST.get("note", ""),
        ),
        lambda response: redirect("emergency:response", pk=response.pk),
        lambda errors, status: _error_page(
            request, errors, status, back=f"/emergency/plans/{plan.pk}/"
        ),
    )


def _error_page(
    request: HttpRequest, errors: dict[str, list[str]], status: int, back: str
) -> HttpResponse:
    return render(request, "emergency/error.html", {"errors": errors, "back": back}, status=status)


# --- responses ---------------------------------------------------------------------------------
@page(RESPONSES, argument="rows")
@require_GET
def response_list(request: HttpRequest, rows: QuerySet[Any]) -> HttpResponse:
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        rows = rows.filter(stage=stage)
    return render(
        request,
        "emergency/responses.html",
        {"responses": rows[:200], "stage": stage, "stages": Stage.choices},
    )


def _response_context(request: HttpRequest, row: EmergencyResponse, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    area = row.area
    level = row.level or row.suggested_level
    review = selectors.review_of(row)
    transitions = [
        t
        for t in workflow.transitions_from(row.stage)
        if t.name != "start" and policy.may_fire(user, t.name, area, level)
    ]
    start_levels = [
        (value, label)
        for value, label in ResponseLevel.choices
        if policy.may_fire(user, "start", area, value)
    ]
    tasks = list(
        row.tasks.select_related("assignee", "organisation", "team", "done_by").order_by("pk")
    )
    return {
        "response": row,
        "version": row.plan_version,
        "events": selectors.timeline(row),
        "tasks": [
            (t, row.is_active and not t.is_done and policy.may_check_off(user, t)) for t in tasks
        ],
        "transitions": transitions,
        "start_levels": start_levels if row.stage == Stage.PROPOSED else [],
        "may_command": row.is_active and policy.may_fire(user, "handle", area, level),
        "issued": selectors.issued_to(row),
        "issuable": [
            i
            for i in selectors.supplies(user).order_by("store__name", "name")
            if policy.may_manage_supplies(user, i.store.area)
        ]
        if row.is_active
        else [],
        "review": review,
        "may_review": review is not None
        and review.status == ReviewStatus.OPEN
        and policy.may_review(user, area),
        "roles": Role.choices,
        "now": timezone.now(),
        "errors": {},
        "form": {},
        **extra,
    }


def _response_page(
    request: HttpRequest, pk: int, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    row = _one(RESPONSES, request, pk)
    context = _response_context(
        request,
        row,
        errors=errors or {},
        form=_post(request) if request.method == "POST" else {},
    )
    return render(request, "emergency/response.html", context, status=status)


@page(RESPONSES, argument="response", lookup="pk")
@require_GET
def response_detail(request: HttpRequest, response: Any) -> HttpResponse:
    pk = response.pk
    return _response_page(request, pk)


def _response_action(
    request: HttpRequest, pk: int, prefix: str, do: Callable[[Any], Any]
) -> HttpResponse:
    return _attempt(
        request,
        lambda: do(_user(request)),
        lambda result: redirect("emergency:response", pk=pk),
        lambda errors, status: _response_page(
            request, pk, {f"{prefix}_{k}": v for k, v in errors.items()}, status
        ),
    )


@page(RESPONSES, argument="response", lookup="pk")
@require_POST
def response_start(request: HttpRequest, response: Any) -> HttpResponse:
    pk = response.pk
    return _response_action(
        request,
        pk,
        "start",
        lambda user: responses.start_response(user, pk, request.POST.get("level")),
    )


@page(RESPONSES, argument="response", lookup="pk")
@require_POST
def response_stage(request: HttpRequest, response: Any, name: str) -> HttpResponse:
    pk = response.pk
    if name not in workflow.TRANSITIONS or name == "start":
        raise Http404
    return _response_action(
        request,
        pk,
        "stage",
        lambda user: responses.change_stage(user, pk, name, request.POST.get("note", "")),
    )


@page(RESPONSES, argument="response", lookup="pk")
@require_POST
def response_issue(request: HttpRequest, response: Any) -> HttpResponse:
    pk = response.pk
    return _response_action(
        request,
        pk,
        "issue",
        lambda user: supplies.issue(
            user,
            _item_id(request.POST),
            request.POST.get("quantity"),
            pk,
            request.POST.get("note", ""),
        ),
    )


def _item_id(post: Any) -> int:
    try:
        return int(post.get("item", ""))
    except (TypeError, ValueError):
        raise ValidationError({"item": [_("Choose the supply.")]}) from None


@page(RESPONSES, argument="response", lookup="pk")
@require_POST
def response_return(request: HttpRequest, response: Any) -> HttpResponse:
    pk = response.pk
    return _response_action(
        request,
        pk,
        "return",
        lambda user: supplies.return_to_store(
            user,
            _item_id(request.POST),
            request.POST.get("quantity"),
            pk,
            request.POST.get("note", ""),
        ),
    )


@page(RESPONSES, argument="response", lookup="pk")
@require_POST
def response_task_new(request: HttpRequest, response: Any) -> HttpResponse:
    pk = response.pk
    return _response_action(
        request, pk, "task", lambda user: responses.add_task(user, pk, _post(request))
    )


@page(RESPONSES, argument="response", lookup="pk")
@require_POST
def response_note(request: HttpRequest, response: Any) -> HttpResponse:
    pk = response.pk
    return _response_action(
        request, pk, "note", lambda user: responses.add_note(user, pk, request.POST.get("note", ""))
    )


@page(RESPONSES, argument="response", lookup="pk")
@require_POST
def review_submit(request: HttpRequest, response: Any) -> HttpResponse:
    pk = response.pk
    review = selectors.reviews(request.user).filter(response=response).first()
    if review is None:
        raise Http404
    return _response_action(
        request, pk, "review", lambda user: reviews.submit_review(user, review.pk, _post(request))
    )


# --- the phone task list -----------------------------------------------------------------------
@page(TASKS, argument="tasks")
@require_GET
def my_tasks(request: HttpRequest, tasks: QuerySet[Any]) -> HttpResponse:
    return render(
        request,
        "emergency/tasks.html",
        {"tasks": selectors.open_tasks_for(_user(request)), "now": timezone.now()},
    )


@page(TASKS, argument="task", lookup="pk")
@require_POST
def task_done(request: HttpRequest, task: Any) -> HttpResponse:
    pk = task.pk
    user = _user(request)
    is_htmx = request.headers.get("HX-Request") == "true"

    def card(
        task: ResponseTask, errors: dict[str, list[str]] | None = None, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "emergency/_task.html",
            {"task": task, "errors": errors or {}, "now": timezone.now()},
            status=status,
        )

    from_response = request.POST.get("next") == "response"

    def success(task: ResponseTask) -> HttpResponse:
        if from_response:
            return redirect("emergency:response", pk=task.response_id)
        if is_htmx:
            return card(task)
        return _done(
            request, _("Task checked off: %(title)s") % {"title": task.title}, "emergency:tasks"
        )

    def failure(errors: dict[str, list[str]], status: int) -> HttpResponse:
        task = _one(TASKS, request, pk)
        if from_response:
            return _response_page(
                request, task.response_id, {f"task_{k}": v for k, v in errors.items()}, status
            )
        if is_htmx:
            return card(task, errors, status)
        return _error_page(request, errors, status, back="/emergency/tasks/")

    return _attempt(
        request,
        lambda: responses.check_off(user, pk, request.POST.get("note", "")),
        success,
        failure,
    )


# --- drills, training, calendar ----------------------------------------------------------------
READINESS_LEVELS = ("district", "street", "community", "grid")


def _drills_page(
    request: HttpRequest, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    drills = selectors.drills(user).prefetch_related("participants")
    return render(
        request,
        "emergency/drills.html",
        {
            "drills": list(drills[:200]),
            "trainings": selectors.trainings(user)[:100],
            "areas": _manageable_areas(user, policy.may_manage_readiness, READINESS_LEVELS),
            "plans": selectors.plans(user).filter(is_active=True),
            "without_drill": selectors.streets_without_drill(user),
            "quarter": selectors.quarter_of(timezone.localdate()),
            "manageable": {
                d.pk
                for d in drills
                if d.status == DrillStatus.PLANNED and policy.may_manage_readiness(user, d.area)
            },
            "errors": errors or {},
            "form": _post(request) if request.method == "POST" else {},
        },
        status=status,
    )


@page(DRILLS, argument="drills")
@require_GET
def drills(request: HttpRequest, drills: QuerySet[Any]) -> HttpResponse:
    return _drills_page(request)


@page(DRILLS, argument="drills")
@require_POST
def drill_new(request: HttpRequest, drills: QuerySet[Any]) -> HttpResponse:
    return _attempt(
        request,
        lambda: readiness.plan_drill(_user(request), _post(request)),
        lambda drill: _done(
            request, _("Drill planned: %(title)s") % {"title": drill.title}, "emergency:drills"
        ),
        lambda errors, status: _drills_page(
            request, {f"drill_{k}": v for k, v in errors.items()}, status
        ),
    )


@page(DRILLS, argument="drill", lookup="pk")
@require_POST
def drill_record(request: HttpRequest, drill: Any) -> HttpResponse:
    pk = drill.pk
    data = _post(request)
    data["participants"] = [p for p in request.POST.getlist("participants") if p]
    return _attempt(
        request,
        lambda: readiness.record_drill(_user(request), pk, data),
        lambda drill: _done(
            request, _("Drill recorded: %(title)s") % {"title": drill.title}, "emergency:drills"
        ),
        lambda errors, status: _drills_page(
            request, {f"held{pk}_{k}": v for k, v in errors.items()}, status
        ),
    )


@page(TRAININGS, argument="trainings")
@require_POST
def training_new(request: HttpRequest, trainings: QuerySet[Any]) -> HttpResponse:
    data = _post(request)
    data["attendees"] = [p for p in request.POST.getlist("attendees") if p]
    return _attempt(
        request,
        lambda: readiness.record_training(_user(request), data),
        lambda row: _done(
            request, _("Training recorded: %(title)s") % {"title": row.title}, "emergency:drills"
        ),
        lambda errors, status: _drills_page(
            request, {f"training_{k}": v for k, v in errors.items()}, status
        ),
    )


def _month(value: str) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in value.split("-", 1))
        date(year, month, 1)
    except (ValueError, TypeError):
        return today.year, 6 if today.month <= 6 else today.month  # the safety month is June
    return year, month


def _calendar_page(
    request: HttpRequest, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    year, month = _month(request.GET.get("month", ""))
    shown = selectors.calendar_month(user, year, month)
    previous = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return render(
        request,
        "emergency/calendar.html",
        {
            "cal": shown,
            "month_start": date(year, month, 1),
            "previous": previous,
            "following": following,
            "kinds": ActivityKind.choices,
            "areas": _manageable_areas(user, policy.may_manage_readiness, READINESS_LEVELS),
            "errors": errors or {},
            "form": _post(request) if request.method == "POST" else {},
        },
        status=status,
    )


@page(ACTIVITIES, argument="activities")
@require_GET
def safety_calendar(request: HttpRequest, activities: QuerySet[Any]) -> HttpResponse:
    return _calendar_page(request)


@page(ACTIVITIES, argument="activities")
@require_POST
def activity_new(request: HttpRequest, activities: QuerySet[Any]) -> HttpResponse:
    def success(row: Any) -> HttpResponse:
        messages.success(request, _("Activity added: %(title)s") % {"title": row.title})
        local = timezone.localtime(row.starts_at)
        return redirect(f"/emergency/calendar/?month={local.year}-{local.month:02d}")

    return _attempt(
        request,
        lambda: readiness.add_activity(_user(request), _post(request)),
        success,
        lambda errors, status: _calendar_page(request, errors, status),
    )


# --- weather -----------------------------------------------------------------------------------
def _weather_page(
    request: HttpRequest, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "emergency/weather.html",
        {
            "alerts": ALERTS.restrict(user, "view")[:100],  # type: ignore[attr-defined]
            "may_import": user.is_superuser or bool(user.roles & WEATHER_IMPORTERS),
            "errors": errors or {},
        },
        status=status,
    )


@page(ALERTS, argument="alerts")
@require_http_methods(["GET", "POST"])
def weather_list(request: HttpRequest, alerts: QuerySet[Any]) -> HttpResponse:
    if request.method == "GET":
        return _weather_page(request)
    upload = request.FILES.get("file")
    data = (
        upload.read(2_000_000)
        if upload is not None
        else request.POST.get("xml", "").encode("utf-8")
    )
    source = f"file:{upload.name}" if upload is not None else "form"

    def success(result: weather.ImportResult) -> HttpResponse:
        if result.created:
            messages.success(
                request,
                _("Imported: %(headline)s")
                % {"headline": result.alerts[0].headline or result.alerts[0].event},
            )
        else:
            messages.info(request, _("This alert was imported already; nothing changed."))
        return redirect("emergency:weather_alert", pk=result.alerts[0].pk)

    return _attempt(
        request,
        lambda: weather.import_cap(data, user=_user(request), source=source),
        success,
        lambda errors, status: _weather_page(request, errors, status),
    )


@page(ALERTS, argument="alert", lookup="pk")
@require_GET
def weather_detail(request: HttpRequest, alert: Any) -> HttpResponse:
    proposals = (
        selectors.responses(_user(request)).filter(warning=alert.flood_warning)
        if alert.flood_warning_id
        else selectors.responses(_user(request)).none()
    )
    return render(request, "emergency/weather_alert.html", {"alert": alert, "proposals": proposals})
