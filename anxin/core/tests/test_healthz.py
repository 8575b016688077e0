"""GET /healthz: what a load balancer or an operator sees."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from anxin.core import actions


@pytest.mark.django_db
def test_healthz_answers_200_with_database_and_broker_state(client: Client) -> None:
    # Given the embedded set-up of the tests (no login needed for a health check)
    # When
    response = client.get("/healthz")

    # Then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}
    broker = body["broker"]
    assert isinstance(broker, dict)
    assert isinstance(broker["ok"], bool)
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert broker == {"ok": True, "transport": "filesystem", "worker_seen_seconds_ago": None}
        assert body["status"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_when_a_worker_was_last_seen(client: Client) -> None:
    # Given a worker ran the heartbeat task
    actions.record_heartbeat()

    # When
    body = client.get("/healthz").json()

    # Then
    seen = body["broker"]["worker_seen_seconds_ago"]
    assert isinstance(seen, int)
    assert 0 <= seen < 60


@pytest.mark.django_db
def test_healthz_only_answers_get(client: Client) -> None:
    response = client.post("/healthz")

    assert response.status_code == 405
