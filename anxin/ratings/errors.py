from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from anxin.core.errors import Conflict


class RatingValidationError(ValidationError):
    """Bad input for a rating; carries field -> messages (400)."""


class AlreadyRated(Conflict):
    """The person already rated this hazard (409); nothing was changed."""


class RatingForbidden(PermissionDenied):
    """The actor can see the hazard but may not rate it (403), with the reason."""


class NotClosedYet(Conflict):
    """The hazard is still open (409): it can be rated once it is closed."""
