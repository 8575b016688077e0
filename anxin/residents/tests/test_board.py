"""The public board (/m/board/): closed and publicised hazards only, filters,
no personal data, photos without EXIF, blurred where the locality says so."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from anxin.hazards import actions as hazards
from anxin.hazards.attachments import BlurError, detect_sensitive_regions
from anxin.hazards.models import Attachment, Hazard
from anxin.residents.models import LocalityPolicy
from anxin.residents.tests.conftest import (
    A1A,
    B1A,
    client_for,
    close_and_publicise,
    jpeg_with_exif,
    report,
    street_scene,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def items(response: Any) -> list[int]:
    return [
        int(x)
        for x in re.findall(r'class="board-item m-card" data-id="(\d+)"', response.content.decode())
    ]


def item_html(response: Any, hazard: Hazard) -> str:
    found = re.search(rf'data-id="{hazard.pk}".*?</li>', response.content.decode(), re.S)
    assert found is not None
    return found.group(0)


def image_sources(html: str) -> list[str]:
    return re.findall(r'<img src="(/m/board/photos/\d+/)"', html)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def public(personas: Any, where: tuple[float, float] = A1A, **kwargs: Any) -> Hazard:
    return close_and_publicise(
        report(personas.resident, where=where, **kwargs), personas, in_b=where == B1A
    )


def test_only_closed_and_publicised_hazards_are_shown_to_anyone(personas: Any) -> None:
    p = personas
    shown = public(p, title="已整改的堆物")
    open_one = report(p.resident, title="还在整改")
    closed_not_publicised = report(p.resident, title="已销号未公示")
    hazards.transition(closed_not_publicised.pk, p.grid_worker, "verify")
    hazards.transition(closed_not_publicised.pk, p.property_manager, "accept")
    hazards.transition(
        closed_not_publicised.pk,
        p.property_manager,
        "rectify",
        uploads=[
            (SimpleUploadedFile("a.jpg", jpeg_with_exif(street_scene(None, None))), "rectify_after")
        ],
    )
    hazards.transition(closed_not_publicised.pk, p.safety_officer, "pass_recheck")
    for viewer in (None, p.resident, p.resident_b, p.grid_worker):
        response = client_for(viewer).get("/m/board/?community=")
        assert response.status_code == 200
        assert items(response) == [shown.pk], viewer
    html = item_html(client_for().get("/m/board/?community="), shown)
    assert shown.code in html and shown.title in html
    assert "Fire" in html  # the main class
    assert shown.closed_at is not None
    assert shown.closed_at.astimezone(SHANGHAI).strftime("%Y-%m-%d") in html
    assert 'href="/m/knowledge/?category=01"' in html
    assert open_one.title not in client_for().get("/m/board/").content.decode()


def test_home_community_by_default_and_a_select_of_communities(personas: Any, tree: Any) -> None:
    p = personas
    in_a = public(p, A1A, title="A社区")
    in_b = public(p, B1A, title="B社区")
    resident = p.resident_b
    resident.home_building = tree.building_b1a
    resident.save()
    assert items(client_for(resident).get("/m/board/")) == [in_b.pk]
    assert items(client_for().get("/m/board/")) == [in_b.pk, in_a.pk]  # no home: everything
    response = client_for().get(f"/m/board/?community={tree.community_a1.pk}")
    assert items(response) == [in_a.pk]
    html = response.content.decode()
    assert f'<option value="{tree.community_a1.pk}" selected>' in html
    assert f'<option value="{tree.community_b1.pk}">' in html
    assert items(client_for(resident).get("/m/board/?community=")) == [in_b.pk, in_a.pk]
    for bad in ("abc", str(tree.grid_a1a.pk), "999999"):
        response = client_for().get(f"/m/board/?community={bad}")
        assert response.status_code == 200
        assert "Unknown community; showing all communities." in response.content.decode()
        assert items(response) == [in_b.pk, in_a.pk]


def test_category_and_month_filters(personas: Any) -> None:
    p = personas
    fire = public(p, title="消防")
    facility = public(p, category="0307", title="游乐设施")
    Hazard.objects.filter(pk=fire.pk).update(
        closed_at=datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI)
    )
    Hazard.objects.filter(pk=facility.pk).update(
        closed_at=datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)
    )
    c = client_for()
    assert items(c.get("/m/board/?community=&category=01")) == [fire.pk]
    assert items(c.get("/m/board/?community=&category=03")) == [facility.pk]
    assert items(c.get("/m/board/?community=&category=05")) == []
    assert items(c.get("/m/board/?community=&month=2026-03")) == [fire.pk]
    assert items(c.get("/m/board/?community=&month=2026-04")) == [facility.pk]
    assert items(c.get("/m/board/?community=&month=2026-04&category=01")) == []
    response = c.get("/m/board/?community=&category=99&month=2026-13")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown category; showing all categories." in html
    assert "Give the month as YYYY-MM; showing all months." in html
    assert items(response) == [facility.pk, fire.pk]
    assert 'value="2026-04"' in c.get("/m/board/?month=2026-04").content.decode()


def test_pages_of_ten(personas: Any) -> None:
    made = [public(personas, title=f"第{i}件") for i in range(12)]
    c = client_for()
    first = c.get("/m/board/?community=")
    assert len(items(first)) == 10
    assert 'href="?community=&amp;page=2"' in first.content.decode()
    second = c.get("/m/board/?community=&page=2")
    assert set(items(first)) | set(items(second)) == {h.pk for h in made}
    assert len(items(c.get("/m/board/?community=&page=zz"))) == 10


def test_no_reporter_name_or_phone_and_no_unmasked_mobile(personas: Any) -> None:
    p = personas
    p.resident.full_name = "王小明"
    p.resident.save()
    by_resident = public(p, title="楼道堆物")
    on_behalf = hazards.report_hazard(
        reporter=p.grid_worker,
        category="0101",
        lat=A1A[0],
        lng=A1A[1],
        title="代居民上报",
        reporter_name="陈大妈",
        reporter_phone="13700001111",
        uploads=[(SimpleUploadedFile("f.jpg", jpeg_with_exif(street_scene(None, None))), "found")],
    ).hazard
    close_and_publicise(on_behalf, p)
    for viewer in (None, p.resident, p.resident_b):
        response = client_for(viewer).get("/m/board/?community=")
        assert set(items(response)) == {by_resident.pk, on_behalf.pk}
        html = response.content.decode()
        for secret in ("王小明", p.resident.mobile, "陈大妈", "13700001111"):
            assert secret not in html, secret
        for staff in (p.grid_worker, p.safety_officer, p.property_manager):
            assert staff.full_name not in html and staff.mobile not in html
        text = re.sub(r"<[^>]+>", " ", html)
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)


def test_served_photos_are_before_and_after_without_exif(personas: Any) -> None:
    hazard = public(personas)
    response = client_for().get("/m/board/?community=")
    html = item_html(response, hazard)
    before = re.search(r'<figure class="m-photos before">(.*?)</figure>', html, re.S)
    after = re.search(r'<figure class="m-photos after">(.*?)</figure>', html, re.S)
    assert before and after
    sources = image_sources(html)
    assert len(sources) == 2
    for src in sources:
        served = client_for().get(src)
        assert served.status_code == 200
        data = body(served)
        image = Image.open(io.BytesIO(data))
        assert not image.getexif(), src
        assert b"Exif" not in data[:4096]
        # the original kept privately still has its EXIF (the found photo at least)
    original = hazard.attachments.get(phase="found")
    with original.file.open("rb") as handle:
        assert Image.open(handle).getexif()


def test_photos_of_hazards_not_on_the_board_are_404(personas: Any) -> None:
    hidden = report(personas.resident)
    photo_id = hidden.attachments.get().pk
    assert client_for().get(f"/m/board/photos/{photo_id}/").status_code == 404
    assert client_for(personas.resident).get(f"/m/board/photos/{photo_id}/").status_code == 404
    assert client_for().get("/m/board/photos/999999/").status_code == 404


def with_faces(personas: Any, where: tuple[float, float] = A1A) -> Hazard:
    """A publicised hazard whose found photo shows a face and a number plate."""
    data = jpeg_with_exif(street_scene())
    hazard = hazards.report_hazard(
        reporter=personas.resident,
        category="0101",
        lat=where[0],
        lng=where[1],
        title="电动车楼道充电",
        uploads=[(SimpleUploadedFile("scene.jpg", data), "found")],
    ).hazard
    return close_and_publicise(hazard, personas, in_b=where == B1A)


def test_photos_are_blurred_where_the_locality_says_so(personas: Any, tree: Any) -> None:
    LocalityPolicy.objects.create(area=tree.community_a1, blur_public_photos=True)
    blurred_here = with_faces(personas, A1A)
    plain_there = with_faces(personas, B1A)  # community B1 has no such policy
    response = client_for().get("/m/board/?community=")
    # community A1: blurred copies were made and are what is served
    found = Attachment.objects.get(hazard=blurred_here, phase="found")
    assert found.blurred_file and not found.blur_failed
    src = image_sources(item_html(response, blurred_here))[0]
    assert src == f"/m/board/photos/{found.pk}/"
    served = body(client_for().get(src))
    with found.blurred_file.open("rb") as handle:
        assert served == handle.read()
    with found.public_file.open("rb") as handle:
        public_copy = handle.read()
    assert served != public_copy
    image = Image.open(io.BytesIO(served))
    assert not image.getexif()
    face_box = (700, 120, 300, 300)
    assert any(
        x < face_box[0] + face_box[2] and face_box[0] < x + w and y < face_box[1] + face_box[3]
        for x, y, w, h in detect_sensitive_regions(Image.open(io.BytesIO(public_copy)))
    )
    assert not any(
        x < face_box[0] + face_box[2] and face_box[0] < x + w and y < face_box[1] + face_box[3]
        for x, y, w, h in detect_sensitive_regions(image)
    )
    # community B1: the public copy as it is, and no blurred copy made
    other = Attachment.objects.get(hazard=plain_there, phase="found")
    other_src = image_sources(item_html(response, plain_there))[0]
    with other.public_file.open("rb") as handle:
        assert body(client_for().get(other_src)) == handle.read()
    other.refresh_from_db()
    assert not other.blurred_file


def test_a_policy_set_on_the_district_covers_its_communities(personas: Any, tree: Any) -> None:
    LocalityPolicy.objects.create(area=tree.district, blur_public_photos=True)
    hazard = with_faces(personas, B1A)
    client_for().get("/m/board/?community=")
    assert Attachment.objects.get(hazard=hazard, phase="found").blurred_file


def test_blurred_copies_are_made_when_publicised(
    personas: Any, tree: Any, django_capture_on_commit_callbacks: Any
) -> None:
    LocalityPolicy.objects.create(area=tree.community_a1, blur_public_photos=True)
    with django_capture_on_commit_callbacks(execute=True):
        hazard = with_faces(personas, A1A)
    photos = Attachment.objects.filter(hazard=hazard, kind="photo")
    assert photos.count() == 2 and all(a.blurred_file for a in photos)


def test_a_photo_that_cannot_be_blurred_is_not_shown(
    personas: Any, tree: Any, monkeypatch: Any
) -> None:
    LocalityPolicy.objects.create(area=tree.community_a1, blur_public_photos=True)
    hazard = with_faces(personas, A1A)

    def broken(data: bytes, regions: Any = None) -> Any:
        raise BlurError("cannot process")

    monkeypatch.setattr("anxin.residents.actions.blurred_copy", broken)
    response = client_for().get("/m/board/?community=")
    assert items(response) == [hazard.pk]  # the hazard is listed, without its photos
    assert image_sources(item_html(response, hazard)) == []
    for attachment in Attachment.objects.filter(hazard=hazard):
        assert attachment.blur_failed and not attachment.blurred_file
        assert client_for().get(f"/m/board/photos/{attachment.pk}/").status_code == 404


def test_board_renders_in_english_and_chinese(personas: Any) -> None:
    public(personas)
    english = client_for(language="en").get("/m/board/?community=").content.decode()
    assert '<html lang="en">' in english and "Public board" in english
    chinese = client_for(language="zh-hans").get("/m/board/?community=").content.decode()
    assert '<html lang="zh-hans">' in chinese and "消防" in chinese


def test_the_api_public_copy_is_blurred_for_those_who_see_it_only_as_public(
    personas: Any, tree: Any
) -> None:
    LocalityPolicy.objects.create(area=tree.community_a1, blur_public_photos=True)
    hazard = with_faces(personas, A1A)
    found = Attachment.objects.get(hazard=hazard, phase="found")
    url = f"/api/v1/attachments/{found.pk}/public/"
    with found.public_file.open("rb") as handle:
        public_copy = handle.read()

    # anyone, and a resident of another building: the blurred copy, as on the board
    for viewer in (None, personas.resident_b):
        response = client_for(viewer).get(url)
        assert response.status_code == 200
        served = body(response)
        assert served != public_copy
        assert not Image.open(io.BytesIO(served)).getexif()
    # the reporter and the staff in scope: the photo as published (no EXIF), unblurred
    for viewer in (personas.resident, personas.safety_officer):
        assert body(client_for(viewer).get(url)) == public_copy


def test_a_follower_sees_the_photos_of_the_file_through_the_api(personas: Any) -> None:
    hazard = report(personas.grid_worker)
    url = f"/api/v1/attachments/?hazard={hazard.pk}"
    assert client_for(personas.resident_b).get(url).json()["results"] == []
    hazards.follow(hazard.pk, personas.resident_b, near=A1A)
    rows = client_for(personas.resident_b).get(url).json()["results"]
    assert [row["id"] for row in rows] == [hazard.attachments.get().pk]
