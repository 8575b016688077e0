"""Helpers shared by the emergency actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.areas.models import Area
from anxin.emergency.models import EmergencyResponse, ResponseEvent

M = TypeVar("M", bound=models.Model)


def record(
    response: EmergencyResponse,
    kind: str,
    actor: Any = None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    from_stage: str = "",
    to_stage: str = "",
    at: datetime | None = None,
) -> ResponseEvent:
    """Append one event to a response's timeline."""
    return ResponseEvent.objects.create(
        response=response,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data=data or {},
        from_stage=from_stage,
        to_stage=to_stage,
        created_at=at or timezone.now(),
    )


def locked(model: type[M], pk: Any, user: Any, action: str = "change") -> M:
    """The row ``pk`` of ``model`` locked for update, if ``user`` may ``action`` it;
    otherwise 404 (out of scope answers like missing)."""
    try:
        key = int(pk.pk if isinstance(pk, models.Model) else pk)
    except (TypeError, ValueError) as exc:
        raise Http404(_("Not found.")) from exc
    manager: Any = model._default_manager
    queryset = manager.restrict(user, action) if user is not None else manager.all()
    found = queryset.select_for_update(of=("self",)).filter(pk=key).first()
    if found is None:
        raise Http404(_("Not found."))
    return found  # type: ignore[no-any-return]


def visible(model: type[M], pk: Any, user: Any, *, field: str, label: str) -> M:
    """A row the user may see, named by id in the input; a field error otherwise."""
    manager: Any = model._default_manager
    try:
        key = int(pk.pk if isinstance(pk, models.Model) else pk)
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Choose a %(what)s.") % {"what": label}]}) from None
    queryset = manager.restrict(user, "view") if user is not None else manager.all()
    found = queryset.filter(pk=key).first()
    if found is None:
        raise ValidationError(
            {field: [_("Unknown %(what)s #%(id)s.") % {"what": label, "id": key}]}
        )
    return found  # type: ignore[no-any-return]


def area_by_code(value: Any, user: Any, *, field: str = "area") -> Area:
    """An area the user may see, by code (or the Area itself)."""
    if isinstance(value, Area):
        area: Area | None = value
    else:
        area = Area.objects.filter(code=str(value or "").strip()).first()
    if area is None or (
        user is not None and not Area.objects.restrict(user, "view").filter(pk=area.pk).exists()
    ):
        raise ValidationError({field: [_("Unknown area %(a)s.") % {"a": value or "—"}]})
    return area


def positive_int(value: Any, field: str, *, minimum: int = 1, maximum: int = 10**9) -> int:
    """A whole number within bounds, or a field error."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a whole number.")]}) from None
    if number < minimum or number > maximum:
        raise ValidationError(
            {field: [_("Enter a number from %(lo)d to %(hi)d.") % {"lo": minimum, "hi": maximum}]}
        )
    return number


def required_text(value: Any, field: str, message: str, max_length: int = 2000) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    if len(text) > max_length:
        raise ValidationError({field: [_("At most %(n)d characters.") % {"n": max_length}]})
    return text


def optional_text(value: Any, field: str, max_length: int = 2000) -> str:
    text = str(value or "").strip()
    if len(text) > max_length:
        raise ValidationError({field: [_("At most %(n)d characters.") % {"n": max_length}]})
    return text


def choice(value: Any, field: str, choices: Any, message: str) -> str:
    text = str(value or "").strip()
    if text not in choices.values:
        raise ValidationError({field: [message]})
    return text


def collect(errors: dict[str, list[str]], fn: Callable[[], Any]) -> Any:
    """Run ``fn``; add its field errors to ``errors`` and return None on failure."""
    try:
        return fn()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
        return None
