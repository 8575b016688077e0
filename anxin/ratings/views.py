"""The rating box on a report's page in the phone app (``/m/``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.core.errors import Conflict
from anxin.core.pages import RESIDENT_LOGIN_URL, is_htmx, scoped
from anxin.hazards.models import Hazard
from anxin.ratings import actions
from anxin.ratings.errors import RatingValidationError
from anxin.ratings.selectors import rating_context


@scoped(
    Hazard,
    "view",
    argument="hazard",
    lookup="pk",
    queryset_argument="hazards",
    login_url=RESIDENT_LOGIN_URL,
)
@require_POST
def rate(request: HttpRequest, hazard: Hazard, hazards: QuerySet[Hazard]) -> HttpResponse:
    """POST a score (1–5) and a comment. An HTMX request gets the re-rendered
    rating box (with the errors inside the form on failure); a plain POST is
    redirected to the report's page, with the outcome as a message."""
    user: Any = request.user
    pk = hazard.pk
    score = request.POST.get("score", "")
    comment = request.POST.get("comment", "")
    errors: dict[str, list[str]] = {}
    status = 200
    try:
        actions.rate_hazard(pk, user, score, comment)
    except Http404:
        raise
    except RatingValidationError as exc:
        errors, status = exc.message_dict, 422
    except Conflict as exc:
        errors, status = {"non_field_errors": [exc.message]}, 409
    except PermissionDenied as exc:
        message = str(exc) or _("You may not rate this hazard.")
        errors, status = {"non_field_errors": [message]}, 403
    if not is_htmx(request):
        if status == 200:
            messages.success(request, _("Thank you for your rating."))
        else:
            for field_errors in errors.values():
                for message in field_errors:
                    messages.error(request, message)
        return redirect("residents:report_detail", pk=pk)
    fresh = hazards.filter(pk=pk).first()
    if fresh is None:  # cannot happen after the action's own check; be safe
        raise Http404(_("No such hazard."))
    context = rating_context(
        fresh, user, errors=errors, values={"score": score, "comment": comment} if errors else None
    )
    if errors and not context["may_rate"] and not context["my_rating"]:
        # The box would render nothing (e.g. not entitled): show the reason.
        context["rating_refusal"] = next(iter(errors.values()))[0]
    return render(request, "ratings/_rate.html", context, status=status)
