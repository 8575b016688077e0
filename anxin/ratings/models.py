from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.areas.models import Area
from anxin.core.scoping import RestrictedManager, ScopeRules
from anxin.hazards.models import AREA_FIELD_BY_LEVEL, Hazard

SCORE_MIN = 1
SCORE_MAX = 5
# A rating at or above this score counts as "satisfied" (满意).
SATISFIED_FROM = 4
COMMENT_MAX_LENGTH = 500


def _rating_area_q(node: Area, below: bool) -> Q:
    """Ratings follow their hazard: the same per-level foreign keys the hazard's
    own area filter uses (see ``anxin.hazards.models._hazard_area_q``)."""
    field = AREA_FIELD_BY_LEVEL.get(node.level)
    if field is not None:
        return Q(**{f"hazard__{field}_id": node.pk})
    if below:
        return Q(hazard__area_path__startswith=node.path)
    return Q(hazard__area_path=node.path)


def _rating_assignee_q(org_id: int) -> Q:
    """A unit that rectified a hazard sees how residents rated the result."""
    assigned = Hazard.objects.filter(Hazard.scope_rules.assignee_q(org_id))  # type: ignore[misc]
    return Q(hazard__in=assigned.values("pk"))


class Rating(models.Model):
    """A resident's satisfaction (1–5) with how a closed hazard was handled."""

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="ratings"
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.CASCADE,
        related_name="hazard_ratings",
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True, db_index=True)

    scope_rules = ScopeRules(
        area_q=_rating_area_q,
        assignee_q=_rating_assignee_q,
        owner="rater",
    )
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["hazard", "rater"], name="rating_once_per_person"),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN) & Q(score__lte=SCORE_MAX),
                name="rating_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id}: {self.score}"

    @property
    def is_satisfied(self) -> bool:
        return self.score >= SATISFIED_FROM
