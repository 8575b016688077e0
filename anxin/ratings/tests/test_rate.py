"""Rating a closed hazard: who may, when, once; through the action, the API and the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from anxin.hazards import actions as hazard_actions
from anxin.hazards.models import Hazard
from anxin.points.models import PointEntry
from anxin.ratings import actions
from anxin.ratings.errors import AlreadyRated, NotClosedYet, RatingValidationError
from anxin.ratings.models import Rating
from anxin.ratings.selectors import rating_context
from anxin.ratings.tests.helpers import POINT_A1A, closed, reported

pytestmark = pytest.mark.django_db


# --- the action ----------------------------------------------------------------------------
def test_the_reporter_rates_a_closed_hazard_once(personas: Any) -> None:
    hazard = closed(personas)
    rating = actions.rate_hazard(hazard.pk, personas.resident, "4", " 处理很及时 ")
    assert (rating.score, rating.comment) == (4, "处理很及时")
    with pytest.raises(AlreadyRated) as excinfo:
        actions.rate_hazard(hazard.pk, personas.resident, 1, "改主意了")
    assert "already rated" in excinfo.value.message
    assert list(Rating.objects.values_list("score", "comment")) == [(4, "处理很及时")]


def test_a_follower_and_a_resident_of_the_building_may_rate(personas: Any, tree: Any) -> None:
    hazard = closed(personas)
    hazard.followers.add(personas.resident_b)
    actions.rate_hazard(hazard.pk, personas.resident_b, 5)
    neighbour = personas.outsider
    neighbour.home_building = tree.building_a1a
    neighbour.save()
    # the building's residents see the file once it is publicised
    with pytest.raises(Http404):
        actions.rate_hazard(hazard.pk, neighbour, 5)
    hazard_actions.publicise(hazard.pk, personas.safety_officer)
    actions.rate_hazard(hazard.pk, neighbour, 3, "还行")
    assert sorted(Rating.objects.values_list("rater__username", "score")) == [
        ("outsider", 3),
        ("resident_b", 5),
    ]


def test_someone_who_cannot_see_the_hazard_gets_404(personas: Any) -> None:
    hazard = closed(personas)
    with pytest.raises(Http404):
        actions.rate_hazard(hazard.pk, personas.resident_b, 5)
    assert not Rating.objects.exists()


def test_someone_who_sees_it_but_is_not_entitled_gets_a_reason(personas: Any, tree: Any) -> None:
    hazard = closed(personas)
    hazard_actions.publicise(hazard.pk, personas.safety_officer)
    # a resident elsewhere sees the publicised file, and staff see it in their area
    for person in (personas.resident_b, personas.grid_worker):
        with pytest.raises(PermissionDenied) as excinfo:
            actions.rate_hazard(hazard.pk, person, 5)
        assert "Only residents who reported this hazard" in str(excinfo.value)
    assert not Rating.objects.exists()


def test_an_open_hazard_cannot_be_rated_yet(personas: Any) -> None:
    hazard = reported(personas.resident)
    with pytest.raises(NotClosedYet) as excinfo:
        actions.rate_hazard(hazard.pk, personas.resident, 5)
    assert "only after it is closed" in excinfo.value.message
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", ["0", "6", "abc", "", None, "4.5", "-1"])
def test_an_invalid_score_is_a_field_error(personas: Any, score: Any) -> None:
    hazard = closed(personas)
    with pytest.raises(RatingValidationError) as excinfo:
        actions.rate_hazard(hazard.pk, personas.resident, score)
    assert "score" in excinfo.value.message_dict
    assert not Rating.objects.exists()
    assert not PointEntry.objects.exists()


def test_a_comment_longer_than_500_characters_is_a_field_error(personas: Any) -> None:
    hazard = closed(personas)
    with pytest.raises(RatingValidationError) as excinfo:
        actions.rate_hazard(hazard.pk, personas.resident, 5, "好" * 501)
    assert "500" in excinfo.value.message_dict["comment"][0]
    assert not Rating.objects.exists()


def test_rating_context(personas: Any) -> None:
    hazard = closed(personas)
    assert rating_context(hazard, personas.resident)["may_rate"] is True
    assert rating_context(hazard, personas.grid_worker)["may_rate"] is False
    actions.rate_hazard(hazard.pk, personas.resident, 5)
    context = rating_context(hazard, personas.resident)
    assert context["may_rate"] is False
    assert context["my_rating"].score == 5


# --- the API -------------------------------------------------------------------------------
def post_rating(client: Any, user: Any, data: dict[str, Any]) -> Any:
    client.force_authenticate(user)
    return client.post("/api/v1/ratings/", data, format="json")


def test_api_rate_and_list(api_client: Any, personas: Any) -> None:
    hazard = closed(personas)
    response = post_rating(api_client, personas.resident, {"hazard": hazard.pk, "score": 5})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["hazard"], body["score"], body["hazard_code"]) == (hazard.pk, 5, hazard.code)
    again = post_rating(api_client, personas.resident, {"hazard": hazard.pk, "score": 3})
    assert again.status_code == 409
    assert "already rated" in again.json()["detail"]
    # the resident lists their own; the community's staff list it; another street does not
    for user, expected in (
        (personas.resident, 1),
        (personas.safety_officer, 1),
        (personas.street_admin_b, 0),
        (personas.resident_b, 0),
    ):
        api_client.force_authenticate(user)
        listed = api_client.get("/api/v1/ratings/").json()
        assert listed["count"] == expected, user
    api_client.force_authenticate(personas.safety_officer)
    row = api_client.get("/api/v1/ratings/").json()["results"][0]
    assert "rater" not in row or row["rater"] != personas.resident.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"score": 9}, "score"),
        ({"score": "x"}, "score"),
        ({"score": 4, "comment": "长" * 501}, "comment"),
    ],
)
def test_api_bad_input_is_a_field_error(
    api_client: Any, personas: Any, data: dict[str, Any], field: str
) -> None:
    hazard = closed(personas)
    response = post_rating(api_client, personas.resident, {"hazard": hazard.pk, **data})
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Rating.objects.exists()


def test_api_not_entitled_not_closed_and_unseen(api_client: Any, personas: Any) -> None:
    hazard = closed(personas)
    unseen = post_rating(api_client, personas.resident_b, {"hazard": hazard.pk, "score": 5})
    assert unseen.status_code == 404
    staff = post_rating(api_client, personas.grid_worker, {"hazard": hazard.pk, "score": 5})
    assert staff.status_code == 403
    assert "Only residents" in staff.json()["detail"]
    open_one = reported(personas.resident, lat=POINT_A1A[0] + 0.001)
    early = post_rating(api_client, personas.resident, {"hazard": open_one.pk, "score": 5})
    assert early.status_code == 409
    assert "closed" in early.json()["detail"]
    missing = post_rating(api_client, personas.resident, {"score": 5})
    assert missing.status_code == 400
    assert "hazard" in missing.json()["errors"]
    assert not Rating.objects.exists()


def test_api_in_chinese(api_client: Any, personas: Any) -> None:
    hazard = closed(personas)
    api_client.force_authenticate(personas.resident)
    response = api_client.post(
        "/api/v1/ratings/",
        {"hazard": hazard.pk, "score": 0},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["score"]


# --- the page ------------------------------------------------------------------------------
def rate_url(hazard: Hazard) -> str:
    return f"/m/reports/{hazard.pk}/rate/"


def test_page_htmx_rating_renders_my_rating(client: Any, personas: Any) -> None:
    hazard = closed(personas)
    client.force_login(personas.resident)
    response = client.post(
        rate_url(hazard), {"score": "5", "comment": "<b>谢谢</b>"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="my-rating"' in html
    assert 'data-score="5"' in html
    assert "&lt;b&gt;谢谢&lt;/b&gt;" in html
    assert 'id="rating-form"' not in html
    assert Rating.objects.get().score == 5


def test_page_htmx_errors_inside_the_form(client: Any, personas: Any) -> None:
    hazard = closed(personas)
    client.force_login(personas.resident)
    response = client.post(
        rate_url(hazard), {"score": "7", "comment": "嗯"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    form = html[html.index('<form id="rating-form"') : html.index("</form>")]
    assert "field-error" in form
    assert ">嗯</textarea>" in form
    assert not Rating.objects.exists()


def test_page_htmx_twice_shows_already_rated(client: Any, personas: Any) -> None:
    hazard = closed(personas)
    client.force_login(personas.resident)
    client.post(rate_url(hazard), {"score": "4"}, HTTP_HX_REQUEST="true")
    response = client.post(rate_url(hazard), {"score": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    html = response.content.decode()
    assert "already rated" in html
    assert 'data-score="4"' in html
    assert Rating.objects.get().score == 4


def test_page_not_entitled_and_unseen(client: Any, personas: Any) -> None:
    hazard = closed(personas)
    client.force_login(personas.resident_b)
    assert client.post(rate_url(hazard), {"score": "5"}, HTTP_HX_REQUEST="true").status_code == 404
    client.force_login(personas.grid_worker)
    response = client.post(rate_url(hazard), {"score": "5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "Only residents" in response.content.decode()
    assert not Rating.objects.exists()


def test_page_open_hazard_is_refused(client: Any, personas: Any) -> None:
    hazard = reported(personas.resident)
    client.force_login(personas.resident)
    response = client.post(rate_url(hazard), {"score": "5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "only after it is closed" in response.content.decode()
    assert not Rating.objects.exists()


def test_page_plain_post_redirects_to_the_report(client: Any, personas: Any) -> None:
    hazard = closed(personas)
    client.force_login(personas.resident)
    response = client.post(rate_url(hazard), {"score": "3"})
    assert response.status_code == 302
    assert response["Location"] == f"/m/reports/{hazard.pk}/"
    assert Rating.objects.get().score == 3


def test_page_needs_login_and_post(client: Any, personas: Any) -> None:
    hazard = closed(personas)
    response = client.post(rate_url(hazard), {"score": "3"})
    assert response.status_code == 302 and "/m/" in response["Location"]
    client.force_login(personas.resident)
    assert client.get(rate_url(hazard)).status_code == 405
    assert not Rating.objects.exists()


def test_the_partial_renders_nothing_for_someone_who_may_not_rate(personas: Any) -> None:
    from django.template.loader import render_to_string

    hazard = closed(personas)
    assert (
        render_to_string("ratings/_rate.html", rating_context(hazard, personas.grid_worker)).strip()
        == ""
    )
    html = render_to_string("ratings/_rate.html", rating_context(hazard, personas.resident))
    assert 'id="rating-form"' in html
    for n in range(1, 6):
        assert f'name="score" value="{n}"' in html
    assert 'name="comment"' in html and 'type="submit"' in html
