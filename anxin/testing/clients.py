"""Django test clients for pages."""

from __future__ import annotations

from typing import Any

from django.test import Client


def client_for(user: Any = None, language: str | None = None) -> Client:
    """A test client logged in as ``user`` (anonymous without one), asking for
    pages in ``language`` (the browser's ``Accept-Language``) when given."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)
    return client
