from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from anxin.ratings.models import COMMENT_MAX_LENGTH, SATISFIED_FROM, SCORE_MAX, SCORE_MIN, Rating


class RatingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A rating. Who rated is not shown (a resident's identity is personal data);
    ``mine`` tells the caller their own."""

    hazard_code = serializers.CharField(source="hazard.code", read_only=True)
    satisfied = serializers.BooleanField(source="is_satisfied", read_only=True)
    mine = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = (
            "id",
            "hazard",
            "hazard_code",
            "score",
            "comment",
            "satisfied",
            "mine",
            "created_at",
        )
        read_only_fields = fields

    def get_mine(self, obj: Rating) -> bool:
        request = self.context.get("request")
        user: Any = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and obj.rater_id == user.pk)


class RatingCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    hazard = serializers.IntegerField(help_text=_("id of a closed hazard"))
    score = serializers.IntegerField(min_value=SCORE_MIN, max_value=SCORE_MAX)
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class SatisfactionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField(help_text=_("number of ratings"))
    average = serializers.FloatField(allow_null=True, help_text=_("mean score (1–5)"))
    satisfied = serializers.IntegerField(help_text=_("ratings of 4 or 5"))
    satisfied_share = serializers.FloatField(
        allow_null=True, help_text=_("share of ratings of 4 or 5 (0–1)")
    )
    satisfied_from = serializers.IntegerField(default=SATISFIED_FROM)
