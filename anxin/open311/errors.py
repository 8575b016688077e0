"""Open311 errors: an HTTP status and one or more descriptions."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from anxin.open311.choices import PARAMETER_OF_FIELD


class Open311Error(Exception):
    """Answered as ``[{"code": status, "description": …}, …]``.

    404: a resource that does not exist (service_code, jurisdiction_id, request
    id, token); 403: a missing or invalid api_key; 400: anything else.
    """

    def __init__(self, status: int, descriptions: str | Iterable[str]) -> None:
        self.status = status
        self.descriptions = (
            [descriptions] if isinstance(descriptions, str) else [str(d) for d in descriptions]
        )
        super().__init__("; ".join(self.descriptions))

    def as_list(self) -> list[dict[str, object]]:
        return [{"code": self.status, "description": d} for d in self.descriptions]


class BadRequest(Open311Error):
    def __init__(self, descriptions: str | Iterable[str]) -> None:
        super().__init__(400, descriptions)


class Forbidden(Open311Error):
    def __init__(self, descriptions: str | Iterable[str]) -> None:
        super().__init__(403, descriptions)


class NotFound(Open311Error):
    def __init__(self, descriptions: str | Iterable[str]) -> None:
        super().__init__(404, descriptions)


def field_error(parameter: str, message: str) -> str:
    return f"{parameter}: {message}"


def from_validation_error(exc: ValidationError) -> BadRequest:
    """A hazard action's field errors, named by the Open311 parameters."""
    if hasattr(exc, "error_dict"):
        descriptions = [
            str(message)
            if name in ("__all__", "non_field_errors")
            else field_error(PARAMETER_OF_FIELD.get(name, name), str(message))
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        descriptions = [str(m) for m in exc.messages]
    return BadRequest(descriptions)
