from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from anxin.core.errors import Conflict


class HazardValidationError(ValidationError):
    """Bad input for a hazard action; carries field -> messages."""


class TransitionConflict(Conflict):
    """The hazard is no longer in a state this transition leaves from (409)."""

    def __init__(self, message: str, current_status: str) -> None:
        super().__init__(message, current_status=current_status)
        self.current_status = current_status


class TransitionForbidden(PermissionDenied):
    """The actor holds no role that may fire this transition (403)."""
