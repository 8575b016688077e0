from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from anxin.accounts.api.personal import PersonalDataAuditMixin
from anxin.accounts.selectors import is_staff_viewer
from anxin.areas.models import Area
from anxin.core.api.pagination import StableCursorPagination
from anxin.core.api.views import RestrictedViewSetMixin
from anxin.hazards import actions
from anxin.hazards.api.serializers import (
    AttachmentSerializer,
    EventSerializer,
    HazardCreatedSerializer,
    HazardCreateSerializer,
    HazardDetailSerializer,
    HazardListSerializer,
    TransitionSerializer,
)
from anxin.hazards.choices import Phase, RiskColour, SourceChannel, Status
from anxin.hazards.models import Attachment, Hazard
from anxin.hazards.selectors import timeline, visible_duplicates
from anxin.hazards.workflow import TRANSITIONS

TRANSITION_PATTERN = "|".join(TRANSITIONS)


class HazardFilter(django_filters.FilterSet):
    # distinct=False: a choice filter on the row's own column cannot repeat a row,
    # and django-filter's default DISTINCT made PostgreSQL sort every matching
    # file before taking a page (a list by status: 50-80 ms instead of 1 ms).
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    colour = django_filters.MultipleChoiceFilter(
        field_name="risk_colour", choices=RiskColour.choices, distinct=False
    )
    source = django_filters.MultipleChoiceFilter(choices=SourceChannel.choices, distinct=False)
    category = django_filters.CharFilter(
        method="filter_category", label="category code (2 or 4 digits)"
    )
    area = django_filters.CharFilter(method="filter_area", label="code of an area")
    overdue = django_filters.BooleanFilter(field_name="is_overdue")
    listed = django_filters.BooleanFilter(field_name="is_listed")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    q = django_filters.CharFilter(
        method="filter_text", label="text in code, title, address, description"
    )

    class Meta:
        model = Hazard
        fields = ["status", "colour", "source", "category", "area", "overdue", "listed"]

    def filter_category(
        self, queryset: QuerySet[Hazard], name: str, value: str
    ) -> QuerySet[Hazard]:
        if len(value) == 2:
            return queryset.filter(category__parent__code=value)
        return queryset.filter(category__code=value)

    def filter_area(self, queryset: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        path = Area.objects.filter(code=value).values_list("path", flat=True).first()
        return queryset.filter(area_path__startswith=path) if path else queryset.none()

    def filter_text(self, queryset: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        value = value.strip()
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(address__icontains=value)
            | Q(description__icontains=value)
        )


class HazardViewSet(
    PersonalDataAuditMixin,
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Hazard files: list, detail, report, timeline, and each step of the loop."""

    scoped_queryset = Hazard.objects.all()
    filterset_class = HazardFilter
    pagination_class = StableCursorPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    export_actions = ("export",)

    def get_queryset(self) -> QuerySet[Hazard]:
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset.select_related(
                "category", "grid", "community", "responsible_organisation"
            )
        return queryset.select_related(
            "category",
            "grid",
            "community",
            "street",
            "building",
            "nearest_place",
            "responsible_organisation",
            "reporter",
            "grid_worker",
        ).prefetch_related("attachments", "whistle_calls__department", "extensions")

    def scope_action(self) -> str:
        # Transitions check their own scope (change) inside the action; reading
        # the file to answer is a view.
        if self.action == "create":
            return "view"
        return super().scope_action()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return HazardListSerializer
        if self.action == "create":
            return HazardCreateSerializer
        if self.action in ("transition", "flag"):
            return TransitionSerializer
        return HazardDetailSerializer

    def _detail(
        self, hazard_id: int, request: Request, code: int = status.HTTP_200_OK, **extra: Any
    ) -> Response:
        hazard = self.get_queryset().filter(pk=hazard_id).first()
        if hazard is None:  # e.g. a resident's report merged away: no longer visible
            return Response({"id": hazard_id, **extra}, status=code)
        data = HazardDetailSerializer(hazard, context=self.get_serializer_context()).data
        return Response({**data, **extra}, status=code)

    @extend_schema(
        request={
            "multipart/form-data": HazardCreateSerializer,
            "application/json": HazardCreateSerializer,
        },
        responses={201: HazardCreatedSerializer, 200: HazardCreatedSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, location="header", required=False)],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Report a hazard. Answers with what the reporter needs at once (codes,
        missing elements, duplicate candidates, evidence); the whole file is at
        ``url``. A repeated Idempotency-Key answers 200 with the first file."""
        data = HazardCreateSerializer.validated_or_none(request.data)
        if data is None:  # not a plain, obviously valid JSON report: the serializer decides
            serializer = HazardCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        files = data.pop("attachments", [])
        key = request.headers.get("Idempotency-Key") or data.pop("idempotency_key", None)
        reporter: Any = request.user
        result = actions.report_hazard(
            reporter=reporter,
            uploads=[(f, Phase.FOUND) for f in files],
            idempotency_key=key,
            **data,
        )
        body = HazardCreatedSerializer(result, context={"request": request}).data
        return Response(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        events = timeline(hazard, include_internal=is_staff_viewer(request.user))
        context = self.get_serializer_context()
        return Response(EventSerializer(events, many=True, context=context).data)

    @extend_schema(responses=HazardListSerializer(many=True))
    @action(detail=True, methods=["get"])
    def duplicates(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        visible = visible_duplicates(hazard, request.user)
        return Response(HazardListSerializer(visible, many=True, context={"request": request}).data)

    @extend_schema(
        request={
            "multipart/form-data": TransitionSerializer,
            "application/json": TransitionSerializer,
        },
        responses={200: HazardDetailSerializer},
        summary="Fire a step of the closed loop: " + ", ".join(TRANSITIONS),
        operation_id="v1_hazards_transition",
    )
    @action(detail=True, methods=["post"], url_path=f"(?P<name>{TRANSITION_PATTERN})")
    def transition(self, request: Request, pk: str | None = None, name: str = "") -> Response:
        data, uploads = self._input(request, default_phase=_default_phase(name))
        reason = data.pop("reason", "")
        user: Any = request.user
        hazard = actions.transition(
            _pk(pk),
            user,
            name,
            reason=reason,
            uploads=uploads,
            data=data,
        )
        return self._detail(hazard.pk, request)

    @extend_schema(
        request={
            "multipart/form-data": TransitionSerializer,
            "application/json": TransitionSerializer,
        },
        responses={200: HazardDetailSerializer},
        operation_id="v1_hazards_flag",
        summary="Supervision flags and evidence: publicise, list, delist, whistle, "
        "whistle_report, extension, extension_decision, interim_control, plan, evidence, follow",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="(?P<flag>publicise|list|delist|whistle|whistle_report|extension|extension_decision|interim_control|plan|evidence|follow)",
    )
    def flag(self, request: Request, pk: str | None = None, flag: str = "") -> Response:
        hazard_id = _pk(pk)
        user: Any = request.user
        raw: Any = request.data
        data, uploads = self._input(request, default_phase=Phase.VERIFY)
        if flag == "publicise":
            actions.publicise(hazard_id, user)
        elif flag == "list":
            actions.list_hazard(hazard_id, user, level=str(raw.get("level") or "street"))
        elif flag == "delist":
            actions.delist_hazard(hazard_id, user, reason=data.get("reason", ""))
        elif flag == "whistle":
            departments = (
                raw.getlist("departments")
                if hasattr(raw, "getlist")
                else raw.get("departments", [])
            )
            actions.whistle_call(
                hazard_id, user, _int_list(departments), reason=data.get("reason", "")
            )
        elif flag == "whistle_report":
            actions.whistle_report(
                hazard_id, user, arrived=True, answer=str(raw.get("answer") or "")
            )
        elif flag == "extension":
            actions.request_extension(
                hazard_id, user, deadline=raw.get("deadline"), reason=data.get("reason", "")
            )
        elif flag == "extension_decision":
            _visible_or_404(user, hazard_id)
            actions.decide_extension(
                _int(raw.get("extension"), "extension"),
                user,
                approve=str(raw.get("approve")).lower() in ("1", "true", "yes"),
                reason=data.get("reason", ""),
            )
        elif flag == "interim_control":
            actions.record_interim_control(
                hazard_id, user, measures=str(raw.get("measures") or ""), uploads=uploads
            )
        elif flag == "plan":
            plan = (
                raw.get("plan")
                if isinstance(raw.get("plan"), dict)
                else {k: raw.get(k) for k in raw}
            )
            actions.set_six_item_plan(hazard_id, user, plan)
        elif flag == "evidence":
            actions.add_evidence(hazard_id, user, uploads, note=data.get("reason", ""))
        elif flag == "follow":
            actions.follow(hazard_id, user)
        return self._detail(hazard_id, request)

    def _input(
        self, request: Request, default_phase: str
    ) -> tuple[dict[str, Any], list[tuple[Any, str]]]:
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        files = data.pop("attachments", [])
        phase = data.pop("phase", default_phase)
        return data, [(f, phase) for f in files]


def _default_phase(name: str) -> str:
    return {
        "rectify": Phase.RECTIFY_AFTER,
        "fix_on_spot": Phase.RECTIFY_AFTER,
        "pass_recheck": Phase.RECHECK,
        "fail_recheck": Phase.RECHECK,
        "accept": Phase.RECTIFY_BEFORE,
    }.get(name, Phase.VERIFY)


def _pk(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise Http404 from exc


def _int(value: Any, field: str) -> int:
    from anxin.hazards.errors import HazardValidationError

    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise HazardValidationError({field: ["A number is required."]}) from exc


def _int_list(values: Any) -> list[int]:
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    return [_int(v, "departments") for v in values or []]


def _visible_or_404(user: Any, hazard_id: int) -> None:
    if not Hazard.objects.restrict(user, "view").filter(pk=hazard_id).exists():
        raise Http404


class AttachmentViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Evidence files of the hazards in scope. ``public`` serves the copy without
    EXIF; ``original`` (with EXIF) needs change scope on the hazard."""

    scoped_queryset = Attachment.objects.select_related("hazard")
    serializer_class = AttachmentSerializer

    @extend_schema(responses={(200, "image/*"): bytes}, auth=[])
    @action(detail=True, methods=["get"], permission_classes=[AllowAny])
    def public(self, request: Request, pk: str | None = None) -> FileResponse:
        """The shareable copy: photos re-encoded without EXIF (and, for someone who
        sees the file only because it is publicised, with faces and number plates
        blurred where the locality requires it). Videos and voice notes have no
        public copy (their metadata is not cleaned) and answer 404."""
        attachment = self.get_object()
        if not attachment.public_file:
            raise Http404
        seen_as_public = (
            not Attachment.objects.restrict(request.user, "view", include_public=False)
            .filter(pk=attachment.pk)
            .exists()
        )
        if seen_as_public:
            # Seen only because the file is publicised: as the public board shows it.
            from anxin.residents.actions import published_copy

            published = published_copy(attachment)
            if published is None:
                raise Http404
            return FileResponse(published.open("rb"))
        return FileResponse(attachment.public_file.open("rb"))

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def original(self, request: Request, pk: str | None = None) -> FileResponse:
        attachment = Attachment.objects.restrict(request.user, "change").filter(pk=_pk(pk)).first()
        if attachment is None:
            raise Http404
        return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
