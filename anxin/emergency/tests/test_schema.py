"""Every emergency endpoint answers only what its OpenAPI schema says: each
status code is documented and each body validates against the documented
schema (successes and refusals alike)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from anxin.emergency.models import EmergencyResponse, ResponseReview, ResponseTask
from anxin.emergency.samples import weather_cap
from anxin.emergency.testing import ENDPOINTS

pytestmark = pytest.mark.django_db

PREFIXES = tuple(f"/api/v1/{prefix}/" for prefix in ENDPOINTS)


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable`` as JSON Schema."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "$ref" in out or "allOf" in out or "oneOf" in out:
            out = {"oneOf": [out, {"type": "null"}]}
    return out


class Checker:
    def __init__(self) -> None:
        self.schema = _nullable(SchemaGenerator().get_schema(request=None, public=True))
        self.operations: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for path, methods in self.schema["paths"].items():
            if not path.startswith(PREFIXES):
                continue
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
            for method, operation in methods.items():
                self.operations.append((pattern, method, operation))
        # literal paths (/supplies/board/) before templated ones (/supplies/{id}/)
        self.operations.sort(key=lambda o: o[0].pattern.count("[^/]+"))
        self.seen: set[tuple[str, str]] = set()

    def check(self, method: str, url: str, answer: Any) -> None:
        path = url.split("?", 1)[0]
        matches = [op for pattern, m, op in self.operations if m == method and pattern.match(path)]
        assert matches, f"{method.upper()} {path} is not in the schema"
        operation = matches[0]
        self.seen.add((method, operation["operationId"]))
        documented = operation["responses"]
        code = str(answer.status_code)
        assert code in documented, (
            f"{method.upper()} {path} answered {code}, documented {list(documented)}"
        )
        content = documented[code].get("content")
        if content is None:
            assert not answer.content, f"{method.upper()} {path} {code} has an undocumented body"
            return
        body_schema = next(iter(content.values()))["schema"]
        resolver_schema = {**body_schema, "components": self.schema["components"]}
        jsonschema.validate(answer.json(), resolver_schema)


@pytest.fixture
def checker() -> Checker:
    return Checker()


def test_every_answer_of_the_emergency_api_is_documented(readiness, api_client, checker, committed):
    people, tree = readiness.people, readiness.tree

    def call(method: str, url: str, user: Any, data: Any = None, expect: int | None = None) -> Any:
        api_client.force_authenticate(user)
        answer = committed(getattr(api_client, method), url, data, format="json")
        checker.check(method, url, answer)
        if expect is not None:
            assert answer.status_code == expect, (method, url, answer.content[:300])
        return answer

    admin, other = people.street_admin, people.street_admin_b
    sandbags = readiness.sandbags.pk
    # supplies
    call("get", "/api/v1/supplies/", admin, expect=200)
    call("get", f"/api/v1/supplies/{sandbags}/", admin, expect=200)
    call("get", f"/api/v1/supplies/{sandbags}/", other, expect=404)
    call("get", "/api/v1/supplies/board/?area=" + tree.street_a.code, admin, expect=200)
    call(
        "post",
        "/api/v1/supplies/",
        admin,
        {
            "store": readiness.store.pk,
            "kind": "torch",
            "name": "手电筒",
            "unit": "支",
            "quantity": 3,
        },
        201,
    )
    call("post", "/api/v1/supplies/", admin, {"store": readiness.store.pk, "kind": "nope"}, 400)
    call(
        "post",
        "/api/v1/supplies/",
        people.safety_officer,
        {"store": readiness.store.pk, "kind": "torch", "name": "灯", "unit": "支"},
        403,
    )
    call("patch", f"/api/v1/supplies/{sandbags}/", admin, {"minimum_stock": 20}, 200)
    call("post", f"/api/v1/supplies/{sandbags}/receive/", admin, {"quantity": 10}, 200)
    call("post", f"/api/v1/supplies/{sandbags}/receive/", admin, {"quantity": 0}, 400)
    call(
        "post",
        f"/api/v1/supplies/{sandbags}/write-off/",
        admin,
        {"quantity": 1, "note": "破损"},
        200,
    )
    call("post", f"/api/v1/supplies/{sandbags}/check/", admin, {"counted": 109}, 200)
    call("post", f"/api/v1/supplies/{readiness.pumps.pk}/remove/", admin, None, 409)
    call(
        "post",
        "/api/v1/supplies/stores/",
        admin,
        {"area": tree.community_a1.code, "name": "二号仓库", "lat": 30.02, "lng": 120.01},
        201,
    )
    call(
        "post",
        "/api/v1/supplies/stores/",
        admin,
        {"area": tree.district.code, "name": "区仓库", "lat": 30.02, "lng": 120.01},
        400,
    )
    call("get", "/api/v1/supply-movements/", admin, expect=200)
    # teams
    team = call(
        "post",
        "/api/v1/emergency-teams/",
        admin,
        {"area": tree.community_a1.code, "name": "志愿者队", "kind": "volunteer", "members": 8},
        201,
    ).json()
    call("patch", f"/api/v1/emergency-teams/{team['id']}/", admin, {"members": 9}, 200)
    call("get", "/api/v1/emergency-teams/", admin, expect=200)
    # plans
    plan = readiness.flood_plan.pk
    call("get", "/api/v1/emergency-plans/", admin, expect=200)
    call("get", f"/api/v1/emergency-plans/{plan}/", admin, expect=200)
    call("get", f"/api/v1/emergency-plans/{plan}/versions/", admin, expect=200)
    call(
        "post",
        f"/api/v1/emergency-plans/{plan}/revise/",
        admin,
        {"summary": "第二版", "steps": [{"title": "巡查"}]},
        201,
    )
    call("post", f"/api/v1/emergency-plans/{plan}/revise/", admin, {"steps": [{"title": ""}]}, 400)
    fire = call(
        "post",
        "/api/v1/emergency-plans/",
        admin,
        {"area": tree.street_a.code, "hazard_class": "fire", "level": "red", "title": "消防预案"},
        201,
    ).json()
    call("post", f"/api/v1/emergency-plans/{fire['id']}/retire/", admin, None, 200)
    call("post", f"/api/v1/emergency-plans/{fire['id']}/retire/", admin, None, 409)
    # a response from a weather alert
    call(
        "post",
        "/api/v1/weather-alerts/import/",
        people.district_admin,
        {
            "xml": weather_cap(
                identifier="s-1", area_code=tree.district.code, area_name="西湖区"
            ).decode()
        },
        201,
    )
    call("post", "/api/v1/weather-alerts/import/", people.district_admin, {"xml": "<x/>"}, 400)
    call("get", "/api/v1/weather-alerts/", admin, expect=200)
    response = EmergencyResponse.objects.get(area=tree.street_a)
    base = f"/api/v1/emergency-responses/{response.pk}"
    call("post", f"{base}/start/", admin, {"level": "I"}, 403)
    call("post", f"{base}/start/", admin, {"level": "II"}, 200)
    call("post", f"{base}/start/", admin, {"level": "II"}, 409)
    call("post", f"{base}/start/", other, {"level": "II"}, 404)
    call("post", f"{base}/issue/", admin, {"item": sandbags, "quantity": 20}, 200)
    call("post", f"{base}/issue/", admin, {"item": sandbags, "quantity": 100000}, 400)
    call(
        "post",
        f"/api/v1/supplies/{sandbags}/issue/",
        admin,
        {"quantity": 1, "response": response.pk},
        200,
    )
    call(
        "post",
        f"/api/v1/supplies/{sandbags}/return/",
        admin,
        {"quantity": 1, "response": response.pk},
        200,
    )
    call("post", f"{base}/tasks/", admin, {"title": "巡查", "role": "grid_worker"}, 201)
    call("post", f"{base}/tasks/", admin, {"title": ""}, 400)
    call("post", f"{base}/note/", admin, {"note": "雨势减弱"}, 200)
    call("post", f"{base}/stage/", admin, {"transition": "recover"}, 409)
    call("post", f"{base}/stage/", admin, {"transition": "handle"}, 200)
    call("get", f"{base}/timeline/", admin, expect=200)
    call("get", "/api/v1/emergency-responses/", admin, expect=200)
    task = ResponseTask.objects.filter(response=response, role="grid_worker").first()
    call("get", "/api/v1/response-tasks/mine/", people.grid_worker, expect=200)
    call("post", f"/api/v1/response-tasks/{task.pk}/done/", people.grid_worker, {}, 200)
    call("post", f"/api/v1/response-tasks/{task.pk}/done/", people.grid_worker, {}, 409)
    call("get", "/api/v1/response-tasks/", admin, expect=200)
    call("post", f"{base}/stage/", admin, {"transition": "end", "note": "结束"}, 200)
    call("post", f"{base}/stage/", admin, {"transition": "end"}, 400)
    review = ResponseReview.objects.get(response=response)
    call("get", "/api/v1/response-reviews/", admin, expect=200)
    call(
        "post",
        f"/api/v1/response-reviews/{review.pk}/submit/",
        people.grid_worker,
        {"summary": "x"},
        403,
    )
    call("post", f"/api/v1/response-reviews/{review.pk}/submit/", admin, {"summary": "复盘"}, 200)
    call("post", f"/api/v1/response-reviews/{review.pk}/submit/", admin, {"summary": "复盘"}, 409)
    call("post", f"/api/v1/emergency-plans/{plan}/start/", admin, {"level": "III"}, 201)
    # drills, training, the safety month
    drill = call(
        "post",
        "/api/v1/drills/",
        admin,
        {
            "area": tree.street_a.code,
            "title": "防汛演练",
            "scheduled_on": "2026-06-25",
            "plan": plan,
        },
        201,
    ).json()
    call(
        "post",
        "/api/v1/drills/",
        admin,
        {"area": tree.street_a.code, "title": "", "scheduled_on": "x"},
        400,
    )
    call(
        "post",
        f"/api/v1/drills/{drill['id']}/held/",
        admin,
        {
            "held_on": "2026-01-05",
            "findings": "集合用时12分钟",
            "participants": [people.grid_worker.pk],
        },
        200,
    )
    call("post", f"/api/v1/drills/{drill['id']}/cancel/", admin, None, 409)
    call("get", "/api/v1/drills/", admin, expect=200)
    call(
        "post",
        "/api/v1/trainings/",
        admin,
        {
            "area": tree.street_a.code,
            "title": "防汛培训",
            "held_on": "2026-06-01",
            "volunteers": 20,
        },
        201,
    )
    call(
        "post",
        "/api/v1/trainings/",
        admin,
        {"area": tree.street_a.code, "title": "x", "held_on": "2026-06-01"},
        400,
    )
    call("get", "/api/v1/trainings/", admin, expect=200)
    call(
        "post",
        "/api/v1/safety-activities/",
        admin,
        {
            "area": tree.street_a.code,
            "title": "安全咨询日",
            "kind": "consultation",
            "starts_at": "2026-06-16T09:00:00+08:00",
        },
        201,
    )
    call(
        "post",
        "/api/v1/safety-activities/",
        people.grid_worker,
        {
            "area": tree.grid_a1a.code,
            "title": "x",
            "kind": "lecture",
            "starts_at": "2026-06-16T09:00:00+08:00",
        },
        403,
    )
    call(
        "get",
        "/api/v1/safety-activities/?starts_after=2026-06-01T00:00:00%2B08:00",
        admin,
        expect=200,
    )
    for prefix in ENDPOINTS:
        rows = call("get", f"/api/v1/{prefix}/", admin, expect=200).json()["results"]
        assert rows, prefix
        call("get", f"/api/v1/{prefix}/{rows[0]['id']}/", admin, expect=200)
        call("get", f"/api/v1/{prefix}/{rows[0]['id']}/", people.outsider, expect=404)
    api_client.force_authenticate(None)
    anonymous = api_client.get("/api/v1/drills/")
    checker.check("get", "/api/v1/drills/", anonymous)
    assert anonymous.status_code == 403
    # every operation of the emergency API was called at least once
    every = {(m, op["operationId"]) for _p, m, op in checker.operations}
    assert every - checker.seen == set()
