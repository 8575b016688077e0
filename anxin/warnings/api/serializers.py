from __future__ import annotations

from typing import Any

from rest_framework import serializers

from anxin.warnings.models import RiskWarning, SpecialGovernanceTask, WarningEvent, WarningRule
from anxin.warnings.rules import department_label
from anxin.warnings.selectors import visible_hazards


class WarningListSerializer(serializers.ModelSerializer[RiskWarning]):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    area_code = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    hazard_count = serializers.SerializerMethodField()

    class Meta:
        model = RiskWarning
        fields = [
            "id",
            "level",
            "level_label",
            "kind",
            "kind_label",
            "title",
            "status",
            "status_label",
            "area_code",
            "area_name",
            "hazard_count",
            "raised_at",
            "acknowledged_at",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_hazard_count(self, obj: RiskWarning) -> int:
        annotated = getattr(obj, "hazard_count", None)
        return int(annotated) if annotated is not None else obj.links.count()


class GovernanceTaskSerializer(serializers.ModelSerializer[SpecialGovernanceTask]):
    category_code = serializers.CharField(source="category.code", read_only=True)

    class Meta:
        model = SpecialGovernanceTask
        fields = ["id", "title", "status", "category_code", "created_at", "closed_at"]
        read_only_fields = fields


class WarningDetailSerializer(WarningListSerializer):
    hazards = serializers.SerializerMethodField()
    proposed_departments = serializers.SerializerMethodField()
    governance_task = serializers.SerializerMethodField()
    rule_id = serializers.IntegerField(source="rule.pk", read_only=True, default=None)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, default=None
    )
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, default=None)

    class Meta(WarningListSerializer.Meta):
        fields = [
            *WarningListSerializer.Meta.fields,
            "message",
            "rule_id",
            "hazards",
            "proposed_departments",
            "governance_task",
            "acknowledged_by",
            "resolved_by",
            "resolution_note",
            "details",
        ]
        read_only_fields = fields

    def get_hazards(self, obj: RiskWarning) -> list[dict[str, Any]]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return [
            {"id": h.pk, "code": h.code, "title": h.title, "status": h.status}
            for h in visible_hazards(obj, user)
        ]

    def get_proposed_departments(self, obj: RiskWarning) -> list[dict[str, str]]:
        return [{"kind": k, "label": department_label(k)} for k in obj.proposed_departments]

    def get_governance_task(self, obj: RiskWarning) -> dict[str, Any] | None:
        task = SpecialGovernanceTask.objects.filter(warning=obj).select_related("category").first()
        return GovernanceTaskSerializer(task).data if task else None


class WarningEventSerializer(serializers.ModelSerializer[WarningEvent]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = WarningEvent
        fields = ["id", "kind", "kind_label", "actor", "note", "data", "created_at"]
        read_only_fields = fields


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FloodWarningSerializer(serializers.Serializer[Any]):
    area = serializers.CharField(help_text="code of the area")
    message = serializers.CharField(allow_blank=True, max_length=2000)
    radius_m = serializers.IntegerField(required=False, allow_null=True)


class WarningRuleSerializer(serializers.ModelSerializer[WarningRule]):
    """Rules are validated by ``actions.create_rule`` / ``update_rule``; this
    serializer only shapes the JSON."""

    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name", read_only=True)
    category = serializers.CharField(
        source="category.code", required=False, allow_null=True, allow_blank=True
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    min_count = serializers.JSONField(required=False, allow_null=True)
    radius_m = serializers.JSONField(required=False, allow_null=True)
    window_days = serializers.JSONField(required=False, allow_null=True)
    threshold = serializers.JSONField(required=False, allow_null=True)

    class Meta:
        model = WarningRule
        fields = [
            "id",
            "area",
            "area_name",
            "kind",
            "kind_label",
            "level",
            "category",
            "min_count",
            "radius_m",
            "window_days",
            "cluster_within",
            "threshold",
            "count_per",
            "is_active",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "level", "created_at", "updated_at"]
        extra_kwargs = {
            "kind": {"required": False},
            "cluster_within": {"required": False},
            "count_per": {"required": False},
        }
