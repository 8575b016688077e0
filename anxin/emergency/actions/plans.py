"""Writes of plans (预案) and teams. Every edit of a plan's content writes a new
version; versions are never changed, so a response keeps the plan it started
under."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.choices import Role
from anxin.accounts.models import User
from anxin.areas.models import Area
from anxin.core.errors import Conflict
from anxin.emergency import policy
from anxin.emergency.actions.common import (
    area_by_code,
    choice,
    collect,
    locked,
    optional_text,
    positive_int,
    required_text,
)
from anxin.emergency.choices import HazardClass, PlanLevel, Stage, TeamKind
from anxin.emergency.models import (
    EmergencyPlan,
    EmergencyTeam,
    PlanStep,
    PlanSupply,
    PlanVersion,
    SupplyItem,
)

PLAN_AREA_LEVELS = ("district", "street", "community")
STEP_STAGES = (Stage.STARTED, Stage.HANDLING, Stage.RECOVERY)
MAX_STEPS = 50


# --- teams -------------------------------------------------------------------------------------
def save_team(
    user: Any, data: dict[str, Any], team: EmergencyTeam | int | None = None
) -> EmergencyTeam:
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        row = locked(EmergencyTeam, team, user) if team is not None else EmergencyTeam()
        if team is None or "area" in data:
            area = collect(errors, lambda: area_by_code(data.get("area"), user))
            if area is not None:
                row.area = area
        if team is None or "name" in data:
            name = collect(
                errors, lambda: required_text(data.get("name"), "name", _("Name the team."), 120)
            )
            if name:
                row.name = name
        if team is None or "kind" in data:
            kind = collect(
                errors,
                lambda: choice(data.get("kind"), "kind", TeamKind, _("Choose the kind of team.")),
            )
            if kind:
                row.kind = kind
        if "members" in data:
            members = collect(
                errors,
                lambda: positive_int(data["members"] or 0, "members", minimum=0, maximum=100_000),
            )
            if members is not None:
                row.members = members
        if "duty_phone" in data:
            phone = collect(errors, lambda: optional_text(data["duty_phone"], "duty_phone", 20))
            if phone is not None:
                row.duty_phone = phone
        if "is_active" in data:
            row.is_active = _truthy(data["is_active"])
        if errors:
            raise ValidationError(errors)
        policy.require(policy.may_manage_readiness(user, row.area), _("manage teams here"))
        row.save()
    return row


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)


# --- plans -------------------------------------------------------------------------------------
def _steps(value: Any, user: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors.setdefault("steps", []).append(_("Give the steps as a list."))
        return []
    if len(value) > MAX_STEPS:
        errors.setdefault("steps", []).append(_("At most %(n)d steps.") % {"n": MAX_STEPS})
        return []
    steps = []
    for index, raw in enumerate(value, start=1):
        if not isinstance(raw, dict):
            errors.setdefault("steps", []).append(
                _("Step %(n)d: give a title, a stage and a role.") % {"n": index}
            )
            continue
        title = str(raw.get("title") or "").strip()
        stage = str(raw.get("stage") or Stage.STARTED)
        role = str(raw.get("role") or "")
        problems = []
        if not title or len(title) > 200:
            problems.append(_("a title of 1 to 200 characters"))
        if stage not in STEP_STAGES:
            problems.append(_("a stage of started, handling or recovery"))
        if role and role not in Role.values:
            problems.append(_("a known role"))
        minutes = raw.get("deadline_minutes")
        if minutes not in (None, ""):
            try:
                minutes = int(minutes)
                if not 1 <= minutes <= 60 * 24 * 30:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(_("a deadline of 1 to 43200 minutes"))
                minutes = None
        else:
            minutes = None
        team = None
        if raw.get("team") not in (None, ""):
            team = EmergencyTeam.objects.restrict(user, "view").filter(pk=_int(raw["team"])).first()
            if team is None:
                problems.append(_("a known team"))
        if problems:
            errors.setdefault("steps", []).append(
                _("Step %(n)d needs %(what)s.") % {"n": index, "what": "、".join(problems)}
            )
            continue
        steps.append(
            {
                "title": title,
                "stage": stage,
                "role": role,
                "deadline_minutes": minutes,
                "team": team,
            }
        )
    return steps


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _supplies(value: Any, user: Any, errors: dict[str, list[str]]) -> list[tuple[SupplyItem, int]]:
    """The supplies a plan pre-positions: each a supply the user may see that is
    still in its store; a removed one is refused by name."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors.setdefault("supplies", []).append(_("Give the supplies as a list."))
        return []
    found = []
    visible = SupplyItem.objects.restrict(user, "view").select_related("store")
    for index, raw in enumerate(value, start=1):
        if not isinstance(raw, dict):
            errors.setdefault("supplies", []).append(
                _("Supply %(n)d: give the supply and a quantity.") % {"n": index}
            )
            continue
        item = visible.filter(pk=_int(raw.get("item"))).first()
        if item is None:
            errors.setdefault("supplies", []).append(
                _("Unknown supply #%(id)s.") % {"id": raw.get("item")}
            )
            continue
        if item.is_removed:
            errors.setdefault("supplies", []).append(
                _("%(name)s (#%(id)d) was removed from %(store)s; choose a supply still in store.")
                % {"name": item.name, "id": item.pk, "store": item.store.name}
            )
            continue
        quantity = _int(raw.get("quantity"))
        if quantity < 1:
            errors.setdefault("supplies", []).append(
                _("%(name)s: the quantity must be at least 1.") % {"name": item.name}
            )
            continue
        found.append((item, quantity))
    return found


def _id_list(value: Any, field: str, errors: dict[str, list[str]]) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or any(_int(v) < 1 for v in value):
        errors.setdefault(field, []).append(_("Give a list of ids."))
        return []
    return sorted({int(v) for v in value})


def _content(user: Any, data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    content: dict[str, Any] = {
        "summary": collect(errors, lambda: optional_text(data.get("summary"), "summary", 10_000))
        or "",
        "change_note": collect(
            errors, lambda: optional_text(data.get("change_note"), "change_note", 500)
        )
        or "",
        "steps": _steps(data.get("steps"), user, errors),
        "supplies": _supplies(data.get("supplies"), user, errors),
    }
    roles = data.get("notify_roles") or []
    if not isinstance(roles, list) or any(r not in Role.values for r in roles):
        errors.setdefault("notify_roles", []).append(_("Choose known roles."))
        roles = []
    content["notify_roles"] = sorted(set(roles))
    team_ids = _id_list(data.get("teams"), "teams", errors)
    teams = list(EmergencyTeam.objects.restrict(user, "view").filter(pk__in=team_ids))
    if len(teams) != len(team_ids):
        errors.setdefault("teams", []).append(_("Unknown team."))
    content["teams"] = teams
    user_ids = _id_list(data.get("notify_users"), "notify_users", errors)
    people = list(
        User.objects.restrict(user, "view").filter(pk__in=user_ids, is_active=True).distinct()
    )
    if len(people) != len(user_ids):
        errors.setdefault("notify_users", []).append(_("Unknown person."))
    content["notify_users"] = people
    return content


def _write_version(
    plan: EmergencyPlan, content: dict[str, Any], user: Any, number: int
) -> PlanVersion:
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        summary=content["summary"],
        change_note=content["change_note"],
        notify_roles=content["notify_roles"],
        created_by=user if getattr(user, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    version.notify_users.set(content["notify_users"])
    version.teams.set(content["teams"])
    PlanStep.objects.bulk_create(
        [
            PlanStep(
                version=version,
                order=index,
                title=step["title"],
                stage=step["stage"],
                role=step["role"],
                team=step["team"],
                deadline_minutes=step["deadline_minutes"],
            )
            for index, step in enumerate(content["steps"], start=1)
        ]
    )
    PlanSupply.objects.bulk_create(
        [PlanSupply(version=version, item=item, quantity=q) for item, q in content["supplies"]]
    )
    plan.current_version = version
    plan.save(update_fields=["current_version", "updated_at"])
    return version


def create_plan(user: Any, data: dict[str, Any]) -> EmergencyPlan:
    """A street (or district) admin writes a plan for a hazard class and level."""
    errors: dict[str, list[str]] = {}
    area: Area | None = collect(errors, lambda: area_by_code(data.get("area"), user))
    title = collect(
        errors, lambda: required_text(data.get("title"), "title", _("Give the plan a title."), 200)
    )
    hazard_class = collect(
        errors,
        lambda: choice(
            data.get("hazard_class"), "hazard_class", HazardClass, _("Choose the hazard class.")
        ),
    )
    level = collect(
        errors,
        lambda: choice(data.get("level"), "level", PlanLevel, _("Choose orange or red.")),
    )
    if area is not None and area.level not in PLAN_AREA_LEVELS:
        errors.setdefault("area", []).append(
            _("A plan is set on a district, street or community, not a %(level)s.")
            % {"level": area.get_level_display()}
        )
    content = _content(user, data, errors)
    if errors:
        raise ValidationError(errors)
    assert area is not None
    policy.require(policy.may_edit_plans(user, area), _("write plans here"))
    try:
        with transaction.atomic():
            plan = EmergencyPlan.objects.create(
                area=area,
                hazard_class=hazard_class,
                level=level,
                title=title,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            _write_version(plan, content, user, 1)
    except IntegrityError:
        raise ValidationError(
            {
                "hazard_class": [
                    _("This area has an active plan for this class and level already; revise it.")
                ]
            }
        ) from None
    return plan


def revise_plan(user: Any, plan: EmergencyPlan | int, data: dict[str, Any]) -> PlanVersion:
    """Write the next version of a plan (the previous ones are kept). The title
    may change with it; the area, class and level stay."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        row = locked(EmergencyPlan, plan, user)
        area = Area.objects.get(pk=row.area_id)
        policy.require(policy.may_edit_plans(user, area), _("change this plan"))
        if not row.is_active:
            raise Conflict(_("This plan is no longer in force."))
        if "title" in data:
            title = collect(
                errors,
                lambda: required_text(data["title"], "title", _("Give the plan a title."), 200),
            )
            if title:
                row.title = title
        content = _content(user, data, errors)
        if errors:
            raise ValidationError(errors)
        row.save(update_fields=["title", "updated_at"])
        latest = row.versions.order_by("-number").values_list("number", flat=True).first() or 0
        return _write_version(row, content, user, latest + 1)


def retire_plan(user: Any, plan: EmergencyPlan | int) -> EmergencyPlan:
    """Take a plan out of force (its versions and responses are kept)."""
    with transaction.atomic():
        row = locked(EmergencyPlan, plan, user)
        policy.require(
            policy.may_edit_plans(user, Area.objects.get(pk=row.area_id)), _("change this plan")
        )
        if not row.is_active:
            raise Conflict(_("This plan is no longer in force."))
        row.is_active = False
        row.save(update_fields=["is_active", "updated_at"])
    return row


def version_content(version: PlanVersion) -> dict[str, Any]:
    """A version's content in the shape ``create_plan`` and ``revise_plan`` take."""
    return {
        "summary": version.summary,
        "steps": [
            {
                "title": s.title,
                "stage": s.stage,
                "role": s.role,
                "deadline_minutes": s.deadline_minutes,
                "team": s.team_id,
            }
            for s in version.steps.all()
        ],
        "supplies": [{"item": s.item_id, "quantity": s.quantity} for s in version.supplies.all()],
        "teams": [t.pk for t in version.teams.all()],
        "notify_roles": list(version.notify_roles),
        "notify_users": [u.pk for u in version.notify_users.all()],
    }
