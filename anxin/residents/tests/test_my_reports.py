"""My reports (/m/), a report's file in plain words, its photos, and the
notifications a resident gets when the report moves."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import override
from PIL import Image

from anxin.hazards import actions as hazards
from anxin.hazards.models import Hazard
from anxin.notifications.models import Notification
from anxin.residents.choices import PLAIN_STATUS
from anxin.residents.tests.conftest import A1A, B1A, client_for, close_and_publicise, report
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[int]:
    return [
        int(x)
        for x in re.findall(r'class="my-report m-card" data-id="(\d+)"', response.content.decode())
    ]


def plain(status: str) -> str:
    with override("en"):
        return str(PLAIN_STATUS[status])


def test_my_reports_show_own_and_followed_only_newest_first(personas: Any) -> None:
    p = personas
    mine_old = report(p.resident, title="楼道堆物")
    theirs_followed = report(p.resident_b, title="消防通道堵塞")
    hazards.follow(theirs_followed.pk, p.resident, near=A1A)
    theirs_not_followed = report(p.resident_b, title="别人的上报")
    public_of_others = close_and_publicise(report(p.resident_b, title="已公示"), p)
    mine_new = report(p.resident, where=B1A, title="井盖缺失", category="0301")

    response = client_for(p.resident).get("/m/")
    assert response.status_code == 200
    assert listed(response) == [mine_new.pk, theirs_followed.pk, mine_old.pk]
    html = response.content.decode()
    assert theirs_not_followed.title not in html and public_of_others.title not in html
    for hazard in (mine_new, theirs_followed, mine_old):
        item = re.search(rf'data-id="{hazard.pk}".*?</li>', html, re.S).group(0)  # type: ignore[union-attr]
        assert hazard.code in item and hazard.title in item
        assert hazard.category.name_en in item
        assert f'<span class="status-plain">{plain("reported")}</span>' in item
        assert timezone.localdate(hazard.reported_at).isoformat() in item  # the user's day
        assert re.search(r'<img class="thumb" src="/m/photos/\d+/"', item)
    # the followed one says so
    assert "Following" in re.search(rf'data-id="{theirs_followed.pk}".*?</li>', html, re.S).group(0)  # type: ignore[union-attr]


def test_status_in_plain_words_follows_the_loop(personas: Any) -> None:
    p = personas
    hazard = report(p.resident)
    client = client_for(p.resident)

    def status() -> str:
        html = client.get("/m/").content.decode()
        return re.search(r'class="status-plain">([^<]*)<', html).group(1)  # type: ignore[union-attr]

    assert status() == plain("reported") == "Received, waiting to be checked"
    hazards.transition(hazard.pk, p.grid_worker, "verify")  # auto-dispatched to property A
    assert status() == plain("dispatched") == plain("verified")
    hazards.transition(hazard.pk, p.property_manager, "accept")
    assert status() == plain("rectifying")
    hazards.transition(
        hazard.pk, p.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
    )
    assert status() == plain("awaiting_recheck")
    hazards.transition(hazard.pk, p.safety_officer, "pass_recheck")
    assert status() == plain("closed") == "Fixed and closed"
    rejected = report(p.resident, title="误报")
    hazards.transition(rejected.pk, p.grid_worker, "reject", reason="现场没有堆物")
    html = client.get(f"/m/reports/{rejected.pk}/").content.decode()
    assert plain("rejected") in html and "现场没有堆物" in html


def test_another_residents_report_is_404(personas: Any) -> None:
    theirs = report(personas.resident_b)
    assert client_for(personas.resident).get(f"/m/reports/{theirs.pk}/").status_code == 404
    assert client_for(personas.resident).get("/m/reports/999999/").status_code == 404
    # their photos too
    photo_id = theirs.attachments.get().pk
    assert client_for(personas.resident).get(f"/m/photos/{photo_id}/").status_code == 404
    assert client_for().get(f"/m/photos/{photo_id}/").status_code == 404
    assert client_for(personas.resident_b).get(f"/m/photos/{photo_id}/").status_code == 200


def test_timeline_hides_internal_events_staff_names_and_phones(personas: Any, tree: Any) -> None:
    p = personas
    hazard = report(p.resident, category="0301")  # no organisation serves it: dispatched by hand
    hazards.transition(hazard.pk, p.grid_worker, "verify")  # orange: first review only
    hazards.transition(hazard.pk, p.safety_officer, "verify")  # internal "dispatch by hand"
    assert hazard.events.filter(is_internal=True).exists()
    hazards.transition(
        hazard.pk, p.safety_officer, "dispatch", data={"organisation": tree.property_a.pk}
    )
    hazards.transition(hazard.pk, p.property_manager, "accept")
    hazards.transition(
        hazard.pk,
        p.property_manager,
        "rectify",
        uploads=[(photo(colour=(0, 90, 0)), "rectify_after")],
    )
    staff_phone = p.safety_officer.mobile
    hazards.transition(
        hazard.pk,
        p.safety_officer,
        "fail_recheck",
        reason=f"纸箱还没清完，有问题打我电话{staff_phone}",
    )
    response = client_for(p.resident).get(f"/m/reports/{hazard.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    timeline = re.search(r'<ol id="resident-timeline".*?</ol>', html, re.S).group(0)  # type: ignore[union-attr]
    rows = re.findall(r"<li ", timeline)
    expected = hazard.events.filter(is_internal=False).count()
    assert len(rows) == expected >= 6
    assert "dispatch by hand" not in html and "No responsible organisation" not in html
    assert "纸箱还没清完" in timeline  # the reason of the failed recheck
    assert staff_phone not in html
    assert f"{staff_phone[:3]}****{staff_phone[-4:]}" in timeline
    for staff in (p.grid_worker, p.safety_officer, p.property_manager):
        assert staff.username not in html
        assert staff.full_name not in html
        assert staff.mobile not in html
    # roles, the organisation and the resident's own part
    assert "Grid worker" in timeline and "Community safety officer" in timeline
    assert "Property manager" in timeline
    assert f"Responsible unit: {tree.property_a.name}" in timeline
    assert '<span class="who">You</span>' in timeline
    # before and after photos, served as public copies without EXIF
    before = re.findall(r'<figure class="m-photos before">(.*?)</figure>', html, re.S)
    after = re.findall(r'<figure class="m-photos after">(.*?)</figure>', html, re.S)
    assert before and after
    for src in re.findall(r'src="(/m/photos/\d+/)"', before[0] + after[0]):
        body = b"".join(client_for(p.resident).get(src).streaming_content)  # type: ignore[attr-defined]
        image = Image.open(io.BytesIO(body))
        assert not image.getexif()
    # the rating block is included (nothing to rate before closing)
    assert 'id="rating-form"' not in html


def test_rating_block_on_a_closed_report(personas: Any) -> None:
    hazard = close_and_publicise(report(personas.resident), personas)
    html = client_for(personas.resident).get(f"/m/reports/{hazard.pk}/").content.decode()
    assert 'id="rating-box"' in html and f'action="/m/reports/{hazard.pk}/rate/"' in html


def test_merged_report_points_to_the_surviving_file(personas: Any) -> None:
    p = personas
    first = report(p.resident_b)
    second = report(p.resident)
    hazards.transition(second.pk, p.grid_worker, "merge", data={"into": first.pk})
    client = client_for(p.resident)
    assert listed(client.get("/m/")) == [second.pk, first.pk]  # now follows the first
    html = client.get(f"/m/reports/{second.pk}/").content.decode()
    assert plain("merged") in html and first.code in html
    assert f'href="/m/reports/{first.pk}/"' in html


def test_residents_are_told_when_their_report_moves_once_per_event(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    run = django_capture_on_commit_callbacks
    with run(execute=True):
        hazard = report(p.resident)
        hazards.follow(hazard.pk, p.resident_b, near=A1A)

    def told(user: Any) -> list[str]:
        return list(
            Notification.objects.filter(recipient=user, hazard=hazard)
            .order_by("id")
            .values_list("title", flat=True)
        )

    with run(execute=True):
        hazards.transition(hazard.pk, p.grid_worker, "verify")
    with override("en"):
        expected = f"Passed to the responsible unit to fix: {hazard.code}"
    assert [t[: len(expected)] for t in told(p.resident)] == [expected]
    assert len(told(p.resident)) == 1 and len(told(p.resident_b)) == 1
    link = Notification.objects.filter(recipient=p.resident).first().link  # type: ignore[union-attr]
    assert link == f"/m/reports/{hazard.pk}/"
    with run(execute=True):
        hazards.transition(hazard.pk, p.property_manager, "accept")  # nothing to tell
    assert len(told(p.resident)) == 1
    with run(execute=True):
        hazards.transition(
            hazard.pk, p.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
        )
    with run(execute=True):
        hazards.transition(hazard.pk, p.safety_officer, "fail_recheck", reason="还没清完")
    titles = told(p.resident)
    assert len(titles) == 3
    assert titles[1].startswith("Fixed, waiting for the recheck")
    assert titles[2].startswith("Recheck failed, fixing goes on")
    assert told(p.resident_b) == titles  # the follower is told the same
    body = Notification.objects.filter(recipient=p.resident).order_by("id").last().body  # type: ignore[union-attr]
    assert "还没清完" in body
    # the same task run again creates nothing new
    from anxin.hazards.tasks import hazard_changed

    event = hazard.events.filter(action="fail_recheck").get()
    hazard_changed(hazard_id=hazard.pk, kind="fail_recheck", event_ids=[event.pk])
    assert len(told(p.resident)) == 3
    # staff who act are not told about their own action; other people's reports are silent
    assert not Notification.objects.filter(recipient=p.outsider).exists()


def test_closing_and_publicising_are_told_once_not_twice(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hazard = report(personas.resident)
    with django_capture_on_commit_callbacks(execute=True):
        hazards.transition(hazard.pk, personas.grid_worker, "verify")
    with django_capture_on_commit_callbacks(execute=True):
        hazards.transition(hazard.pk, personas.property_manager, "accept")
    with django_capture_on_commit_callbacks(execute=True):
        hazards.transition(
            hazard.pk,
            personas.property_manager,
            "rectify",
            uploads=[(photo(), "rectify_after")],
        )
    with django_capture_on_commit_callbacks(execute=True):
        hazards.transition(hazard.pk, personas.safety_officer, "pass_recheck")
    with django_capture_on_commit_callbacks(execute=True):
        hazards.publicise(hazard.pk, personas.safety_officer)
    kinds = list(
        Notification.objects.filter(recipient=personas.resident, hazard=hazard)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    # dispatched, rectified (residents), closed and publicised (notifications app)
    assert kinds == ["resident_progress", "resident_progress", "pass_recheck", "publicise"]
    assert Hazard.objects.get(pk=hazard.pk).status == "closed"


def test_the_inbox_of_a_resident_is_in_the_phone_app_and_links_there(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hazard = close_and_publicise(report(personas.resident), personas)
    # the notifications app links closing/publicising to the workbench page ...
    assert Notification.objects.filter(
        recipient=personas.resident, link=f"/hazards/{hazard.pk}/"
    ).exists()
    page = client_for(personas.resident).get("/inbox/").content.decode()
    # ... which a resident follows into the phone app
    assert 'class="m-tabs"' in page
    links = set(re.findall(r'<a href="(/[^"]*/\d+/)"><strong>', page))
    assert links == {f"/m/reports/{hazard.pk}/"}
    # staff keep the workbench
    staff_page = client_for(personas.safety_officer).get("/inbox/").content.decode()
    assert 'class="m-tabs"' not in staff_page
