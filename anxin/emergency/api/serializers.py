"""JSON shapes of the emergency API. Writes are validated by the actions; the
input serializers here only describe (and type-check) what a request carries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from anxin.accounts.choices import Role
from anxin.emergency.choices import (
    ActivityKind,
    HazardClass,
    PlanLevel,
    ResponseLevel,
    Stage,
    SupplyKind,
    TeamKind,
)
from anxin.emergency.models import (
    Drill,
    EmergencyPlan,
    EmergencyResponse,
    EmergencyTeam,
    PlanStep,
    PlanSupply,
    PlanVersion,
    ResponseEvent,
    ResponseReview,
    ResponseTask,
    SafetyActivity,
    StockMovement,
    SupplyItem,
    TrainingRecord,
    WeatherAlert,
)

# The stages a plan's step (and a task) belongs to.
STEP_STAGE_CHOICES = [
    (st, Stage(st).label) for st in (Stage.STARTED, Stage.HANDLING, Stage.RECOVERY)
]


# --- errors (documented on every write) --------------------------------------------------------
class DetailSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


# 400: ``{"detail": …, "errors": {field: [reasons]}}`` ("errors" is a name a
# Serializer class cannot declare, hence the inline form).
ValidationErrorSerializer = inline_serializer(
    name="ValidationError",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class ConflictSerializer(serializers.Serializer[Any]):
    """409: the request conflicts with the current state (extra keys say which)."""

    detail = serializers.CharField()


# --- supplies ----------------------------------------------------------------------------------
class SupplyItemSerializer(serializers.ModelSerializer[SupplyItem]):
    store_name = serializers.CharField(source="store.name", read_only=True)
    area_code = serializers.CharField(source="store.area.code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    is_low = serializers.BooleanField(read_only=True)
    is_removed = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupplyItem
        fields = [
            "id",
            "store",
            "store_name",
            "area_code",
            "kind",
            "kind_label",
            "name",
            "quantity",
            "unit",
            "minimum_stock",
            "expires_on",
            "last_checked_on",
            "is_low",
            "is_removed",
            "removed_at",
            "updated_at",
        ]
        read_only_fields = fields


class SupplyCreateSerializer(serializers.Serializer[Any]):
    store = serializers.IntegerField(
        help_text="id of a store (a named place of kind emergency_store)"
    )
    kind = serializers.ChoiceField(choices=SupplyKind.choices)
    name = serializers.CharField(max_length=80)
    unit = serializers.CharField(max_length=16)
    quantity = serializers.IntegerField(
        required=False, min_value=0, help_text="first stock received"
    )
    minimum_stock = serializers.IntegerField(required=False, min_value=0)
    expires_on = serializers.DateField(required=False, allow_null=True)
    last_checked_on = serializers.DateField(required=False, allow_null=True)


class SupplyUpdateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=SupplyKind.choices, required=False)
    name = serializers.CharField(max_length=80, required=False)
    unit = serializers.CharField(max_length=16, required=False)
    minimum_stock = serializers.IntegerField(required=False, min_value=0)
    expires_on = serializers.DateField(required=False, allow_null=True)
    last_checked_on = serializers.DateField(required=False, allow_null=True)


class QuantitySerializer(serializers.Serializer[Any]):
    quantity = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class IssueSerializer(QuantitySerializer):
    response = serializers.IntegerField(help_text="id of a response under way")


class CountSerializer(serializers.Serializer[Any]):
    counted = serializers.IntegerField(min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, max_length=400)


class StoreCreateSerializer(serializers.Serializer[Any]):
    area = serializers.CharField(help_text="code of a street, community or grid")
    name = serializers.CharField(max_length=120)
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)


class StoreSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    area_code = serializers.CharField(source="area.code")
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    address = serializers.CharField()


class StockMovementSerializer(serializers.ModelSerializer[StockMovement]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    actor = serializers.CharField(
        source="actor.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "item",
            "item_name",
            "kind",
            "kind_label",
            "quantity",
            "balance_after",
            "response",
            "actor",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class BoardItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    quantity = serializers.IntegerField()
    unit = serializers.CharField()
    minimum_stock = serializers.IntegerField()
    expires_on = serializers.DateField(allow_null=True)
    last_checked_on = serializers.DateField(allow_null=True)
    is_low = serializers.BooleanField()
    expiring = serializers.BooleanField()


class BoardStoreSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    items = BoardItemSerializer(many=True)


class BoardTotalSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.IntegerField()


class BoardTeamSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    area_name = serializers.CharField()
    members = serializers.IntegerField()
    duty_phone = serializers.CharField()


class ResourcesBoardSerializer(serializers.Serializer[Any]):
    generated_at = serializers.DateTimeField()
    stores = BoardStoreSerializer(many=True)
    totals = BoardTotalSerializer(many=True)
    teams = BoardTeamSerializer(many=True)
    low_stock = serializers.IntegerField()
    expiring = serializers.IntegerField()
    active_responses = serializers.IntegerField()


# --- teams -------------------------------------------------------------------------------------
class TeamSerializer(serializers.ModelSerializer[EmergencyTeam]):
    area = serializers.CharField(source="area.code", help_text="code of the area")
    area_name = serializers.CharField(source="area.name", read_only=True)
    kind = serializers.ChoiceField(choices=TeamKind.choices)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = EmergencyTeam
        fields = [
            "id",
            "area",
            "area_name",
            "name",
            "kind",
            "kind_label",
            "members",
            "duty_phone",
            "is_active",
        ]
        read_only_fields = ["id"]


class TeamUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120, required=False)
    kind = serializers.ChoiceField(choices=TeamKind.choices, required=False)
    members = serializers.IntegerField(min_value=0, required=False)
    duty_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


# --- plans -------------------------------------------------------------------------------------
class PlanStepSerializer(serializers.ModelSerializer[PlanStep]):
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True, read_only=True)

    class Meta:
        model = PlanStep
        fields = ["order", "stage", "title", "role", "team", "deadline_minutes"]
        read_only_fields = fields


class PlanSupplySerializer(serializers.ModelSerializer[PlanSupply]):
    name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)
    removed = serializers.BooleanField(source="item.is_removed", read_only=True)

    class Meta:
        model = PlanSupply
        fields = ["item", "name", "unit", "quantity", "removed"]
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer[PlanVersion]):
    steps = PlanStepSerializer(many=True, read_only=True)
    supplies = PlanSupplySerializer(many=True, read_only=True)
    teams: serializers.PrimaryKeyRelatedField[EmergencyTeam] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    notify_users: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    notify_roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "number",
            "summary",
            "change_note",
            "steps",
            "supplies",
            "teams",
            "notify_roles",
            "notify_users",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer[EmergencyPlan]):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    hazard_class_label = serializers.CharField(source="get_hazard_class_display", read_only=True)
    current_version = PlanVersionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = EmergencyPlan
        fields = [
            "id",
            "area",
            "area_name",
            "hazard_class",
            "hazard_class_label",
            "level",
            "title",
            "is_active",
            "current_version",
            "updated_at",
        ]
        read_only_fields = fields


class StepInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    stage = serializers.ChoiceField(choices=STEP_STAGE_CHOICES, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    team = serializers.IntegerField(required=False, allow_null=True)
    deadline_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class SupplyInputSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)


class PlanContentSerializer(serializers.Serializer[Any]):
    summary = serializers.CharField(required=False, allow_blank=True)
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    steps = StepInputSerializer(many=True, required=False)
    supplies = SupplyInputSerializer(many=True, required=False)
    teams = serializers.ListField(child=serializers.IntegerField(), required=False)
    notify_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )
    notify_users = serializers.ListField(child=serializers.IntegerField(), required=False)


class PlanCreateSerializer(PlanContentSerializer):
    area = serializers.CharField(help_text="code of a district, street or community")
    hazard_class = serializers.ChoiceField(choices=HazardClass.choices)
    level = serializers.ChoiceField(choices=PlanLevel.choices)
    title = serializers.CharField(max_length=200)


class PlanReviseSerializer(PlanContentSerializer):
    title = serializers.CharField(max_length=200, required=False)


class StartPlanSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=ResponseLevel.choices)
    area = serializers.CharField(
        required=False, allow_blank=True, help_text="code; default the plan's area"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# --- responses ---------------------------------------------------------------------------------
class ResponseSerializer(serializers.ModelSerializer[EmergencyResponse]):
    area_code = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    plan_title = serializers.CharField(source="plan.title", read_only=True)
    plan_version = serializers.IntegerField(source="plan_version.number", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    started_by = serializers.CharField(
        source="started_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = EmergencyResponse
        fields = [
            "id",
            "title",
            "plan",
            "plan_title",
            "plan_version",
            "area_code",
            "area_name",
            "warning",
            "stage",
            "stage_label",
            "suggested_level",
            "level",
            "building_ids",
            "proposed_at",
            "started_at",
            "started_by",
            "stage_changed_at",
            "ended_at",
            "closing_note",
        ]
        read_only_fields = fields


class ResponseEventSerializer(serializers.ModelSerializer[ResponseEvent]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.CharField(
        source="actor.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ResponseEvent
        fields = [
            "id",
            "kind",
            "kind_label",
            "actor",
            "from_stage",
            "to_stage",
            "note",
            "data",
            "created_at",
        ]
        read_only_fields = fields


class StartSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=ResponseLevel.choices)


class StageSerializer(serializers.Serializer[Any]):
    transition = serializers.ChoiceField(
        choices=[
            ("dismiss", "dismiss"),
            ("handle", "handle"),
            ("recover", "recover"),
            ("end", "end"),
        ]
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ResponseNoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000)


class ResponseIssueSerializer(QuantitySerializer):
    item = serializers.IntegerField(help_text="id of the supply")


class TaskSerializer(serializers.ModelSerializer[ResponseTask]):
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True, read_only=True)
    response_title = serializers.CharField(source="response.title", read_only=True)
    assignee = serializers.CharField(
        source="assignee.username", read_only=True, default=None, allow_null=True
    )
    done_by = serializers.CharField(
        source="done_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ResponseTask
        fields = [
            "id",
            "response",
            "response_title",
            "title",
            "stage",
            "role",
            "assignee",
            "organisation",
            "team",
            "due_at",
            "done_at",
            "done_by",
            "note",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    organisation = serializers.IntegerField(required=False, allow_null=True)
    team = serializers.IntegerField(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    stage = serializers.ChoiceField(choices=STEP_STAGE_CHOICES, required=False)


class TaskDoneSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReviewSerializer(serializers.ModelSerializer[ResponseReview]):
    response_title = serializers.CharField(source="response.title", read_only=True)
    submitted_by = serializers.CharField(
        source="submitted_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ResponseReview
        fields = [
            "id",
            "response",
            "response_title",
            "status",
            "opened_at",
            "due_at",
            "summary",
            "went_well",
            "to_improve",
            "follow_up",
            "submitted_at",
            "submitted_by",
            "reminded_at",
            "escalated_at",
        ]
        read_only_fields = fields


class ReviewSubmitSerializer(serializers.Serializer[Any]):
    summary = serializers.CharField(max_length=10_000)
    went_well = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    to_improve = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    follow_up = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


# --- drills, training, the safety month --------------------------------------------------------
class DrillSerializer(serializers.ModelSerializer[Drill]):
    area = serializers.CharField(source="area.code", read_only=True)
    participants: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Drill
        fields = [
            "id",
            "area",
            "plan",
            "title",
            "scheduled_on",
            "held_on",
            "status",
            "participants",
            "participant_count",
            "findings",
        ]
        read_only_fields = fields


class DrillCreateSerializer(serializers.Serializer[Any]):
    area = serializers.CharField()
    title = serializers.CharField(max_length=200)
    scheduled_on = serializers.DateField()
    plan = serializers.IntegerField(required=False, allow_null=True)


class DrillHeldSerializer(serializers.Serializer[Any]):
    held_on = serializers.DateField()
    findings = serializers.CharField(max_length=10_000)
    participants = serializers.ListField(child=serializers.IntegerField(), required=False)
    participant_count = serializers.IntegerField(min_value=0, required=False)


class TrainingSerializer(serializers.ModelSerializer[TrainingRecord]):
    area = serializers.CharField(source="area.code", read_only=True)
    attendees: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "area",
            "title",
            "held_on",
            "trainer",
            "hours",
            "attendees",
            "volunteers",
            "notes",
        ]
        read_only_fields = fields


class TrainingCreateSerializer(serializers.Serializer[Any]):
    area = serializers.CharField()
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    trainer = serializers.CharField(required=False, allow_blank=True, max_length=120)
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    attendees = serializers.ListField(child=serializers.IntegerField(), required=False)
    volunteers = serializers.IntegerField(min_value=0, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class ActivitySerializer(serializers.ModelSerializer[SafetyActivity]):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = SafetyActivity
        fields = [
            "id",
            "area",
            "area_name",
            "title",
            "kind",
            "kind_label",
            "starts_at",
            "ends_at",
            "venue",
            "organiser",
            "description",
        ]
        read_only_fields = fields


class ActivityCreateSerializer(serializers.Serializer[Any]):
    area = serializers.CharField()
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    venue = serializers.CharField(required=False, allow_blank=True, max_length=200)
    organiser = serializers.CharField(required=False, allow_blank=True, max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)


# --- weather -----------------------------------------------------------------------------------
class WeatherAlertSerializer(serializers.ModelSerializer[WeatherAlert]):
    area_code = serializers.CharField(source="area.code", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = WeatherAlert
        fields = [
            "id",
            "identifier",
            "sender",
            "sent_at",
            "cap_status",
            "msg_type",
            "event",
            "hazard",
            "colour",
            "severity",
            "urgency",
            "certainty",
            "onset",
            "expires",
            "headline",
            "description",
            "instruction",
            "area_desc",
            "area_code",
            "outcome",
            "outcome_label",
            "raise_at",
            "flood_warning",
            "imported_at",
        ]
        read_only_fields = fields


class CapTextSerializer(serializers.Serializer[Any]):
    xml = serializers.CharField(help_text="the CAP 1.2 document")


class CapFileSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="the CAP 1.2 document")


class CapImportResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    alerts = WeatherAlertSerializer(many=True)
