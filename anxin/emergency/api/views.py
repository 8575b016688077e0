"""REST API of emergency readiness (``/api/v1/``). Every queryset starts from
``restrict()`` (``RestrictedViewSetMixin``); every write calls the same actions
as the pages; every status code an endpoint answers is in its schema."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from anxin.areas.models import Area
from anxin.core.api.views import RestrictedViewSetMixin
from anxin.emergency import selectors
from anxin.emergency.actions import plans, readiness, responses, reviews, supplies, weather
from anxin.emergency.api import serializers as s
from anxin.emergency.choices import ActivityKind, HazardClass, MovementKind, Stage
from anxin.emergency.models import (
    Drill,
    EmergencyPlan,
    EmergencyResponse,
    EmergencyTeam,
    PlanVersion,
    ResponseReview,
    ResponseTask,
    SafetyActivity,
    StockMovement,
    SupplyItem,
    TrainingRecord,
    WeatherAlert,
)

DENIED = OpenApiResponse(s.DetailSerializer, description="not logged in, or the role may not")
MISSING = OpenApiResponse(s.DetailSerializer, description="not found, or out of scope")
INVALID = OpenApiResponse(
    s.ValidationErrorSerializer, description="invalid fields; nothing changed"
)
CONFLICT = OpenApiResponse(s.ConflictSerializer, description="conflicts with the current state")

READ = {403: DENIED}
READ_ONE = {403: DENIED, 404: MISSING}


def reads(serializer: type[BaseSerializer[Any]]) -> Any:
    """List and detail of a viewset, with the refusals they answer."""
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), **READ}),
        retrieve=extend_schema(responses={200: serializer, **READ_ONE}),
    )


def writes(
    ok: Any, code: int = 200, *, detail: bool = True, conflict: bool = True
) -> dict[int, Any]:
    """The responses of a write: ``ok`` on ``code``, invalid input, refusal,
    missing (detail routes) and conflicts."""
    answers: dict[int, Any] = {code: ok, 400: INVALID, 403: DENIED}
    if detail:
        answers[404] = MISSING
    if conflict:
        answers[409] = CONFLICT
    return answers


def _user(request: Request) -> Any:
    return request.user


def _valid(serializer_class: type[BaseSerializer[Any]], request: Request) -> dict[str, Any]:
    """The request's validated data; errors of nested rows are told on their top
    field ("steps": ["2 · title: …"]), so every error answer has one shape."""
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        errors: dict[str, Any] = dict(serializer.errors)  # type: ignore[arg-type]
        raise ValidationError({k: _messages(v) for k, v in errors.items()})
    return dict(serializer.validated_data)


def _messages(detail: Any, where: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [
            m
            for key, value in detail.items()
            for m in _messages(value, f"{where}{int(key) + 1 if str(key).isdigit() else key} · ")
        ]
    if isinstance(detail, list):
        out: list[str] = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out += _messages(value, f"{where}{index + 1} · ")
            else:
                out.append(f"{where}{value}")
        return out
    return [f"{where}{detail}"]


class AreaFilterMixin(django_filters.FilterSet):
    area = django_filters.CharFilter(method="filter_area", label="code of an area (and below)")
    area_lookup = "area"

    def filter_area(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        path = Area.objects.filter(code=value).values_list("path", flat=True).first()
        if not path:
            return queryset.none()
        return queryset.filter(**{f"{self.area_lookup}__path__startswith": path})


# --- supplies ----------------------------------------------------------------------------------
class SupplyFilter(AreaFilterMixin):
    area_lookup = "store__area"
    store = django_filters.NumberFilter()
    kind = django_filters.CharFilter()
    low = django_filters.BooleanFilter(method="filter_low", label="below the minimum stock")

    class Meta:
        model = SupplyItem
        fields = ["store", "kind", "area", "low"]

    def filter_low(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        from django.db.models import F

        return queryset.filter(quantity__lt=F("minimum_stock")) if value else queryset


@reads(s.SupplyItemSerializer)
class SupplyViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Emergency supplies in stores; stock moves only through the actions below
    and never goes negative (two issues of the last items: one is refused)."""

    scoped_queryset = SupplyItem.objects.select_related("store", "store__area").filter(
        removed_at__isnull=True
    )
    serializer_class = s.SupplyItemSerializer
    filterset_class = SupplyFilter

    def scope_action(self) -> str:
        return "view"  # writes check scope and role in the actions

    def get_queryset(self) -> QuerySet[SupplyItem]:
        return super().get_queryset().order_by("store__name", "kind", "name", "pk")

    def _one(self, item: SupplyItem, code: int = status.HTTP_200_OK) -> Response:
        fresh = SupplyItem.objects.select_related("store", "store__area").get(pk=item.pk)
        return Response(s.SupplyItemSerializer(fresh).data, status=code)

    @extend_schema(
        request=s.SupplyCreateSerializer,
        responses=writes(s.SupplyItemSerializer, 201, detail=False, conflict=False),
    )
    def create(self, request: Request) -> Response:
        data = _valid(s.SupplyCreateSerializer, request)
        return self._one(supplies.add_supply(_user(request), data), status.HTTP_201_CREATED)

    @extend_schema(request=s.SupplyUpdateSerializer, responses=writes(s.SupplyItemSerializer))
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = _valid(s.SupplyUpdateSerializer, request)
        return self._one(supplies.update_supply(_user(request), item.pk, data))

    @extend_schema(request=s.QuantitySerializer, responses=writes(s.SupplyItemSerializer))
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = _valid(s.QuantitySerializer, request)
        supplies.receive(_user(request), item.pk, data["quantity"], data.get("note", ""))
        return self._one(item)

    @extend_schema(request=s.IssueSerializer, responses=writes(s.SupplyItemSerializer))
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = _valid(s.IssueSerializer, request)
        supplies.issue(
            _user(request), item.pk, data["quantity"], data["response"], data.get("note", "")
        )
        return self._one(item)

    @extend_schema(request=s.IssueSerializer, responses=writes(s.SupplyItemSerializer))
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_store(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = _valid(s.IssueSerializer, request)
        supplies.return_to_store(
            _user(request), item.pk, data["quantity"], data["response"], data.get("note", "")
        )
        return self._one(item)

    @extend_schema(request=s.QuantitySerializer, responses=writes(s.SupplyItemSerializer))
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = _valid(s.QuantitySerializer, request)
        supplies.write_off(_user(request), item.pk, data["quantity"], data.get("note", ""))
        return self._one(item)

    @extend_schema(request=s.CountSerializer, responses=writes(s.SupplyItemSerializer))
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = _valid(s.CountSerializer, request)
        supplies.check_stock(_user(request), item.pk, data["counted"], data.get("note", ""))
        return self._one(item)

    @extend_schema(request=None, responses={204: None, 403: DENIED, 404: MISSING, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        supplies.remove_supply(_user(request), item.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.StoreCreateSerializer,
        responses=writes(s.StoreSerializer, 201, detail=False, conflict=False),
    )
    @action(detail=False, methods=["post"])
    def stores(self, request: Request) -> Response:
        data = _valid(s.StoreCreateSerializer, request)
        store = supplies.create_store(_user(request), data)
        return Response(s.StoreSerializer(store).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, description="code of an area: the board under it")
        ],
        responses={200: s.ResourcesBoardSerializer, 403: DENIED},
    )
    @action(detail=False, methods=["get"])
    def board(self, request: Request) -> Response:
        """The resources board (supplies by store, totals, teams) the cockpit shows."""
        under = None
        code = request.query_params.get("area")
        if code:
            under = Area.objects.restrict(request.user, "view").filter(code=code).first()
            if under is None:
                under = Area(path="/-/")  # an area the user cannot see: an empty board
        board = selectors.resources_board(_user(request), under)
        return Response(s.ResourcesBoardSerializer(board).data)


class MovementFilter(django_filters.FilterSet):
    item = django_filters.NumberFilter()
    response = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)

    class Meta:
        model = StockMovement
        fields = ["item", "response", "kind"]


@reads(s.StockMovementSerializer)
class StockMovementViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Stock movements: received, issued to a response, returned, written off."""

    scoped_queryset = StockMovement.objects.select_related("item", "actor")
    serializer_class = s.StockMovementSerializer
    filterset_class = MovementFilter


# --- teams -------------------------------------------------------------------------------------
@reads(s.TeamSerializer)
class TeamViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Teams a plan pre-positions."""

    scoped_queryset = EmergencyTeam.objects.select_related("area")
    serializer_class = s.TeamSerializer
    filterset_fields = ["kind", "is_active"]

    def scope_action(self) -> str:
        return "view"

    @extend_schema(
        request=s.TeamSerializer,
        responses=writes(s.TeamSerializer, 201, detail=False, conflict=False),
    )
    def create(self, request: Request) -> Response:
        data = _valid(s.TeamSerializer, request)
        data["area"] = data.pop("area", {}).get("code", "")
        team = plans.save_team(_user(request), data)
        return Response(s.TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.TeamUpdateSerializer, responses=writes(s.TeamSerializer, conflict=False)
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        team = self.get_object()
        data = _valid(s.TeamUpdateSerializer, request)
        saved = plans.save_team(_user(request), data, team.pk)
        return Response(s.TeamSerializer(saved).data)


# --- plans -------------------------------------------------------------------------------------
class PlanFilter(AreaFilterMixin):
    hazard_class = django_filters.ChoiceFilter(choices=HazardClass.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = EmergencyPlan
        fields = ["hazard_class", "level", "is_active", "area"]


@reads(s.PlanSerializer)
class PlanViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Emergency plans (预案) per hazard class and warning level; every revision
    is a new version and the old ones are kept."""

    scoped_queryset = EmergencyPlan.objects.select_related("area", "current_version")
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilter

    def scope_action(self) -> str:
        return "view"

    def get_queryset(self) -> QuerySet[EmergencyPlan]:
        return (
            super()
            .get_queryset()
            .prefetch_related(
                "current_version__steps",
                "current_version__supplies__item",
                "current_version__teams",
                "current_version__notify_users",
            )
            .order_by("area__path", "hazard_class", "level", "pk")
        )

    def _one(self, plan_id: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.PlanSerializer(self.get_queryset().get(pk=plan_id)).data, status=code)

    @extend_schema(
        request=s.PlanCreateSerializer,
        responses=writes(s.PlanSerializer, 201, detail=False, conflict=False),
    )
    def create(self, request: Request) -> Response:
        data = _valid(s.PlanCreateSerializer, request)
        plan = plans.create_plan(_user(request), _plain(data))
        return self._one(plan.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.PlanReviseSerializer, responses=writes(s.PlanSerializer, 201))
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        data = _valid(s.PlanReviseSerializer, request)
        plans.revise_plan(_user(request), plan.pk, _plain(data))
        return self._one(plan.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=writes(s.PlanSerializer))
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        plans.retire_plan(_user(request), plan.pk)
        return self._one(plan.pk)

    @extend_schema(responses={200: s.PlanVersionSerializer(many=True), **READ_ONE})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        rows = (
            PlanVersion.objects.filter(plan=plan)
            .prefetch_related("steps", "supplies__item", "teams", "notify_users")
            .select_related("created_by")
            .order_by("-number")
        )
        return Response(s.PlanVersionSerializer(rows, many=True).data)

    @extend_schema(request=s.StartPlanSerializer, responses=writes(s.ResponseSerializer, 201))
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start the plan by hand (no warning proposed it)."""
        plan = self.get_object()
        data = _valid(s.StartPlanSerializer, request)
        row = responses.start_plan(
            _user(request), plan.pk, data.get("area") or None, data["level"], data.get("note", "")
        )
        return Response(
            s.ResponseSerializer(_response(row.pk)).data, status=status.HTTP_201_CREATED
        )


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Validated nested data as plain dicts and lists for the actions."""
    out = dict(data)
    for key in ("steps", "supplies"):
        if key in out:
            out[key] = [dict(row) for row in out[key]]
    return out


def _response(pk: int) -> EmergencyResponse:
    return EmergencyResponse.objects.select_related(
        "area", "plan", "plan_version", "started_by"
    ).get(pk=pk)


# --- responses ---------------------------------------------------------------------------------
class ResponseFilter(AreaFilterMixin):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)

    class Meta:
        model = EmergencyResponse
        fields = ["stage", "level", "plan", "warning", "area"]


@reads(s.ResponseSerializer)
class ResponseViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Responses (三级响应): proposed by warnings or started by hand, moved through
    启动 → 处置 → 恢复 → 结束; ending opens the review."""

    scoped_queryset = EmergencyResponse.objects.select_related(
        "area", "plan", "plan_version", "started_by"
    )
    serializer_class = s.ResponseSerializer
    filterset_class = ResponseFilter

    def scope_action(self) -> str:
        return "view"

    def _one(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.ResponseSerializer(_response(pk)).data, status=code)

    @extend_schema(responses={200: s.ResponseEventSerializer(many=True), **READ_ONE})
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        return Response(s.ResponseEventSerializer(selectors.timeline(row), many=True).data)

    @extend_schema(request=s.StartSerializer, responses=writes(s.ResponseSerializer))
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start a proposed response at level III, II or I (a second start is 409)."""
        row = self.get_object()
        data = _valid(s.StartSerializer, request)
        responses.start_response(_user(request), row.pk, data["level"])
        return self._one(row.pk)

    @extend_schema(request=s.StageSerializer, responses=writes(s.ResponseSerializer))
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        data = _valid(s.StageSerializer, request)
        responses.change_stage(_user(request), row.pk, data["transition"], data.get("note", ""))
        return self._one(row.pk)

    @extend_schema(
        request=s.ResponseNoteSerializer, responses=writes(s.ResponseSerializer, conflict=False)
    )
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        data = _valid(s.ResponseNoteSerializer, request)
        responses.add_note(_user(request), row.pk, data["note"])
        return self._one(row.pk)

    @extend_schema(request=s.TaskCreateSerializer, responses=writes(s.TaskSerializer, 201))
    @action(detail=True, methods=["post"])
    def tasks(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        data = _valid(s.TaskCreateSerializer, request)
        task = responses.add_task(_user(request), row.pk, data)
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ResponseIssueSerializer, responses=writes(s.SupplyItemSerializer))
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        """Issue supplies from a store to this response; more than in store is 400."""
        row = self.get_object()
        data = _valid(s.ResponseIssueSerializer, request)
        movement = supplies.issue(
            _user(request), data["item"], data["quantity"], row.pk, data.get("note", "")
        )
        item = SupplyItem.objects.select_related("store", "store__area").get(pk=movement.item_id)
        return Response(s.SupplyItemSerializer(item).data)


@reads(s.TaskSerializer)
class TaskViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Tasks of responses; ``mine`` lists the open ones this user may check off."""

    scoped_queryset = ResponseTask.objects.select_related("response", "assignee", "done_by")
    serializer_class = s.TaskSerializer
    filterset_fields = ["response", "stage"]

    def scope_action(self) -> str:
        return "view"

    @extend_schema(responses={200: s.TaskSerializer(many=True), **READ})
    @action(detail=False, methods=["get"], pagination_class=None)
    def mine(self, request: Request) -> Response:
        return Response(s.TaskSerializer(selectors.open_tasks_for(_user(request)), many=True).data)

    @extend_schema(request=s.TaskDoneSerializer, responses=writes(s.TaskSerializer))
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = _valid(s.TaskDoneSerializer, request)
        responses.check_off(_user(request), task.pk, data.get("note", ""))
        fresh = ResponseTask.objects.select_related("response", "assignee", "done_by").get(
            pk=task.pk
        )
        return Response(s.TaskSerializer(fresh).data)


@reads(s.ReviewSerializer)
class ReviewViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """After-action reviews (复盘), due within 24 hours of a response's end."""

    scoped_queryset = ResponseReview.objects.select_related("response", "submitted_by")
    serializer_class = s.ReviewSerializer
    filterset_fields = ["status", "response"]

    def scope_action(self) -> str:
        return "view"

    @extend_schema(request=s.ReviewSubmitSerializer, responses=writes(s.ReviewSerializer))
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        data = _valid(s.ReviewSubmitSerializer, request)
        reviews.submit_review(_user(request), review.pk, data)
        fresh = ResponseReview.objects.select_related("response", "submitted_by").get(pk=review.pk)
        return Response(s.ReviewSerializer(fresh).data)


# --- drills, training, the safety month --------------------------------------------------------
@reads(s.DrillSerializer)
class DrillViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Drills (演练): planned each quarter, recorded when held."""

    scoped_queryset = Drill.objects.select_related("area").prefetch_related("participants")
    serializer_class = s.DrillSerializer
    filterset_fields = ["status", "plan"]

    def scope_action(self) -> str:
        return "view"

    def _one(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.DrillSerializer(self.scoped_queryset.get(pk=pk)).data, status=code)

    @extend_schema(
        request=s.DrillCreateSerializer,
        responses=writes(s.DrillSerializer, 201, detail=False, conflict=False),
    )
    def create(self, request: Request) -> Response:
        data = _valid(s.DrillCreateSerializer, request)
        drill = readiness.plan_drill(_user(request), data)
        return self._one(drill.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.DrillHeldSerializer, responses=writes(s.DrillSerializer))
    @action(detail=True, methods=["post"])
    def held(self, request: Request, pk: str | None = None) -> Response:
        drill = self.get_object()
        data = _valid(s.DrillHeldSerializer, request)
        readiness.record_drill(_user(request), drill.pk, data)
        return self._one(drill.pk)

    @extend_schema(
        request=None, responses={200: s.DrillSerializer, 403: DENIED, 404: MISSING, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        drill = self.get_object()
        readiness.cancel_drill(_user(request), drill.pk)
        return self._one(drill.pk)


@reads(s.TrainingSerializer)
class TrainingViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Training records for staff and volunteers."""

    scoped_queryset = TrainingRecord.objects.select_related("area").prefetch_related("attendees")
    serializer_class = s.TrainingSerializer

    def scope_action(self) -> str:
        return "view"

    @extend_schema(
        request=s.TrainingCreateSerializer,
        responses=writes(s.TrainingSerializer, 201, detail=False, conflict=False),
    )
    def create(self, request: Request) -> Response:
        data = _valid(s.TrainingCreateSerializer, request)
        row = readiness.record_training(_user(request), data)
        return Response(
            s.TrainingSerializer(self.scoped_queryset.get(pk=row.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ActivityFilter(AreaFilterMixin):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    starts_after = django_filters.DateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.DateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = SafetyActivity
        fields = ["kind", "area", "starts_after", "starts_before"]


@reads(s.ActivitySerializer)
class ActivityViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The safety-month (安全月) activities calendar."""

    scoped_queryset = SafetyActivity.objects.select_related("area")
    serializer_class = s.ActivitySerializer
    filterset_class = ActivityFilter

    def scope_action(self) -> str:
        return "view"

    @extend_schema(
        request=s.ActivityCreateSerializer,
        responses=writes(s.ActivitySerializer, 201, detail=False, conflict=False),
    )
    def create(self, request: Request) -> Response:
        data = _valid(s.ActivityCreateSerializer, request)
        row = readiness.add_activity(_user(request), data)
        return Response(
            s.ActivitySerializer(self.scoped_queryset.get(pk=row.pk)).data,
            status=status.HTTP_201_CREATED,
        )


# --- weather -----------------------------------------------------------------------------------
@reads(s.WeatherAlertSerializer)
class WeatherAlertViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Meteorological warnings imported in CAP 1.2, and what became of them."""

    scoped_queryset = WeatherAlert.objects.select_related("area")
    serializer_class = s.WeatherAlertSerializer
    filterset_fields = ["hazard", "outcome"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scope_action(self) -> str:
        return "view"

    @extend_schema(
        request={
            "application/json": s.CapTextSerializer,
            "multipart/form-data": s.CapFileSerializer,
        },
        responses={
            200: s.CapImportResultSerializer,
            **writes(s.CapImportResultSerializer, 201, detail=False, conflict=False),
        },
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_cap(self, request: Request) -> Response:
        """Import a CAP 1.2 alert (a JSON ``xml`` string or a multipart ``file``).
        A document that does not validate is 400 and nothing is recorded; the same
        alert imported again answers 200 and changes nothing."""
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            body = upload.read(2_000_000)
            source = f"api:{upload.name}"
        else:
            body = _valid(s.CapTextSerializer, request)["xml"].encode("utf-8")
            source = "api"
        result = weather.import_cap(body, user=_user(request), source=source)
        data = s.CapImportResultSerializer(
            {"created": result.created, "alerts": result.alerts}
        ).data
        return Response(
            data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )
