"""The workbench pages through Django's test client: login, home queues, the
list (scoping, filters, sorting, keyset pagination), the file page and its
action forms, and the staff report form."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from anxin.accounts.choices import AuditVerb
from anxin.accounts.models import AuditEntry
from anxin.hazards import actions
from anxin.hazards.models import Attachment, Hazard, HazardEvent
from anxin.testing import reports
from anxin.testing.clients import client_for
from anxin.testing.factories import TEST_PASSWORD
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db

A1A, A1B, B1A = reports.GRID_A1A, reports.GRID_A1B, reports.GRID_B1A
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


# Reports on these pages have an address and a photo unless a test says otherwise.
report = partial(reports.report, address="保俶社区1幢", photo=True)


# --- login, logout, home -------------------------------------------------------------------
def test_pages_need_a_login_and_send_you_back_after_it(personas: Any) -> None:
    client = Client()
    response = client.get("/hazards/?colour=red")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")

    response = client.post(
        "/login/",
        {"username": personas.grid_worker.mobile, "password": TEST_PASSWORD, "next": "/hazards/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/hazards/"
    assert client.get("/hazards/").status_code == 200


def test_login_with_username_then_logout(personas: Any) -> None:
    client = Client()
    response = client.post(
        "/login/", {"username": "safety_officer", "password": TEST_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/"
    assert b'data-queue="to_verify"' in response.content
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/home/").status_code == 302


def test_wrong_password_names_the_problem_and_keeps_the_login(personas: Any) -> None:
    response = Client().post(
        "/login/", {"username": "grid_worker", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert b"password is wrong" in response.content
    assert b'value="grid_worker"' in response.content


def test_lockout_is_reported_on_the_login_page(personas: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        client.post("/login/", {"username": "grid_worker", "password": "wrong"})
    response = client.post("/login/", {"username": "grid_worker", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_home_counts_each_queue_for_the_role(
    personas: Any, tree: Any, django_assert_max_num_queries: Any
) -> None:
    reported = report(personas.grid_worker)  # yellow: waits for the first review
    verified = report(personas.grid_worker, category="0301")  # no organisation serves it
    actions.transition(verified.pk, personas.safety_officer, "verify")
    dispatched = report(personas.grid_worker)
    actions.transition(dispatched.pk, personas.grid_worker, "verify")  # auto-dispatched
    Hazard.objects.filter(pk=dispatched.pk).update(deadline=timezone.now() - timedelta(days=2))
    report(personas.grid_worker, where=B1A)  # other street: not counted for community A1

    from anxin.hazards.selectors import queue_counts

    officer = personas.safety_officer
    with django_assert_max_num_queries(3):
        counts = {
            q.name: count for q, count in queue_counts(Hazard.objects.restrict(officer), officer)
        }
    assert counts == {
        "to_verify": 1,
        "to_dispatch": 1,
        "to_rectify": 1,
        "to_recheck": 0,
        "overdue": 1,
        "listed": 0,
    }
    response = client_for(personas.property_manager).get("/")
    queues = {q["name"]: q["count"] for q in response.context["queues"]}
    assert queues["to_rectify"] == 1
    assert "to_verify" not in queues
    assert reported.pk != dispatched.pk

    body = client_for(personas.safety_officer).get("/home/").content.decode()
    assert 'href="/hazards/?queue=to_dispatch"' in body


# --- the list ------------------------------------------------------------------------------
def codes_in(response: Any) -> list[str]:
    return [h.code for h in response.context["page"].rows]


def test_list_is_scoped_and_filtered(personas: Any, tree: Any) -> None:
    mine = report(personas.grid_worker, risk_colour="red")
    other_grid = report(personas.grid_worker_b, where=A1B, category="0401")
    other_street = report(personas.street_admin_b, where=B1A)

    grid_worker = client_for(personas.grid_worker)
    assert codes_in(grid_worker.get("/hazards/")) == [mine.code]
    assert set(codes_in(client_for(personas.community_admin).get("/hazards/"))) == {
        mine.code,
        other_grid.code,
    }
    admin = client_for(personas.district_admin)
    assert len(codes_in(admin.get("/hazards/"))) == 3
    assert codes_in(admin.get("/hazards/?colour=red")) == [mine.code]
    assert codes_in(admin.get("/hazards/?category=04")) == [other_grid.code]
    assert codes_in(admin.get("/hazards/?category=0401")) == [other_grid.code]
    assert codes_in(admin.get(f"/hazards/?area={tree.street_b.code}")) == [other_street.code]
    assert codes_in(admin.get(f"/hazards/?area={tree.grid_a1b.code}")) == [other_grid.code]
    assert codes_in(admin.get(f"/hazards/?q={mine.code}")) == [mine.code]
    assert codes_in(admin.get("/hazards/?status=closed")) == []
    assert codes_in(admin.get("/hazards/?listed=yes")) == []
    today = timezone.localdate().isoformat()
    assert len(codes_in(admin.get(f"/hazards/?reported_from={today}&reported_to={today}"))) == 3


def test_list_filters_overdue_and_queue(personas: Any) -> None:
    late = report(personas.grid_worker)
    actions.transition(late.pk, personas.grid_worker, "verify")
    Hazard.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(days=3))
    report(personas.grid_worker)
    client = client_for(personas.safety_officer)
    response = client.get("/hazards/?overdue=yes")
    assert codes_in(response) == [late.code]
    assert "3 days overdue" in client.get("/hazards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert codes_in(client.get("/hazards/?queue=overdue")) == [late.code]
    assert len(codes_in(client.get("/hazards/?queue=to_verify"))) == 1


def test_bad_filter_input_is_named_and_ignored(personas: Any) -> None:
    report(personas.grid_worker)
    response = client_for(personas.grid_worker).get(
        "/hazards/?reported_from=2026-05-02&reported_to=2026-05-01&colour=purple",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "reported_to" in form.errors
    assert "colour" in form.errors
    assert b"The end of the range is before its start." in response.content


def test_htmx_filter_returns_only_the_results(personas: Any) -> None:
    report(personas.grid_worker)
    response = client_for(personas.grid_worker).get("/hazards/?colour=yellow", headers=HX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="hazard-results"')
    assert "<html" not in body
    assert 'hx-swap-oob="true"' in body


def test_sorting_by_colour_and_deadline_with_a_stable_tiebreak(personas: Any) -> None:
    blue = report(personas.grid_worker, risk_colour="blue")
    red = report(personas.grid_worker, risk_colour="red")
    yellow_1 = report(personas.grid_worker, risk_colour="yellow")
    yellow_2 = report(personas.grid_worker, risk_colour="yellow")
    client = client_for(personas.grid_worker)
    assert codes_in(client.get("/hazards/?sort=-colour")) == [
        red.code,
        yellow_2.code,
        yellow_1.code,
        blue.code,
    ]
    assert codes_in(client.get("/hazards/?sort=colour")) == [
        blue.code,
        yellow_1.code,
        yellow_2.code,
        red.code,
    ]
    Hazard.objects.filter(pk=blue.pk).update(deadline=timezone.now() + timedelta(days=1))
    Hazard.objects.filter(pk=red.pk).update(deadline=timezone.now() + timedelta(days=5))
    # no deadline sorts last
    assert codes_in(client.get("/hazards/?sort=deadline"))[:2] == [blue.code, red.code]
    status_sorted = codes_in(client.get("/hazards/?sort=status"))
    assert len(status_sorted) == 4


@pytest.mark.parametrize("sort", ["-reported_at", "reported_at", "-colour", "deadline", "status"])
def test_keyset_pages_walk_forward_and_back(personas: Any, monkeypatch: Any, sort: str) -> None:
    from anxin.hazards.views import list_page

    monkeypatch.setattr(list_page, "PAGE_SIZE", 2)
    made = [
        report(personas.grid_worker, risk_colour=c)
        for c in ["blue", "red", "yellow", "yellow", "orange"]
    ]
    client = client_for(personas.grid_worker)
    seen: list[list[str]] = []
    url = f"/hazards/?sort={sort}"
    pages = []
    while url:
        response = client.get(url)
        pages.append(response)
        seen.append(codes_in(response))
        next_url = response.context["next_url"]
        url = f"/hazards/{next_url}" if next_url else ""
    flat = [c for page in seen for c in page]
    assert sorted(flat) == sorted(h.code for h in made)  # every row once
    assert [len(p) for p in seen] == [2, 2, 1]
    assert pages[0].context["previous_url"] is None
    assert "after=" in pages[0].context["next_url"]
    # back from the last page gives the middle page again
    previous = pages[2].context["previous_url"]
    assert "before=" in previous
    assert codes_in(client.get(f"/hazards/{previous}")) == seen[1]
    # an unreadable cursor shows the first page
    assert codes_in(client.get(f"/hazards/?sort={sort}&after=garbage")) == seen[0]


# --- the file page -------------------------------------------------------------------------
def test_file_page_is_404_out_of_scope(personas: Any) -> None:
    hazard = report(personas.grid_worker)
    assert client_for(personas.grid_worker_b).get(f"/hazards/{hazard.pk}/").status_code == 404
    assert client_for(personas.property_manager_b).get(f"/hazards/{hazard.pk}/").status_code == 404
    assert client_for(personas.grid_worker).get("/hazards/999999/").status_code == 404
    response = client_for(personas.grid_worker_b).post(
        f"/hazards/{hazard.pk}/act/verify/", {"reason": "x"}
    )
    assert response.status_code == 404
    assert Hazard.objects.get(pk=hazard.pk).status == "reported"


def test_file_page_shows_fields_gallery_timeline_and_only_allowed_actions(personas: Any) -> None:
    hazard = report(personas.grid_worker, risk_colour="orange")
    response = client_for(personas.grid_worker).get(f"/hazards/{hazard.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert hazard.code in body
    assert hazard.machine_code in body
    assert f"/api/v1/attachments/{hazard.attachments.get().pk}/public/" in body
    names = [f.spec.name for f in response.context["transition_forms"]]
    assert names == ["verify", "reject", "merge"]  # fixing on the spot is for blue only
    assert [r["event"].action for r in response.context["events"]] == ["report"]

    officer = client_for(personas.safety_officer).get(f"/hazards/{hazard.pk}/")
    officer_names = [f.spec.name for f in officer.context["transition_forms"]]
    assert "verify" in officer_names
    flags = [f.spec.name for f in officer.context["flag_forms"]]
    assert "list" not in flags  # listing is for the street and district
    street = client_for(personas.street_admin).get(f"/hazards/{hazard.pk}/")
    assert {"list", "whistle"} <= {f.spec.name for f in street.context["flag_forms"]}


def test_reporter_is_masked_unless_the_viewer_may_see_personal_data(personas: Any) -> None:
    hazard = report(personas.resident)
    body = client_for(personas.grid_worker).get(f"/hazards/{hazard.pk}/").content.decode()
    assert "王小明" not in body
    assert "王**" in body
    mobile = personas.resident.mobile
    assert mobile not in body
    assert f"{mobile[:3]}****{mobile[-4:]}" in body
    assert not AuditEntry.objects.filter(verb=AuditVerb.VIEW_PERSONAL_DATA).exists()

    officer = personas.safety_officer
    officer.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    officer = type(officer).objects.get(pk=officer.pk)
    body = client_for(officer).get(f"/hazards/{hazard.pk}/").content.decode()
    assert "王小明" in body
    entry = AuditEntry.objects.get(verb=AuditVerb.VIEW_PERSONAL_DATA)
    assert entry.actor == officer
    assert entry.object_id == str(hazard.pk)


def test_action_with_htmx_returns_the_updated_section(personas: Any) -> None:
    hazard = report(personas.grid_worker)  # yellow, 0101: the property company serves it
    response = client_for(personas.grid_worker).post(
        f"/hazards/{hazard.pk}/act/verify/", {"reason": "现场核实属实"}, headers=HX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="hazard-main"')
    assert 'data-status="dispatched"' in body
    assert "现场核实属实" in body
    assert Hazard.objects.get(pk=hazard.pk).status == "dispatched"


def test_action_without_js_redirects_to_the_file(personas: Any) -> None:
    hazard = report(personas.grid_worker)
    response = client_for(personas.grid_worker).post(
        f"/hazards/{hazard.pk}/act/reject/", {"reason": "误报"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/hazards/{hazard.pk}/"
    assert Hazard.objects.get(pk=hazard.pk).status == "rejected"


def test_missing_reason_is_named_and_nothing_changes(personas: Any) -> None:
    hazard = report(personas.grid_worker)
    response = client_for(personas.grid_worker).post(
        f"/hazards/{hazard.pk}/act/reject/", {"reason": "  "}, HTTP_ACCEPT_LANGUAGE="en", headers=HX
    )
    assert response.status_code == 422
    assert response.context["open_form"] == "reject"
    form = next(f for f in response.context["transition_forms"] if f.spec.name == "reject")
    assert "reason" in form.errors
    assert Hazard.objects.get(pk=hazard.pk).status == "reported"
    assert HazardEvent.objects.filter(hazard=hazard).count() == 1


def test_action_errors_keep_what_the_user_typed(personas: Any) -> None:
    hazard = report(personas.grid_worker, category="0301")  # nobody serves it: dispatch by hand
    actions.transition(hazard.pk, personas.safety_officer, "verify")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(personas.safety_officer).post(
        f"/hazards/{hazard.pk}/act/dispatch/",
        {
            "organisation": personas.property_manager.active_memberships()[0].organisation_id,
            "deadline": yesterday,
            "reason": "请尽快处理井盖",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "The deadline must be in the future." in body
    assert "请尽快处理井盖" in body
    assert f'value="{yesterday}"' in body
    assert Hazard.objects.get(pk=hazard.pk).status == "verified"


def test_conflict_shows_a_message_and_the_fresh_state(personas: Any) -> None:
    hazard = report(personas.grid_worker)
    client = client_for(personas.grid_worker)
    actions.transition(hazard.pk, personas.safety_officer, "reject", reason="误报")
    response = client.post(
        f"/hazards/{hazard.pk}/act/verify/", {}, HTTP_ACCEPT_LANGUAGE="en", headers=HX
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "is not possible" in body
    assert 'data-status="rejected"' in body


def test_forbidden_action_answers_403_with_a_message(personas: Any) -> None:
    hazard = report(personas.grid_worker)
    actions.transition(hazard.pk, personas.grid_worker, "verify")  # dispatched to property A
    response = client_for(personas.safety_officer).post(
        f"/hazards/{hazard.pk}/act/accept/", {}, HTTP_ACCEPT_LANGUAGE="en", headers=HX
    )
    assert response.status_code == 403
    assert "Your role may not do this" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).status == "dispatched"


def test_rectify_needs_after_photos_then_closes_through_pages(personas: Any) -> None:
    hazard = report(personas.grid_worker)
    actions.transition(hazard.pk, personas.grid_worker, "verify")
    pm = client_for(personas.property_manager)
    assert pm.post(f"/hazards/{hazard.pk}/act/accept/", {}, headers=HX).status_code == 200
    response = pm.post(
        f"/hazards/{hazard.pk}/act/rectify/",
        {"reason": "已清理"},
        HTTP_ACCEPT_LANGUAGE="en",
        headers=HX,
    )
    assert response.status_code == 422
    assert "Photos after rectification are required." in response.content.decode()
    response = pm.post(
        f"/hazards/{hazard.pk}/act/rectify/",
        {"reason": "已清理", "attachments": [photo("after.jpg")]},
        headers=HX,
    )
    assert response.status_code == 200
    assert Attachment.objects.filter(hazard=hazard, phase="rectify_after").count() == 1
    assert 'class="before-after"' in response.content.decode()
    officer = client_for(personas.safety_officer)
    assert (
        officer.post(f"/hazards/{hazard.pk}/act/pass_recheck/", {}, headers=HX).status_code == 200
    )
    assert Hazard.objects.get(pk=hazard.pk).status == "closed"
    page = officer.get(f"/hazards/{hazard.pk}/")
    assert "publicise" in [f.spec.name for f in page.context["flag_forms"]]


def test_flags_through_the_page(personas: Any, tree: Any) -> None:
    hazard = report(personas.grid_worker, risk_colour="orange")
    street = client_for(personas.street_admin)
    assert (
        street.post(f"/hazards/{hazard.pk}/act/list/", {"level": "street"}, headers=HX).status_code
        == 200
    )
    response = street.post(
        f"/hazards/{hazard.pk}/act/whistle/",
        {"departments": [tree.fire.pk], "reason": "消防到场"},
        headers=HX,
    )
    assert response.status_code == 200
    hazard.refresh_from_db()
    assert hazard.is_listed
    assert hazard.whistle_calls.get().department == tree.fire
    # a property company cannot be whistled
    response = street.post(
        f"/hazards/{hazard.pk}/act/whistle/", {"departments": [tree.property_a.pk]}, headers=HX
    )
    assert response.status_code == 422


def test_six_item_plan_form_keeps_input_and_names_missing_items(personas: Any) -> None:
    hazard = report(personas.grid_worker, risk_colour="red", grade="major")
    client = client_for(personas.street_admin)
    response = client.post(
        f"/hazards/{hazard.pk}/act/plan/",
        {"targets": "彻底消除", "method": "", "people": "张三"},
        HTTP_ACCEPT_LANGUAGE="en",
        headers=HX,
    )
    assert response.status_code == 422
    form = next(f for f in response.context["flag_forms"] if f.spec.name == "plan")
    assert {"method", "funds_and_materials", "time_limit", "safety_measures"} <= set(form.errors)
    assert "彻底消除" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.six_item_plan == {}


# --- the report form -----------------------------------------------------------------------
def test_report_form_errors_keep_input_and_save_nothing(personas: Any) -> None:
    client = client_for(personas.grid_worker)
    assert client.get("/hazards/new/").status_code == 200
    response = client.post(
        "/hazards/new/",
        {
            "category": "",
            "address": "保俶路12号",
            "description": "井盖缺了一角",
            "grade": "ordinary",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "保俶路12号" in body
    assert "井盖缺了一角" in body
    assert "category" in response.context["form"].errors
    assert response.context["form"].location_errors
    assert "Files cannot be kept" in body
    assert Hazard.objects.count() == 0


def test_report_outside_every_grid_is_a_location_error(personas: Any) -> None:
    response = client_for(personas.grid_worker).post(
        "/hazards/new/",
        {"category": "0301", "lat": "31.5", "lng": "121.5", "grade": "ordinary"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "outside every grid" in response.content.decode()
    assert Hazard.objects.count() == 0


def test_report_form_creates_the_file(personas: Any, tree: Any) -> None:
    client = client_for(personas.grid_worker)
    response = client.post(
        "/hazards/new/",
        {
            "category": "0301",
            "lat": "30.015",
            "lng": "120.007",
            "address": "保俶路12号",
            "grade": "ordinary",
            "risk_colour": "orange",
            "idempotency_key": "k-1",
            "attachments": [photo("a.jpg"), photo("b.jpg")],
        },
    )
    hazard = Hazard.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/hazards/{hazard.pk}/"
    assert hazard.grid == tree.grid_a1a
    assert hazard.risk_colour == "orange"
    assert hazard.reporter == personas.grid_worker
    assert hazard.attachments.count() == 2


def test_merge_into_adds_evidence_and_follows(personas: Any) -> None:
    existing = report(personas.grid_worker, category="0301")
    client = client_for(personas.safety_officer)
    response = client.post(
        "/hazards/new/",
        {
            "category": "0301",
            "lat": "30.015",
            "lng": "120.007",
            "merge_into": str(existing.pk),
            "attachments": [photo("again.jpg")],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/hazards/{existing.pk}/"
    assert Hazard.objects.count() == 1
    assert existing.attachments.count() == 2
    assert existing.followers.filter(pk=personas.safety_officer.pk).exists()


def test_merge_into_falls_back_to_follow_without_evidence_rights(personas: Any) -> None:
    existing = report(personas.grid_worker, category="0301")
    leader = client_for(personas.building_leader)
    response = leader.post(
        "/hazards/new/",
        {"merge_into": str(existing.pk), "attachments": [photo("again.jpg")]},
    )
    assert response.status_code == 302
    assert existing.attachments.count() == 1
    assert existing.followers.filter(pk=personas.building_leader.pk).exists()


def test_category_search_by_pinyin_and_chinese(personas: Any) -> None:
    client = client_for(personas.grid_worker)
    body = client.get("/hazards/new/categories/?category_search=xftd").content.decode()
    assert 'value="0101"' in body
    assert 'data-colour="yellow"' in body
    assert "selected" in body  # one match: chosen
    body = client.get("/hazards/new/categories/?category_search=井盖").content.decode()
    assert 'value="0301"' in body
    assert 'value="0101"' not in body


def test_duplicate_check_lists_nearby_open_hazards_in_scope(personas: Any) -> None:
    near = report(personas.grid_worker, category="0301")
    report(personas.grid_worker, where=B1A, category="0301")
    client = client_for(personas.grid_worker)
    body = client.get(
        "/hazards/new/duplicates/?category=0301&lat=30.0151&lng=120.0071"
    ).content.decode()
    assert f'value="{near.pk}"' in body
    assert body.count('name="merge_into"') == 1
    body = (
        client_for(personas.grid_worker_b)
        .get("/hazards/new/duplicates/?category=0301&lat=30.0151&lng=120.0071")
        .content.decode()
    )
    assert "merge_into" not in body  # out of scope: not offered
