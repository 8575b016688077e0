from __future__ import annotations

import pytest

from anxin.hazards import actions
from anxin.hazards.models import Hazard
from anxin.testing.media import photo

pytestmark = pytest.mark.django_db


def test_report_and_loop(personas, tree, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    result = actions.report_hazard(
        reporter=personas.resident,
        category="0101",
        lat=30.015,
        lng=120.007,
        description="消防通道被私家车占用",
        address="1幢东侧",
        uploads=[(photo(), "found")],
    )
    h = result.hazard
    print(h.code, h.machine_code, h.status, h.area_path, result.missing, h.nearest_place)
    att = h.attachments.get()
    print(att.exif_lat, att.exif_lng, att.exif_taken_at, att.public_file.name)
    h = actions.transition(h.pk, personas.grid_worker, "verify")
    print(h.status, h.responsible_organisation, h.deadline)
    h = actions.transition(h.pk, personas.property_manager, "accept")
    h = actions.transition(
        h.pk, personas.property_manager, "rectify", uploads=[(photo(), "rectify_after")]
    )
    h = actions.transition(h.pk, personas.safety_officer, "fail_recheck", reason="还有车辆")
    h = actions.transition(h.pk, personas.property_manager, "rectify")
    h = actions.transition(h.pk, personas.safety_officer, "pass_recheck")
    h = actions.publicise(h.pk, personas.safety_officer)
    for e in h.events.all():
        print(e.action, e.actor_role, e.from_status, e.to_status, e.reason, e.data)
    assert Hazard.objects.get().status == "closed"
