from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from anxin.points.models import Campaign, PointEntry


class PointEntrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    hazard_code = serializers.CharField(source="hazard.code", read_only=True, default=None)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True, default=None)

    class Meta:
        model = PointEntry
        fields = (
            "id",
            "kind",
            "kind_display",
            "points",
            "hazard",
            "hazard_code",
            "campaign",
            "campaign_name",
            "note",
            "created_at",
        )
        read_only_fields = fields


class BalanceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    balance = serializers.IntegerField()
    entries = serializers.IntegerField()


class CampaignSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    area_code = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    is_running = serializers.SerializerMethodField()
    joined = serializers.SerializerMethodField()
    participants = serializers.IntegerField(source="participant_count", read_only=True)

    class Meta:
        model = Campaign
        fields = (
            "id",
            "name",
            "description",
            "area",
            "area_code",
            "area_name",
            "starts_on",
            "ends_on",
            "points",
            "is_active",
            "is_running",
            "joined",
            "participants",
        )
        read_only_fields = fields

    def get_is_running(self, obj: Campaign) -> bool:
        return obj.is_running(timezone.localdate())

    def get_joined(self, obj: Campaign) -> bool:
        joined: Any = self.context.get("joined_ids") or set()
        return obj.pk in joined


class JoinedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    campaign = CampaignSerializer()
    points_awarded = serializers.IntegerField(allow_null=True)
    balance = serializers.IntegerField()
