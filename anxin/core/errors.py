from __future__ import annotations


class Conflict(Exception):
    """The request is valid but conflicts with the object's current state (409)."""

    def __init__(self, message: str, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
