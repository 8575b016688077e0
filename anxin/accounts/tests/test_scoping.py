from __future__ import annotations

import pytest

from anxin.areas.models import Area

pytestmark = pytest.mark.django_db


def test_grid_worker_sees_own_grid_only(personas, tree, api_client):
    api_client.force_authenticate(personas.grid_worker)
    ok = api_client.get(f"/api/v1/areas/{tree.building_a1a.code}/")
    assert ok.status_code == 200
    other = api_client.get(f"/api/v1/areas/{tree.building_a1b.code}/")
    assert other.status_code == 404
    codes = {a["code"] for a in api_client.get("/api/v1/areas/").json()["results"]}
    assert codes == {tree.grid_a1a.code, tree.building_a1a.code}


def test_street_admin_sees_whole_street(personas, tree):
    visible = set(Area.objects.restrict(personas.street_admin).values_list("code", flat=True))
    assert visible == set(
        Area.objects.filter(path__startswith=tree.street_a.path).values_list("code", flat=True)
    )
