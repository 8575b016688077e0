from __future__ import annotations

import math
from typing import Any

from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from anxin.accounts.api.personal import PersonalDataMixin
from anxin.accounts.selectors import is_staff_viewer, mask_mobile, mask_name
from anxin.hazards.choices import Grade, Phase, RiskColour, SourceChannel, Status
from anxin.hazards.models import Attachment, ExtensionRequest, Hazard, HazardEvent, WhistleCall
from anxin.hazards.selectors import Candidate


def _is_staff_viewer(context: Any) -> bool:
    return is_staff_viewer(getattr(context.get("request"), "user", None))


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "phase",
            "kind",
            "content_type",
            "size",
            "width",
            "height",
            "url",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, obj: Attachment) -> str:
        return f"/api/v1/attachments/{obj.pk}/public/"


class HazardListSerializer(PersonalDataMixin, serializers.ModelSerializer[Hazard]):
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    grid_code = serializers.CharField(source="grid.code", read_only=True, default=None)
    community_name = serializers.CharField(source="community.name", read_only=True, default=None)
    responsible_organisation_name = serializers.CharField(
        source="responsible_organisation.name", read_only=True, default=None
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "uuid",
            "code",
            "machine_code",
            "title",
            "status",
            "status_label",
            "risk_colour",
            "grade",
            "category_code",
            "category_name",
            "address",
            "lat",
            "lng",
            "grid_code",
            "community_name",
            "source",
            "responsible_organisation_name",
            "reported_at",
            "deadline",
            "is_overdue",
            "escalation_level",
            "is_listed",
            "closed_at",
        ]
        read_only_fields = fields


class WhistleCallSerializer(serializers.ModelSerializer[WhistleCall]):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = WhistleCall
        fields = [
            "department",
            "department_name",
            "called_at",
            "arrived_at",
            "answered_at",
            "answer",
        ]
        read_only_fields = fields


class ExtensionSerializer(serializers.ModelSerializer[ExtensionRequest]):
    class Meta:
        model = ExtensionRequest
        fields = ["id", "requested_deadline", "reason", "decision", "decided_at", "created_at"]
        read_only_fields = fields


class HazardDetailSerializer(HazardListSerializer):
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    whistle_calls = WhistleCallSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    building_code = serializers.CharField(source="building.code", read_only=True, default=None)
    street_name = serializers.CharField(source="street.name", read_only=True, default=None)
    nearest_place_name = serializers.CharField(
        source="nearest_place.name", read_only=True, default=None
    )
    grid_worker_name = serializers.CharField(
        source="grid_worker.full_name", read_only=True, default=None
    )
    grid_worker_phone = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(HazardListSerializer.Meta):
        fields = [
            *HazardListSerializer.Meta.fields,
            "description",
            "gb35181_clause",
            "quantity",
            "building_code",
            "street_name",
            "nearest_place_name",
            "nearest_place_distance_m",
            "h3_r9",
            "reporter_name",
            "reporter_phone",
            "grid_worker_name",
            "grid_worker_phone",
            "review_tier",
            "found_at",
            "verify_deadline",
            "verified_at",
            "dispatched_at",
            "accepted_at",
            "interim_deadline",
            "rectified_at",
            "recheck_deadline",
            "rechecked_at",
            "publicised_at",
            "updated_at",
            "overdue_since",
            "listing_level",
            "listed_at",
            "listing_published_at",
            "delisted_at",
            "interim_control",
            "interim_controlled_at",
            "six_item_plan",
            "expert_opinion",
            "merged_into",
            "attachments",
            "whistle_calls",
            "extensions",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_reporter_name(self, obj: Hazard) -> str | None:
        return self._personal(obj.reporter_name, mask_name, owner=obj.reporter, subject=obj)

    def get_reporter_phone(self, obj: Hazard) -> str | None:
        return self._personal(obj.reporter_phone, mask_mobile, owner=obj.reporter, subject=obj)

    def get_grid_worker_phone(self, obj: Hazard) -> str | None:
        if obj.grid_worker is None:
            return None
        return obj.grid_worker.mobile if _is_staff_viewer(self.context) else None

    def get_allowed_actions(self, obj: Hazard) -> list[str]:
        from anxin.hazards.selectors import allowed_transitions

        request = self.context.get("request")
        user = getattr(request, "user", None)
        return allowed_transitions(obj, user) if user is not None else []

    def to_representation(self, instance: Hazard) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not _is_staff_viewer(self.context):
            # The public view: no internal supervision detail, no staff phones.
            for key in ("expert_opinion", "six_item_plan", "extensions", "whistle_calls"):
                data.pop(key, None)
        return data


class EventSerializer(PersonalDataMixin, serializers.ModelSerializer[HazardEvent]):
    actor_name = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = HazardEvent
        fields = [
            "id",
            "kind",
            "kind_label",
            "action",
            "actor_role",
            "actor_name",
            "from_status",
            "to_status",
            "reason",
            "data",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj: HazardEvent) -> str | None:
        if obj.actor is None:
            return None
        viewer = getattr(self.context.get("request"), "user", None)
        if not (_is_staff_viewer(self.context) or getattr(viewer, "pk", None) == obj.actor.pk):
            return None  # the public timeline shows roles, not people
        name = obj.actor.full_name or obj.actor.username
        return self._personal(name, mask_name, owner=obj.actor, subject=obj.actor)


class HazardCreateSerializer(serializers.Serializer[dict[str, Any]]):
    category = serializers.CharField(max_length=4, help_text=_("Subclass code, e.g. 0101"))
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    risk_colour = serializers.ChoiceField(choices=RiskColour.choices, required=False)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, default=Grade.ORDINARY)
    source = serializers.ChoiceField(choices=SourceChannel.choices, required=False)  # type: ignore[assignment]
    found_at = serializers.DateTimeField(required=False)
    quantity = serializers.CharField(max_length=60, required=False, allow_blank=True)
    gb35181_clause = serializers.CharField(max_length=40, required=False, allow_blank=True)
    reporter_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    idempotency_key = serializers.CharField(max_length=64, required=False)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=9, allow_empty=True
    )

    @classmethod
    def validated_or_none(cls, data: Any) -> dict[str, Any] | None:
        """What ``is_valid()`` would give as ``validated_data`` for a plain JSON
        report, checked without building the serializer: DRF deep-copies every
        declared field for each serializer, most of the cost of validating a
        report. Only input the fields would obviously accept is taken (strings
        for text, numbers in range, known choices, nothing else present); for
        anything else — a file, a date, a number as text, a value too long,
        blank or null — None, and the caller validates with the serializer,
        whose errors are the answer."""
        if type(data) is not dict:
            return None
        plan = _fast_plan(cls)
        if plan is None:
            return None
        out: dict[str, Any] = {}
        for name, kind, field in plan:
            value = data.get(name, _MISSING)
            if value is _MISSING:
                if field.required:
                    return None
                if field.default is not empty:
                    if callable(field.default):
                        return None
                    out[name] = field.default
                continue
            if kind == "char" and type(value) is str:
                text = value.strip() if field.trim_whitespace else value
                if not text:
                    if not field.allow_blank:
                        return None
                    out[name] = ""
                    continue
                if (field.max_length is not None and len(text) > field.max_length) or (
                    field.min_length is not None and len(text) < field.min_length
                ):
                    return None
                if "\x00" in text or not _encodable(text):
                    return None
                out[name] = text
            elif kind == "float" and type(value) in (int, float):
                try:
                    number = float(value)
                except OverflowError:
                    return None
                if not math.isfinite(number):
                    return None
                if (field.min_value is not None and number < field.min_value) or (
                    field.max_value is not None and number > field.max_value
                ):
                    return None
                out[name] = number
            elif kind == "choice" and type(value) is str and value != "":
                if value not in field.choice_strings_to_values:
                    return None
                out[name] = field.choice_strings_to_values[value]
            else:
                return None
        return out


_MISSING = object()
_CHAR_VALIDATORS = (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)
_fast_plans: dict[type, list[tuple[str, str, Any]] | None] = {}


def _fast_plan(cls: type[serializers.Serializer[Any]]) -> list[tuple[str, str, Any]] | None:
    """(name, kind, declared field) for ``validated_or_none``, once per class;
    None when a field or hook needs the serializer itself."""
    if cls in _fast_plans:
        return _fast_plans[cls]
    plan: list[tuple[str, str, Any]] | None = []
    if cls.validate is not serializers.Serializer.validate:
        plan = None
    for name, field in cls._declared_fields.items():  # type: ignore[attr-defined]
        if plan is None:
            break
        if (
            field.read_only
            or field.source not in (None, name)
            or field.allow_null
            or hasattr(cls, f"validate_{name}")
        ):
            plan = None
        elif type(field) is serializers.CharField and all(
            isinstance(v, _CHAR_VALIDATORS) for v in field.validators
        ):
            plan.append((name, "char", field))
        elif type(field) is serializers.FloatField and all(
            isinstance(v, (MaxValueValidator, MinValueValidator)) for v in field.validators
        ):
            plan.append((name, "float", field))
        elif type(field) is serializers.ChoiceField and not field.validators:
            plan.append((name, "choice", field))
        else:
            plan.append((name, "other", field))
    _fast_plans[cls] = plan
    return plan


def _encodable(text: str) -> bool:
    """No lone surrogates (ProhibitSurrogateCharactersValidator)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class DuplicateSerializer(serializers.Serializer[Any]):
    """A possible duplicate of the report (``selectors.Candidate``)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    risk_colour = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)
    reported_at = serializers.DateTimeField()
    distance_m = serializers.FloatField(help_text=_("Metres from the reported point"))


class HazardCreatedSerializer(serializers.Serializer[Any]):
    """The answer to a report, built from the objects the action returned —
    no second read of the file."""

    id = serializers.IntegerField(source="hazard.pk")
    uuid = serializers.UUIDField(source="hazard.uuid")
    url = serializers.SerializerMethodField()
    code = serializers.CharField(source="hazard.code")
    machine_code = serializers.CharField(source="hazard.machine_code")
    title = serializers.CharField(source="hazard.title")
    status = serializers.CharField(source="hazard.status")
    risk_colour = serializers.CharField(source="hazard.risk_colour")
    grade = serializers.CharField(source="hazard.grade")
    category_code = serializers.CharField(source="hazard.category.code")
    grid_code = serializers.SerializerMethodField()
    reported_at = serializers.DateTimeField(source="hazard.reported_at")
    verify_deadline = serializers.DateTimeField(source="hazard.verify_deadline", allow_null=True)
    created = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    duplicates = DuplicateSerializer(many=True)
    attachments = AttachmentSerializer(many=True)

    def get_url(self, result: Any) -> str:
        return f"/api/v1/hazards/{result.hazard.pk}/"

    def get_grid_code(self, result: Any) -> str | None:
        # /district/street/community/grid/…: the grid is the fourth code of the path
        codes = [c for c in result.hazard.area_path.split("/") if c]
        return codes[3] if len(codes) > 3 else None

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """The fields declared above (they document the answer), written out by
        hand: this answer is built on every report, and binding DRF's fields
        (a deep copy per serializer and per duplicate) cost more than the rest.
        Each value is converted as its declared field would convert it."""
        hazard = instance.hazard
        return {
            "id": int(hazard.pk),
            "uuid": str(hazard.uuid),
            "url": self.get_url(instance),
            "code": _text(hazard.code),
            "machine_code": _text(hazard.machine_code),
            "title": _text(hazard.title),
            "status": _text(hazard.status),
            "risk_colour": _text(hazard.risk_colour),
            "grade": _text(hazard.grade),
            "category_code": _text(hazard.category.code),
            "grid_code": self.get_grid_code(instance),
            "reported_at": _MOMENT.to_representation(hazard.reported_at),
            "verify_deadline": _MOMENT.to_representation(hazard.verify_deadline),
            "created": bool(instance.created),
            "missing": [str(m) for m in instance.missing],
            "duplicates": [_duplicate(h) for h in instance.duplicates],
            "attachments": (
                AttachmentSerializer(instance.attachments, many=True, context=self.context).data
                if instance.attachments
                else []
            ),
        }


# Stateless: converts a moment as every DateTimeField of the API does.
_MOMENT = serializers.DateTimeField()


def _text(value: Any) -> str | None:
    """As a CharField or ChoiceField answers (a field whose value is None is None)."""
    return None if value is None else str(value)


def _duplicate(candidate: Candidate) -> dict[str, Any]:
    """DuplicateSerializer's answer for one candidate, written out (see above)."""
    return {
        "id": int(candidate.id),
        "code": _text(candidate.code),
        "title": _text(candidate.title),
        "status": _text(candidate.status),
        "risk_colour": _text(candidate.risk_colour),
        "lat": None if candidate.lat is None else float(candidate.lat),
        "lng": None if candidate.lng is None else float(candidate.lng),
        "reported_at": _MOMENT.to_representation(candidate.reported_at),
        "distance_m": float(candidate.distance_m),
    }


class TransitionSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    # Parsed by the action: a bare date means 18:00 that day.
    deadline = serializers.CharField(max_length=40, required=False)
    organisation = serializers.IntegerField(required=False)
    into = serializers.CharField(max_length=80, required=False)
    expert_opinion = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    phase = serializers.ChoiceField(choices=Phase.choices, required=False)  # type: ignore[assignment]
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=9, allow_empty=True
    )


class StatusCountSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=Status.choices)
    count = serializers.IntegerField()
