"""The points pages of the phone app: my ledger and the campaigns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from anxin.points import actions
from anxin.points.models import Campaign, CampaignParticipation, PointEntry
from anxin.ratings import actions as rating_actions
from anxin.ratings.tests.helpers import closed

pytestmark = pytest.mark.django_db


def campaign_in(area: Any, **kwargs: Any) -> Campaign:
    today = timezone.localdate()
    return Campaign.objects.create(
        name=kwargs.pop("name", "消防隐患大排查"),
        area=area,
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=5),
        **kwargs,
    )


def test_ledger_page_shows_balance_and_rows(client: Any, personas: Any, tree: Any) -> None:
    resident = personas.resident
    resident.home_building = tree.building_a1a
    resident.save()
    hazard = closed(personas)
    rating_actions.rate_hazard(hazard.pk, resident, 5)
    actions.join_campaign(campaign_in(tree.community_a1).pk, resident)
    actions.award(resident, "report_verified", hazard=hazard)
    client.force_login(resident)
    response = client.get("/m/points/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="points-balance" class="points-balance" data-balance="17">17<' in html
    table = html[html.index('<table id="points-ledger"') : html.index("</table>")]
    assert table.count("<tr data-kind=") == 3
    assert "Report verified as real" in table and "Rated a closed hazard" in table
    assert "Joined a campaign" in table and "消防隐患大排查" in table
    assert f'href="/m/reports/{hazard.pk}/">{hazard.code}</a>' in table
    assert "+10" in table and "+2" in table and "+5" in table
    assert timezone.localdate().isoformat() in table


def test_ledger_page_in_chinese_and_empty(client: Any, personas: Any) -> None:
    client.force_login(personas.resident_b)
    html = client.get("/m/points/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-balance="0">0<' in html
    assert 'id="points-ledger"' not in html and 'id="points-empty"' in html


def test_ledger_page_needs_login(client: Any) -> None:
    response = client.get("/m/points/")
    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/")


def test_ledger_shows_only_my_rows(client: Any, personas: Any, tree: Any) -> None:
    hazard = closed(personas)
    rating_actions.rate_hazard(hazard.pk, personas.resident, 4)
    client.force_login(personas.resident_b)
    html = client.get("/m/points/").content.decode()
    assert hazard.code not in html
    assert 'data-balance="0"' in html


def test_campaigns_page_join_once(client: Any, personas: Any, tree: Any) -> None:
    resident = personas.resident
    resident.home_building = tree.building_a1a
    resident.save()
    mine = campaign_in(tree.community_a1)
    other_street = campaign_in(tree.community_b1, name="西溪行动")
    client.force_login(resident)
    html = client.get("/m/campaigns/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('<form class="join-campaign"') == 1
    assert f'action="/m/campaigns/{mine.pk}/join/"' in html
    assert "西溪行动" not in html
    response = client.post(f"/m/campaigns/{mine.pk}/join/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    page = response.content.decode()
    assert "You joined" in page and "You joined this campaign." in page
    assert '<form class="join-campaign"' not in page
    again = client.post(f"/m/campaigns/{mine.pk}/join/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "already joined" in again.content.decode()
    assert client.post(f"/m/campaigns/{other_street.pk}/join/").status_code == 404
    assert CampaignParticipation.objects.count() == 1
    assert list(PointEntry.objects.values_list("kind", "points")) == [("campaign", 5)]


def test_campaigns_page_refuses_outside_with_a_reason(
    client: Any, personas: Any, tree: Any
) -> None:
    from anxin.areas.models import Area

    neighbour = Area.objects.create(
        level="community",
        code=tree.street_a.code + "002",
        name="宝石社区",
        parent=tree.street_a,
        geometry=tree.community_a1.geometry,
    )
    campaign = campaign_in(neighbour)
    resident = personas.resident
    resident.home_building = tree.building_a1a
    resident.save()
    client.force_login(resident)
    html = client.get("/m/campaigns/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open to residents of 宝石社区." in html
    assert '<form class="join-campaign"' not in html
    response = client.post(
        f"/m/campaigns/{campaign.pk}/join/", HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "Only residents whose home building is in 宝石社区" in response.content.decode()
    assert not CampaignParticipation.objects.exists()


def test_campaigns_page_without_a_home_building(client: Any, personas: Any, tree: Any) -> None:
    campaign_in(tree.community_a1)
    client.force_login(personas.resident)
    html = client.get("/m/campaigns/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="campaigns-no-home"' in html and 'href="/m/profile/"' in html
    assert 'id="campaigns-empty"' in html
