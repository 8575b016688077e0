"""Data of the integration tests, built in a child process on the test's database.

Run as ``python -m tests.integration.scenarios <name> '<json kwargs>'`` with the
real settings (DATABASE_URL, REDIS_URL, ... in the environment); prints the ids
the test needs as one JSON line. Side effects go through the outbox like in
production: with CELERY_TASK_ALWAYS_EAGER=0 they are sent to the broker, with 1
they run here before the command returns.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import django


def _people(emails: bool = True) -> tuple[Any, Any]:
    from anxin.testing.factories import Personas, Tree

    tree = Tree()
    personas = Personas(tree)
    if emails:
        for name, user in personas.all().items():
            user.email = f"{name}@example.cn"
            user.save(update_fields=["email"])
    return tree, personas


def _robot(area: Any, kind: str, url: str, secret: str = "") -> Any:
    from anxin.notifications.models import GroupRobot

    return GroupRobot.objects.create(
        name=f"{area.name} {kind}", area=area, kind=kind, webhook_url=url, secret=secret
    )


def _property_category(colour: str) -> Any:
    from anxin.taxonomy.models import Category

    subclasses = Category.objects.filter(
        parent__isnull=False,
        is_active=True,
        responsible_kind="property",
        deadline_days__isnull=True,
    ).order_by("code")
    return subclasses.filter(risk_colour=colour).first() or subclasses.first()


def overdue_yellow(robot_url: str) -> dict[str, Any]:
    """A yellow hazard dispatched to the property company 7 days and 1 hour ago
    (its deadline passed an hour ago), the district's default warning rules, and a
    WeChat Work robot for the district (created last, so that it hears only what
    happens after this command)."""
    import time_machine
    from django.utils import timezone

    from anxin.hazards import actions
    from anxin.hazards.models import Hazard
    from anxin.warnings.actions import ensure_default_rules

    tree, personas = _people()
    ensure_default_rules(tree.district)
    with time_machine.travel(timezone.now() - timedelta(days=7, hours=1)):
        hazard = actions.report_hazard(
            reporter=personas.grid_worker,
            category=_property_category("yellow").code,
            lat=30.015,
            lng=120.007,
            risk_colour="yellow",
            address="保俶路1号",
        ).hazard
        actions.transition(hazard.pk, personas.grid_worker, "verify")
    hazard = Hazard.objects.get(pk=hazard.pk)
    assert hazard.status == "dispatched", hazard.status
    assert hazard.deadline is not None and hazard.deadline < timezone.now()
    assert not hazard.is_overdue
    robot = _robot(tree.district, "wecom", robot_url)
    return {
        "hazard_id": hazard.pk,
        "code": hazard.code,
        "robot_id": robot.pk,
        "property_manager": personas.property_manager.pk,
        "grid_worker": personas.grid_worker.pk,
        "street_admin": personas.street_admin.pk,
    }


def people_and_robot(
    robot_url: str, kind: str = "wecom", secret: str = "", emails: bool = True
) -> dict[str, Any]:
    """The small tree with one user per role (with e-mail addresses unless
    ``emails`` is false), an API token for the grid worker, and a group robot for
    the district."""
    from rest_framework.authtoken.models import Token

    tree, personas = _people(emails)
    robot = _robot(tree.district, kind, robot_url, secret)
    token = Token.objects.create(user=personas.grid_worker)
    return {
        "robot_id": robot.pk,
        "token": token.key,
        "grid_worker": personas.grid_worker.pk,
        "street_admin": personas.street_admin.pk,
        "district_admin": personas.district_admin.pk,
        "category": _property_category("red").code,
    }


def report_red(reporter_id: int, address: str = "保俶路2号") -> dict[str, Any]:
    """The grid worker reports a red hazard (its side effects go to the broker)."""
    from anxin.accounts.models import User
    from anxin.hazards import actions

    hazard = actions.report_hazard(
        reporter=User.objects.get(pk=reporter_id),
        category=_property_category("red").code,
        lat=30.015,
        lng=120.007,
        risk_colour="red",
        title="燃气管道泄漏",
        address=address,
    ).hazard
    return {"hazard_id": hazard.pk, "code": hazard.code}


def send_tasks(task: str, count: int = 1) -> dict[str, Any]:
    """Put ``count`` messages of ``task`` (no arguments) on the broker."""
    from anxin.celery import app

    ids = [app.send_task(task).id for _n in range(count)]
    return {"task_ids": ids}


SCENARIOS: dict[str, Callable[..., dict[str, Any]]] = {
    "send_tasks": send_tasks,
    "overdue_yellow": overdue_yellow,
    "people_and_robot": people_and_robot,
    "report_red": report_red,
}


def main(argv: list[str]) -> None:
    django.setup()
    name, kwargs = argv[0], json.loads(argv[1] if len(argv) > 1 else "{}")
    result = SCENARIOS[name](**kwargs)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
