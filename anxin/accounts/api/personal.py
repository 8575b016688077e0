"""Masking of personal data in API responses, with an audit row for every
object shown unmasked (DESIGN §1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from rest_framework.request import Request

from anxin.accounts.actions import record_personal_data_views
from anxin.accounts.models import User
from anxin.accounts.selectors import may_see_personal_data


class PersonalDataMixin:
    """For serializers: ``self._personal(value, masker, owner=…, subject=…)``.

    The value is shown as is to its owner and when it belongs to staff (work
    contacts); residents' data (or data with no owner, e.g. a hotline caller)
    is masked unless the viewer may see personal data, in which case the
    subject is collected in ``context["unmasked"]`` for the audit log.
    """

    context: dict[str, Any]

    def _personal(
        self,
        value: str | None,
        masker: Callable[[str | None], str | None],
        *,
        owner: User | None,
        subject: models.Model,
    ) -> str | None:
        if not value:
            return value
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if viewer is not None and owner is not None and viewer.pk == owner.pk:
            return value
        if owner is not None and not owner.is_resident:
            return value
        if viewer is not None and may_see_personal_data(viewer):
            self.context.setdefault("unmasked", {})[(subject._meta.label_lower, subject.pk)] = (
                subject
            )
            return value
        return masker(value)


class PersonalDataAuditMixin:
    """For viewsets: writes the audit rows once the response is built."""

    _unmasked: dict[tuple[str, Any], models.Model]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        self._unmasked = {}
        context["unmasked"] = self._unmasked
        return context  # type: ignore[no-any-return]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        unmasked = getattr(self, "_unmasked", None)
        if unmasked and 200 <= response.status_code < 300:
            record_personal_data_views(request.user, unmasked.values(), request)  # type: ignore[arg-type]
        return response
