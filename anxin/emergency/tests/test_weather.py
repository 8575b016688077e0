"""Weather intake: CAP 1.2 documents are validated against the schema; a
rainstorm or typhoon warning for the district becomes a flood warning at once
when the onset is within 24 hours, else 24 hours before it; imports are
idempotent; other hazards are recorded only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from anxin.emergency import tasks
from anxin.emergency.actions import weather
from anxin.emergency.choices import AlertStatus
from anxin.emergency.models import EmergencyResponse, WeatherAlert
from anxin.emergency.samples import weather_cap
from anxin.notifications.models import Notification
from anxin.warnings.models import RiskWarning

pytestmark = pytest.mark.django_db


def cap_for(tree, identifier="t-1", **kwargs):
    return weather_cap(
        identifier=identifier, area_code=tree.district.code, area_name="西湖区", **kwargs
    )


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"", "empty"),
        (b"<alert><identifier>x</identifier>", "well-formed"),
        (
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">'
            b"<identifier>x</identifier></alert>",
            "CAP 1.2",
        ),
        (
            b"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>
<sender>s</sender><sent>2026-06-20T08:00:00+08:00</sent><status>Real</status>
<msgType>Alert</msgType><scope>Public</scope></alert>""",
            "status",
        ),
        (
            b"""<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>""",
            "CAP 1.2",
        ),
    ],
)
def test_a_document_that_does_not_validate_is_refused_and_nothing_is_recorded(
    readiness, api_client, document, reason
):
    api_client.force_authenticate(readiness.people.district_admin)
    answer = api_client.post(
        "/api/v1/weather-alerts/import/", {"xml": document.decode()}, format="json"
    )
    if not document:
        assert answer.status_code == 400  # "xml" may not be blank
    else:
        assert answer.status_code == 400, answer.content
        message = answer.json()["errors"]["file"][0]
        assert reason.lower() in message.lower() or "line" in message.lower(), message
        assert "root:" not in message  # no entity was resolved
    assert not WeatherAlert.objects.exists()
    assert not RiskWarning.objects.exists()


def test_an_invalid_file_is_named_on_the_page(readiness, client):
    client.force_login(readiness.people.district_admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("warning.xml", b"<alert>not cap</alert>", "text/xml")
    page = client.post("/emergency/weather/", {"file": upload})
    assert page.status_code == 422
    assert "CAP 1.2" in page.content.decode()
    assert not WeatherAlert.objects.exists()


def test_importing_the_same_alert_twice_changes_nothing(readiness, api_client, committed):
    api_client.force_authenticate(readiness.people.district_admin)
    body = {"xml": cap_for(readiness.tree).decode()}
    first = committed(api_client.post, "/api/v1/weather-alerts/import/", body, format="json")
    assert first.status_code == 201 and first.json()["created"] == 1
    second = committed(api_client.post, "/api/v1/weather-alerts/import/", body, format="json")
    assert second.status_code == 200 and second.json()["created"] == 0
    assert WeatherAlert.objects.count() == 1
    assert RiskWarning.objects.filter(kind="flood_warning").count() == 1
    assert EmergencyResponse.objects.count() == 1


def test_a_warning_more_than_a_day_ahead_is_held_and_raised_24_hours_before(readiness, committed):
    people, tree = readiness.people, readiness.tree
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        result = committed(
            weather.import_cap,
            cap_for(tree, onset_in=timedelta(hours=40)),
            user=people.street_admin,
        )
    alert = result.alerts[0]
    assert alert.outcome == AlertStatus.HELD
    assert not RiskWarning.objects.exists()
    with time_machine.travel(now + timedelta(hours=15), tick=False):
        assert committed(tasks.sweep)["flood_warnings"] == 0
    with time_machine.travel(now + timedelta(hours=16, minutes=1), tick=False):
        assert committed(tasks.sweep)["flood_warnings"] == 1
    alert.refresh_from_db()
    assert alert.outcome == AlertStatus.FLOOD_WARNING
    assert Notification.objects.filter(recipient=people.resident, kind="safety_notice").exists()
    assert EmergencyResponse.objects.filter(warning=alert.flood_warning).exists()


def test_a_cancel_stops_a_held_alert_and_an_update_joins_the_raised_warning(readiness, committed):
    people, tree = readiness.people, readiness.tree
    held = committed(
        weather.import_cap, cap_for(tree, "t-held", onset_in=timedelta(hours=40)), user=None
    ).alerts[0]
    ref = f"{held.sender},{held.identifier},{held.sent_at.isoformat()}"
    committed(weather.import_cap, cap_for(tree, "t-cancel", msg_type="Cancel", references=ref))
    held.refresh_from_db()
    assert held.outcome == AlertStatus.CANCELLED
    raised = committed(weather.import_cap, cap_for(tree, "t-now")).alerts[0]
    ref = f"{raised.sender},{raised.identifier},{raised.sent_at.isoformat()}"
    update = committed(
        weather.import_cap,
        cap_for(tree, "t-update", msg_type="Update", colour="red", references=ref),
    ).alerts[0]
    assert update.flood_warning_id == raised.flood_warning_id
    assert RiskWarning.objects.filter(kind="flood_warning").count() == 1
    assert people  # the people exist for the import's notices


def test_other_hazards_and_exercises_are_recorded_only(readiness, committed):
    tree = readiness.tree
    heat = committed(weather.import_cap, cap_for(tree, "t-heat", hazard="heat")).alerts[0]
    drill = committed(weather.import_cap, cap_for(tree, "t-ex", status="Exercise")).alerts[0]
    typhoon = committed(weather.import_cap, cap_for(tree, "t-typhoon", hazard="typhoon")).alerts[0]
    assert (heat.outcome, drill.outcome) == (AlertStatus.RECORDED, AlertStatus.RECORDED)
    assert typhoon.outcome == AlertStatus.FLOOD_WARNING and typhoon.hazard == "typhoon"


def test_an_alert_for_no_area_of_the_user_is_refused(readiness):
    people, tree = readiness.people, readiness.tree
    foreign = weather_cap(identifier="t-far", area_code="110101", area_name="东城区")
    with pytest.raises(ValidationError) as refused:
        weather.import_cap(foreign, user=people.district_admin)
    assert "东城区" in refused.value.message_dict["file"][0]
    with pytest.raises(ValidationError):  # a grid worker imports for nobody
        weather.import_cap(cap_for(tree, "t-gw"), user=people.grid_worker)
    assert not WeatherAlert.objects.exists()


def test_the_configured_url_is_fetched_and_imported(readiness, committed, settings, tmp_path):
    path = tmp_path / "cap.xml"
    path.write_bytes(cap_for(readiness.tree, "t-url"))
    settings.WEATHER_CAP_URL = path.as_uri()
    assert committed(tasks.fetch_weather) == 1
    assert committed(tasks.fetch_weather) == 0
    path.write_bytes(b"<not-cap/>")
    assert committed(tasks.fetch_weather) == 0  # logged, not raised
    alert = WeatherAlert.objects.get()
    assert alert.source == path.as_uri() and alert.imported_by is None


def test_the_shipped_sample_validates_and_the_command_imports_it(readiness, committed):
    from io import StringIO
    from pathlib import Path

    from django.core.management import CommandError, call_command

    from anxin.emergency import cap

    sample = Path(cap.__file__).parent / "data" / "sample-rainstorm.xml"
    parsed = cap.parse(sample.read_bytes())
    assert (parsed.hazard, parsed.colour) == ("rainstorm", "orange")
    out = StringIO()
    committed(call_command, "import_cap", str(sample), stdout=out)
    assert "西湖区" in out.getvalue()
    assert WeatherAlert.objects.get().source == "file:sample-rainstorm.xml"
    with pytest.raises(CommandError):
        call_command("import_cap", str(sample.with_name("CAP-v1.2.xsd")))
