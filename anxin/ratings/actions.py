"""Writes for ratings. A resident rates how a closed hazard was handled, once;
the points for rating are awarded in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from anxin.hazards.choices import Status
from anxin.hazards.models import Hazard
from anxin.ratings.errors import (
    AlreadyRated,
    NotClosedYet,
    RatingForbidden,
    RatingValidationError,
)
from anxin.ratings.models import COMMENT_MAX_LENGTH, SCORE_MAX, SCORE_MIN, Rating
from anxin.ratings.selectors import is_entitled


def clean_score(score: Any) -> int:
    """The score as an int in 1..5, or a field error in the user's language."""
    try:
        value = int(str(score).strip())
        valid = str(score).strip() == str(value) and SCORE_MIN <= value <= SCORE_MAX
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise RatingValidationError(
            {
                "score": [
                    _("Choose a score from %(min)d to %(max)d.")
                    % {"min": SCORE_MIN, "max": SCORE_MAX}
                ]
            }
        )
    return value


def clean_comment(comment: Any) -> str:
    text = "" if comment is None else str(comment).strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise RatingValidationError(
            {
                "comment": [
                    _("Keep the comment to %(max)d characters (it has %(n)d).")
                    % {"max": COMMENT_MAX_LENGTH, "n": len(text)}
                ]
            }
        )
    return text


def rate_hazard(hazard_id: int, actor: Any, score: Any, comment: Any = "") -> Rating:
    """Rate a closed hazard (1–5 and an optional comment).

    May rate: a resident who reported the hazard, follows its file, or whose
    home building is the hazard's building; once per person, only after it is
    closed. A hazard the actor cannot see answers 404 like a missing one (so a
    building's residents rate its hazards once they are publicised); one they
    can see but may not rate answers 403 with the reason; a second rating, or
    one before closing, is a conflict (409); a bad score or comment is a field
    error (400). Nothing is changed unless the rating is stored."""
    from anxin.points.actions import award_for_rating

    if actor is None or not actor.is_authenticated:
        raise Http404(_("No such hazard."))
    with transaction.atomic():
        # The hazard row is locked so that two ratings at once cannot both pass
        # the checks (the unique constraint would catch it anyway).
        hazard = (
            Hazard.objects.restrict(actor, "view")
            .select_for_update(of=("self",))
            .filter(pk=hazard_id)
            .first()
        )
        if hazard is None:
            raise Http404(_("No such hazard."))
        if not is_entitled(hazard, actor):
            raise RatingForbidden(
                _(
                    "Only residents who reported this hazard, follow it or live in its "
                    "building may rate it."
                )
            )
        if Rating.objects.filter(hazard=hazard, rater=actor).exists():
            raise AlreadyRated(_("You have already rated this hazard."))
        if hazard.status != Status.CLOSED:
            raise NotClosedYet(
                _("A hazard can be rated only after it is closed."),
                current_status=hazard.status,
            )
        errors: dict[str, list[str]] = {}
        value = 0
        text = ""
        try:
            value = clean_score(score)
        except RatingValidationError as exc:
            errors.update(exc.message_dict)
        try:
            text = clean_comment(comment)
        except RatingValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise RatingValidationError(errors)
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    hazard=hazard, rater=actor, score=value, comment=text
                )
        except IntegrityError as exc:
            raise AlreadyRated(_("You have already rated this hazard.")) from exc
        award_for_rating(rating)
    return rating
