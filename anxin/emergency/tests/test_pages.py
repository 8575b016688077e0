"""The workbench pages of emergency readiness: every page renders for its
people, detail pages of another street answer 404, forms answer their errors
(422, 409, 403) and change nothing, and the task list works on a phone."""

from __future__ import annotations

import pytest

from anxin.emergency.actions import responses, supplies
from anxin.emergency.models import (
    Drill,
    EmergencyPlan,
    EmergencyResponse,
    ResponseTask,
    SafetyActivity,
    TrainingRecord,
)
from anxin.emergency.testing import populate

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    "/emergency/",
    "/emergency/supplies/",
    "/emergency/plans/",
    "/emergency/plans/new/",
    "/emergency/responses/",
    "/emergency/tasks/",
    "/emergency/drills/",
    "/emergency/calendar/?month=2026-06",
    "/emergency/weather/",
]


@pytest.fixture
def populated(tree, personas, committed):
    return committed(populate, tree, personas)


def detail_pages(ready) -> list[str]:
    response = EmergencyResponse.objects.filter(area=ready.tree.street_a).first()
    return [
        f"/emergency/supplies/{ready.sandbags.pk}/",
        f"/emergency/plans/{ready.flood_plan.pk}/",
        f"/emergency/plans/{ready.flood_plan.pk}/revise/",
        f"/emergency/responses/{response.pk}/",
    ]


def test_every_page_renders_for_the_street_and_detail_pages_are_scoped(populated, client):
    people = populated.people
    client.force_login(people.street_admin)
    alert = (
        EmergencyResponse.objects.filter(warning__isnull=False).first().warning.weather_alerts.get()
    )
    for url in [*LIST_PAGES, *detail_pages(populated), f"/emergency/weather/{alert.pk}/"]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert "<script>" not in page.content.decode() and " onclick=" not in page.content.decode()
    client.force_login(people.street_admin_b)
    for url in detail_pages(populated):
        assert client.get(url).status_code == 404, url
    client.force_login(people.resident)
    for url in LIST_PAGES:
        assert client.get(url).status_code in (302, 404), url


def test_issuing_too_many_on_the_page_is_refused_with_the_reason(populated, client):
    people = populated.people
    response = responses.start_plan(people.street_admin, populated.flood_plan.pk, None, "III")
    client.force_login(people.street_admin)
    page = client.post(
        f"/emergency/responses/{response.pk}/issue/",
        {"item": populated.pumps.pk, "quantity": 99},
    )
    assert page.status_code == 422
    assert "排水泵" in page.content.decode()
    populated.pumps.refresh_from_db()
    assert populated.pumps.quantity == 4
    ok = client.post(
        f"/emergency/responses/{response.pk}/issue/", {"item": populated.pumps.pk, "quantity": 2}
    )
    assert ok.status_code == 302
    populated.pumps.refresh_from_db()
    assert populated.pumps.quantity == 2


def test_the_start_form_offers_the_levels_the_role_allows_and_refuses_a_second_start(
    readiness, client, committed
):
    people = readiness.people
    from anxin.warnings.actions import raise_flood_warning

    warning, _ = committed(raise_flood_warning, readiness.tree.street_a.code, None, "暴雨")
    proposal = EmergencyResponse.objects.get(warning=warning)
    client.force_login(people.street_admin)
    page = client.get(f"/emergency/responses/{proposal.pk}/").content.decode()
    assert 'value="II"' in page and 'value="I"' not in page
    assert (
        client.post(f"/emergency/responses/{proposal.pk}/start/", {"level": "II"}).status_code
        == 302
    )
    again = client.post(f"/emergency/responses/{proposal.pk}/start/", {"level": "II"})
    assert again.status_code == 409
    assert proposal.tasks.count() == 4


def test_tasks_are_checked_off_on_the_phone(readiness, client, committed):
    people = readiness.people
    response = committed(
        responses.start_plan, people.street_admin, readiness.flood_plan.pk, None, "II"
    )
    task = ResponseTask.objects.get(response=response, role="grid_worker")
    client.force_login(people.grid_worker)
    page = client.get("/emergency/tasks/").content.decode()
    assert task.title in page and f'id="task-{task.pk}"' in page
    done = client.post(f"/emergency/tasks/{task.pk}/done/", HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "notice ok" in done.content.decode()
    again = client.post(f"/emergency/tasks/{task.pk}/done/", HTTP_HX_REQUEST="true")
    assert again.status_code == 409
    task.refresh_from_db()
    assert task.done_by == people.grid_worker


def test_a_plan_is_written_and_revised_on_the_page_keeping_its_versions(readiness, client):
    people, tree = readiness.people, readiness.tree
    client.force_login(people.street_admin)
    bad = client.post(
        "/emergency/plans/new/",
        {"area": tree.street_a.code, "hazard_class": "gas", "level": "red", "title": ""},
    )
    assert bad.status_code == 422
    made = client.post(
        "/emergency/plans/new/",
        {
            "area": tree.street_a.code,
            "hazard_class": "gas",
            "level": "red",
            "title": "燃气泄漏应急预案",
            "step_title_0": "关闭总阀",
            "step_stage_0": "started",
            "step_role_0": "community_admin",
            "step_minutes_0": "30",
            "supply_item_0": str(readiness.pumps.pk),
            "supply_qty_0": "1",
            "notify_roles": ["community_admin"],
        },
    )
    assert made.status_code == 302
    plan = EmergencyPlan.objects.get(hazard_class="gas")
    revised = client.post(
        f"/emergency/plans/{plan.pk}/revise/",
        {"title": "燃气泄漏应急预案", "step_title_0": "疏散群众", "change_note": "加疏散"},
    )
    assert revised.status_code == 302
    assert list(plan.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    page = client.get(f"/emergency/plans/{plan.pk}/?version=1").content.decode()
    assert "关闭总阀" in page
    client.force_login(people.street_admin_b)
    assert client.get(f"/emergency/plans/{plan.pk}/revise/").status_code == 404


def test_drills_training_and_the_calendar(readiness, client):
    people, tree = readiness.people, readiness.tree
    client.force_login(people.street_admin)
    assert "北山街道" in client.get("/emergency/drills/").content.decode()  # no drill this quarter
    assert (
        client.post(
            "/emergency/drills/new/",
            {"area": tree.street_a.code, "title": "防汛演练", "scheduled_on": "2026-06-25"},
        ).status_code
        == 302
    )
    drill = Drill.objects.get()
    held = client.post(
        f"/emergency/drills/{drill.pk}/held/",
        {"held_on": "2026-01-02", "findings": "集合12分钟", "participant_count": "15"},
    )
    assert held.status_code == 302
    drill.refresh_from_db()
    assert (drill.status, drill.participant_count) == ("held", 15)
    missing = client.post(
        "/emergency/training/new/",
        {"area": tree.street_a.code, "title": "培训", "held_on": "2026-06-01"},
    )
    assert missing.status_code == 422 and not TrainingRecord.objects.exists()
    client.post(
        "/emergency/training/new/",
        {"area": tree.street_a.code, "title": "培训", "held_on": "2026-06-01", "volunteers": "12"},
    )
    assert TrainingRecord.objects.get().volunteers == 12
    client.post(
        "/emergency/calendar/new/",
        {
            "area": tree.street_a.code,
            "title": "安全生产月启动仪式",
            "kind": "campaign",
            "starts_at": "2026-06-01T09:00",
        },
    )
    assert SafetyActivity.objects.count() == 1
    calendar = client.get("/emergency/calendar/?month=2026-06").content.decode()
    assert "安全生产月启动仪式" in calendar and "防汛演练" in calendar and "培训" in calendar
    client.force_login(people.grid_worker)  # below the street: sees its calendar
    assert "安全生产月启动仪式" in client.get("/emergency/calendar/?month=2026-06").content.decode()


def test_the_supply_page_moves_stock(readiness, client):
    people = readiness.people
    client.force_login(people.street_admin)
    url = f"/emergency/supplies/{readiness.sandbags.pk}/"
    assert client.post(url + "receive/", {"quantity": "20"}).status_code == 302
    refused = client.post(url + "write_off/", {"quantity": "5", "note": ""})
    assert refused.status_code == 422
    readiness.sandbags.refresh_from_db()
    assert readiness.sandbags.quantity == 120
    removed = client.post(url + "remove/")
    assert removed.status_code == 409 and "北山街道防汛应急预案" in removed.content.decode()
    assert supplies  # the actions module the page calls
