"""Points (积分): for a report verified as real, for a rating, for joining a
campaign — each once, never for a rejected or merged report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from anxin.hazards.models import HazardEvent
from anxin.hazards.tasks import hazard_changed
from anxin.points import actions
from anxin.points.choices import PointKind
from anxin.points.models import Campaign, CampaignParticipation, PointEntry, PointRule
from anxin.points.selectors import balance
from anxin.ratings import actions as rating_actions
from anxin.ratings.tests.helpers import closed
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db


def ledger_of(user: Any) -> list[tuple[str, int, Any]]:
    return list(
        PointEntry.objects.filter(user=user)
        .order_by("id")
        .values_list("kind", "points", "hazard_id")
    )


def api_report(client: Any, user: Any, colour: str = "blue", **extra: Any) -> int:
    client.force_authenticate(user)
    response = client.post(
        "/api/v1/hazards/",
        {
            "category": "0104",
            "lat": 30.015,
            "lng": 120.007,
            "risk_colour": colour,
            "description": "楼道灭火器过期",
            "address": "保俶社区1幢",
            "attachments": [photo()],
            **extra,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def api_step(
    client: Any, user: Any, hazard_id: int, name: str, expect: int = 200, **data: Any
) -> Any:
    client.force_authenticate(user)
    response = client.post(f"/api/v1/hazards/{hazard_id}/{name}/", data, format="multipart")
    assert response.status_code == expect, (name, response.content[:300])
    return response.json()


def test_the_rules_are_seeded() -> None:
    assert dict(PointRule.objects.values_list("kind", "points")) == {
        "report_verified": 10,
        "rating": 2,
        "campaign": 5,
    }


# --- a report verified as real -------------------------------------------------------------
def test_a_resident_earns_points_when_the_report_is_verified(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.resident)
    assert ledger_of(personas.resident) == []  # reported only
    with django_capture_on_commit_callbacks(execute=True):
        api_step(api_client, personas.grid_worker, hid, "verify")
    assert ledger_of(personas.resident) == [("report_verified", 10, hid)]
    assert balance(personas.resident) == 10
    # the rest of the loop earns nothing more for the report
    with django_capture_on_commit_callbacks(execute=True):
        api_step(api_client, personas.property_manager, hid, "accept")
        api_step(api_client, personas.property_manager, hid, "rectify", attachments=[photo()])
        api_step(api_client, personas.safety_officer, hid, "pass_recheck")
    assert ledger_of(personas.resident) == [("report_verified", 10, hid)]
    # the reporter sees it through the API
    api_client.force_authenticate(personas.resident)
    body = api_client.get("/api/v1/points/").json()
    assert [(r["kind"], r["points"], r["hazard_code"]) for r in body["results"]] == [
        ("report_verified", 10, api_client.get(f"/api/v1/hazards/{hid}/").json()["code"])
    ]
    assert api_client.get("/api/v1/points/balance/").json() == {"balance": 10, "entries": 1}


def test_an_orange_report_earns_points_only_after_the_second_review(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.resident, colour="orange")
        api_step(api_client, personas.grid_worker, hid, "verify")  # first tier: still reported
    assert ledger_of(personas.resident) == []
    with django_capture_on_commit_callbacks(execute=True):
        api_step(api_client, personas.safety_officer, hid, "verify")
    assert ledger_of(personas.resident) == [("report_verified", 10, hid)]


def test_fixed_on_the_spot_counts_as_verified(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.resident)
        api_step(api_client, personas.grid_worker, hid, "fix_on_spot", attachments=[photo()])
    assert ledger_of(personas.resident) == [("report_verified", 10, hid)]


def test_no_points_for_a_rejected_report(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.resident)
        api_step(api_client, personas.grid_worker, hid, "reject", reason="现场未发现")
    assert ledger_of(personas.resident) == []


def test_no_points_for_a_merged_report(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = api_report(api_client, personas.grid_worker)
        second = api_report(api_client, personas.resident, lat=30.0151)
        api_client.force_authenticate(personas.grid_worker)
        code = api_client.get(f"/api/v1/hazards/{first}/").json()["code"]
        api_step(api_client, personas.grid_worker, second, "merge", into=code)
    assert ledger_of(personas.resident) == []
    assert PointEntry.objects.count() == 0  # a grid worker's own report earns nothing


def test_no_points_for_staff_reporters(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.building_leader)
        api_step(api_client, personas.grid_worker, hid, "verify")
    assert not PointEntry.objects.exists()


def test_verification_cannot_happen_twice_and_redelivery_awards_nothing_new(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.resident)
        api_step(api_client, personas.grid_worker, hid, "verify")
    again = api_step(api_client, personas.safety_officer, hid, "verify", expect=409)
    assert again["current_status"] == "dispatched"
    # the same change delivered again (a worker restarted) earns nothing new
    event_ids = list(HazardEvent.objects.filter(hazard_id=hid).values_list("pk", flat=True))
    for _ in range(2):
        hazard_changed(hazard_id=hid, kind="verify", event_ids=event_ids)
    assert ledger_of(personas.resident) == [("report_verified", 10, hid)]
    # and the ledger itself refuses a second line for the same hazard
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(
            user=personas.resident, kind=PointKind.REPORT_VERIFIED, points=10, hazard_id=hid
        )


def test_a_switched_off_rule_awards_nothing(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    PointRule.objects.filter(kind=PointKind.REPORT_VERIFIED).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.resident)
        api_step(api_client, personas.grid_worker, hid, "verify")
    assert ledger_of(personas.resident) == []


def test_a_changed_rule_awards_the_new_number(
    api_client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    PointRule.objects.filter(kind=PointKind.REPORT_VERIFIED).update(points=15)
    with django_capture_on_commit_callbacks(execute=True):
        hid = api_report(api_client, personas.resident)
        api_step(api_client, personas.grid_worker, hid, "verify")
    assert ledger_of(personas.resident) == [("report_verified", 15, hid)]


# --- a rating ------------------------------------------------------------------------------
def test_rating_earns_points_once(personas: Any) -> None:
    hazard = closed(personas)
    rating_actions.rate_hazard(hazard.pk, personas.resident, 5)
    assert ledger_of(personas.resident) == [("rating", 2, hazard.pk)]
    with pytest.raises(Exception):  # noqa: B017 - AlreadyRated
        rating_actions.rate_hazard(hazard.pk, personas.resident, 5)
    assert actions.award(personas.resident, PointKind.RATING, hazard=hazard) is None
    assert ledger_of(personas.resident) == [("rating", 2, hazard.pk)]


def test_a_refused_rating_earns_nothing(personas: Any) -> None:
    hazard = closed(personas)
    with pytest.raises(ValidationError):
        rating_actions.rate_hazard(hazard.pk, personas.resident, 9)
    assert ledger_of(personas.resident) == []


# --- campaigns -----------------------------------------------------------------------------
def make_campaign(area: Any, **kwargs: Any) -> Campaign:
    today = timezone.localdate()
    values = {
        "name": "楼道清理专项行动",
        "area": area,
        "starts_on": today - timedelta(days=1),
        "ends_on": today + timedelta(days=6),
        **kwargs,
    }
    return Campaign.objects.create(**values)


@pytest.fixture
def home_resident(personas: Any, tree: Any) -> Any:
    personas.resident.home_building = tree.building_a1a
    personas.resident.save()
    return personas.resident


def test_joining_a_campaign_earns_points_once(home_resident: Any, tree: Any) -> None:
    campaign = make_campaign(tree.community_a1)
    actions.join_campaign(campaign.pk, home_resident)
    assert ledger_of(home_resident) == [("campaign", 5, None)]
    with pytest.raises(actions.AlreadyJoined):
        actions.join_campaign(campaign.pk, home_resident)
    assert CampaignParticipation.objects.count() == 1
    assert balance(home_resident) == 5


def test_a_campaign_may_set_its_own_points(home_resident: Any, tree: Any) -> None:
    campaign = make_campaign(tree.street_a, points=8)
    actions.join_campaign(campaign.pk, home_resident)
    assert ledger_of(home_resident) == [("campaign", 8, None)]


def test_a_resident_outside_the_area_is_refused(home_resident: Any, tree: Any) -> None:
    # another street of the district: not even visible
    other_street = make_campaign(tree.community_b1)
    with pytest.raises(Http404):
        actions.join_campaign(other_street.pk, home_resident)
    # without a home building no campaign is theirs
    home_resident.home_building = None
    home_resident.save()
    with pytest.raises(Http404):
        actions.join_campaign(make_campaign(tree.community_a1).pk, home_resident)
    assert not CampaignParticipation.objects.exists()
    assert not PointEntry.objects.exists()


def test_a_campaign_of_the_street_is_visible_to_a_neighbour_but_not_joinable(
    personas: Any, tree: Any
) -> None:
    from anxin.areas.models import Area

    other_community = Area.objects.create(
        level="community",
        code=tree.street_a.code + "002",
        name="宝石社区",
        parent=tree.street_a,
        geometry=tree.community_a1.geometry,
    )
    campaign = make_campaign(other_community)
    personas.resident.home_building = tree.building_a1a
    personas.resident.save()
    assert Campaign.objects.restrict(personas.resident, "view").filter(pk=campaign.pk).exists()
    with pytest.raises(ValidationError) as excinfo:
        actions.join_campaign(campaign.pk, personas.resident)
    assert "宝石社区" in excinfo.value.message_dict["campaign"][0]


def test_a_campaign_that_is_not_running_is_refused(home_resident: Any, tree: Any) -> None:
    today = timezone.localdate()
    ended = make_campaign(
        tree.community_a1, starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=1)
    )
    paused = make_campaign(tree.community_a1, is_active=False)
    for campaign in (ended, paused):
        with pytest.raises(ValidationError):
            actions.join_campaign(campaign.pk, home_resident)
    assert not PointEntry.objects.exists()


def test_staff_cannot_join(personas: Any, tree: Any) -> None:
    campaign = make_campaign(tree.community_a1)
    personas.grid_worker.home_building = tree.building_a1a
    personas.grid_worker.save()
    with pytest.raises(ValidationError):
        actions.join_campaign(campaign.pk, personas.grid_worker)


def test_api_campaigns_list_and_join(
    api_client: Any, home_resident: Any, personas: Any, tree: Any
) -> None:
    campaign = make_campaign(tree.community_a1)
    other = make_campaign(tree.community_b1, name="西溪行动")
    api_client.force_authenticate(home_resident)
    listed = api_client.get("/api/v1/campaigns/").json()
    assert [row["id"] for row in listed["results"]] == [campaign.pk]
    assert listed["results"][0]["joined"] is False
    joined = api_client.post(f"/api/v1/campaigns/{campaign.pk}/join/")
    assert joined.status_code == 201, joined.content
    assert joined.json()["points_awarded"] == 5
    assert joined.json()["balance"] == 5
    assert joined.json()["campaign"]["joined"] is True
    again = api_client.post(f"/api/v1/campaigns/{campaign.pk}/join/")
    assert again.status_code == 409
    assert api_client.post(f"/api/v1/campaigns/{other.pk}/join/").status_code == 404
    # staff of street B see theirs only
    api_client.force_authenticate(personas.street_admin_b)
    assert [r["id"] for r in api_client.get("/api/v1/campaigns/").json()["results"]] == [other.pk]
    assert api_client.post(f"/api/v1/campaigns/{other.pk}/join/").status_code == 400
    assert PointEntry.objects.count() == 1


def test_api_points_are_the_callers_own(
    api_client: Any, home_resident: Any, personas: Any, tree: Any
) -> None:
    actions.join_campaign(make_campaign(tree.community_a1).pk, home_resident)
    for user in (personas.community_admin, personas.district_admin, personas.resident_b):
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/points/").json()["count"] == 0
        entry = PointEntry.objects.get()
        assert api_client.get(f"/api/v1/points/{entry.pk}/").status_code == 404
