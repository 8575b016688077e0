"""Nothing of another district's warnings or rules leaks through the API.

(The project-wide walk in tests/test_no_leaks.py covers these endpoints once its
fixture raises warnings in both districts; this test does so for them now.)"""

from __future__ import annotations

import pytest

from anxin.hazards import actions as hazard_actions
from anxin.testing.factories import Personas, Tree
from anxin.warnings.actions import ensure_default_rules
from anxin.warnings.models import RiskWarning, WarningRule

pytestmark = pytest.mark.django_db

PREFIXES = {"warnings": RiskWarning, "warning-rules": WarningRule}


def _district(django_capture_on_commit_callbacks, code, shift, tag, prefix):  # type: ignore[no-untyped-def]
    tree = Tree(district_code=code, shift=shift, tag=tag) if shift else Tree()
    personas = Personas(tree, prefix=prefix)
    ensure_default_rules(tree.district)
    WarningRule.objects.create(area=tree.street_a, kind="single")
    with django_capture_on_commit_callbacks(execute=True):
        hazard_actions.report_hazard(
            reporter=personas.grid_worker,
            category="0101",
            grade="major",
            lat=30.015,
            lng=120.007 + shift,
        )
    return tree, personas


def test_no_warning_or_rule_of_another_district_leaks(
    django_capture_on_commit_callbacks, api_client
):
    _ours, personas = _district(django_capture_on_commit_callbacks, "330106", 0.0, "", "")
    before = {p: set(m._default_manager.values_list("pk", flat=True)) for p, m in PREFIXES.items()}
    _district(django_capture_on_commit_callbacks, "330108", 1.0, "拱墅", "b_")
    foreign = {
        p: set(m._default_manager.values_list("pk", flat=True)) - before[p]
        for p, m in PREFIXES.items()
    }
    assert all(foreign.values())
    for name, user in personas.all().items():
        api_client.force_authenticate(user)
        for prefix, ids in foreign.items():
            response = api_client.get(f"/api/v1/{prefix}/", {"page_size": 500})
            assert response.status_code == 200, (name, prefix)
            listed = {row["id"] for row in response.json()["results"]}
            assert not listed & ids, (name, prefix)
            for pk in ids:
                assert api_client.get(f"/api/v1/{prefix}/{pk}/").status_code == 404, (name, pk)
        for pk in foreign["warnings"]:
            response = api_client.post(f"/api/v1/warnings/{pk}/acknowledge/", {})
            assert response.status_code == 404, (name, pk)
