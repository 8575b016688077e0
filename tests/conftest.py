"""Two districts for the leak walks (``test_no_leaks.py`` over the API,
``test_page_leaks.py`` over the pages): ours, with a persona per role, and
another one created after it with the same kinds of rows.

The walks know which rows belong to the other district because they were made
here, not because ``restrict()`` says so: a view that forgot its scoping, or a
scope rule that is too wide, fails them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from anxin.emergency.testing import populate as populate_emergency
from anxin.hazards import actions
from anxin.notifications.actions import notify
from anxin.points.actions import join_campaign
from anxin.points.models import Campaign
from anxin.ratings.actions import rate_hazard
from anxin.testing.factories import Personas, Tree
from anxin.testing.media import photo
from anxin.warnings.actions import ensure_default_rules, raise_flood_warning

# Every text the other district's rows carry (titles, descriptions, addresses,
# warnings, notifications, campaigns) holds this mark; a page that shows it leaks.
FOREIGN_MARK = "外区乙"
OUR_MARK = "本区甲"
FOREIGN_DISTRICT = "330108"  # its code starts every code of its areas and hazards
FOREIGN_LNG = 121.007  # a point in its grid A1a is (30.015, FOREIGN_LNG)


def walk_to_dispatched(people: Personas, lng: float, mark: str) -> Any:
    """A hazard of the district, reported with a photo and dispatched."""
    result = actions.report_hazard(
        reporter=people.resident,
        category="0101",
        lat=30.015,
        lng=lng,
        title=f"{mark}消防通道堵塞",
        description=f"{mark}的描述",
        address=f"{mark}的地址",
        uploads=[(photo(), "found")],
    )
    actions.transition(result.hazard.pk, people.grid_worker, "verify")
    return result.hazard


def rate_and_join(tree: Tree, people: Personas, lng: float, mark: str) -> None:
    """Residents' rows: a closed hazard rated by its reporter (a rating and
    points), and a campaign of the community the resident joined (points)."""
    hazard = actions.report_hazard(
        reporter=people.resident,
        category="0104",
        lat=30.015,
        lng=lng + 0.001,
        risk_colour="blue",
        title=f"{mark}灭火器过期",
        uploads=[(photo(), "found")],
    ).hazard
    actions.transition(
        hazard.pk, people.grid_worker, "fix_on_spot", uploads=[(photo(), "rectify_after")]
    )
    actions.transition(hazard.pk, people.safety_officer, "pass_recheck")
    rate_hazard(hazard.pk, people.resident, 4, f"{mark}满意")
    people.resident.home_building = tree.building_a1a
    people.resident.save(update_fields=["home_building"])
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name=f"{mark}楼道清理", area=tree.community_a1, starts_on=today, ends_on=today
    )
    join_campaign(campaign.pk, people.resident)


def populate(tree: Tree, people: Personas, lng: float, mark: str) -> None:
    """Rows of every scoped kind in one district: hazards with evidence and the
    notifications their changes cause, warning rules and a warning, inboxes,
    ratings, points and a campaign, and emergency readiness (stores, plans, a
    response with its tasks and review, drills, training, a weather alert)."""
    walk_to_dispatched(people, lng, mark)
    actions.report_hazard(
        reporter=people.resident,
        category="0101",
        lat=30.015,
        lng=lng - 0.002,
        title=f"{mark}楼道堆物",
    )
    ensure_default_rules(tree.district)
    raise_flood_warning(tree.district, None, f"{mark}暴雨橙色预警")
    notify(
        [people.grid_worker, people.resident],
        kind="test",
        title=f"{mark}通知",
        body=f"{mark}测试",
        key=f"leak-test:{tree.district.code}",
    )
    rate_and_join(tree, people, lng, mark)
    populate_emergency(tree, people, mark)


def scoped_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if getattr(m, "scope_rules", None) is not None]


def rows_of(model: type[models.Model]) -> set[Any]:
    return set(model._default_manager.values_list("pk", flat=True))


@dataclass
class TwoDistricts:
    personas: Personas  # ours
    tree: Tree
    theirs: Tree
    their_personas: Personas
    foreign: dict[type[models.Model], set[Any]]  # pks of the other district's rows

    def foreign_rows(self, model: type[models.Model]) -> models.QuerySet[Any]:
        return model._default_manager.filter(pk__in=self.foreign.get(model, set()))


@pytest.fixture
def two_districts(
    settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> TwoDistricts:
    """District A (ours) with one persona per role; district B created after it
    with the same kinds of rows. Background work runs (eagerly) as it would."""
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        ours = Tree()
        personas = Personas(ours)
        populate(ours, personas, 120.007, OUR_MARK)  # our own rows, so lists are not empty
    before = {model: rows_of(model) for model in scoped_models()}
    with django_capture_on_commit_callbacks(execute=True):
        theirs = Tree(district_code=FOREIGN_DISTRICT, shift=1.0, tag="拱墅")
        their_personas = Personas(theirs, prefix="b_")
        populate(theirs, their_personas, FOREIGN_LNG, FOREIGN_MARK)
    foreign = {model: rows_of(model) - before[model] for model in scoped_models()}
    return TwoDistricts(personas, ours, theirs, their_personas, foreign)
