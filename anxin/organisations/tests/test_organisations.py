"""Organisations: who sees which company or department (API, admin, selectors)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from anxin.accounts.models import User
from anxin.organisations.actions import save_organisation
from anxin.organisations.models import Organisation
from anxin.organisations.selectors import organisations_serving, visible_organisations

pytestmark = pytest.mark.django_db


def names(response_json: dict) -> set[str]:  # type: ignore[type-arg]
    return {o["name"] for o in response_json["results"]}


def test_district_fire_department_is_visible_to_the_street_admin(personas, tree, api_client):
    api_client.force_authenticate(personas.street_admin)
    response = api_client.get("/api/v1/organisations/")
    assert response.status_code == 200
    assert names(response.json()) == {tree.fire.name, tree.property_a.name}
    assert api_client.get(f"/api/v1/organisations/{tree.fire.pk}/").status_code == 200


def test_property_manager_sees_own_company_only(personas, tree, api_client):
    api_client.force_authenticate(personas.property_manager)
    own = api_client.get(f"/api/v1/organisations/{tree.property_a.pk}/")
    other = api_client.get(f"/api/v1/organisations/{tree.property_b.pk}/")
    assert own.status_code == 200
    assert own.json()["served_area_codes"] == [tree.community_a1.code]
    assert other.status_code == 404
    assert names(api_client.get("/api/v1/organisations/").json()) == {tree.property_a.name}


def test_grid_worker_sees_organisations_serving_the_grid(personas, tree, api_client):
    api_client.force_authenticate(personas.grid_worker)
    assert names(api_client.get("/api/v1/organisations/").json()) == {
        tree.fire.name,
        tree.property_a.name,
    }


def test_resident_sees_no_organisation(personas, tree, api_client):
    api_client.force_authenticate(personas.resident)
    assert names(api_client.get("/api/v1/organisations/").json()) == set()
    assert api_client.get(f"/api/v1/organisations/{tree.fire.pk}/").status_code == 404


def test_visible_organisations_lists_each_once(personas, tree):
    tree.fire.served_areas.add(tree.street_a, tree.community_a1)
    visible = list(visible_organisations(personas.street_admin))
    assert sorted(o.name for o in visible) == sorted([tree.fire.name, tree.property_a.name])


def test_organisations_serving_a_building(tree):
    serving = set(organisations_serving(tree.building_a1a))
    assert serving == {tree.fire, tree.property_a}
    assert set(organisations_serving(tree.building_a1a, kind="fire")) == {tree.fire}
    tree.fire.is_active = False
    tree.fire.save()
    assert set(organisations_serving(tree.building_b1a)) == {tree.property_b}


def test_save_organisation_refuses_a_bad_field_and_saves_nothing(tree):
    organisation = Organisation(name="", kind="fire")
    with pytest.raises(ValidationError) as caught:
        save_organisation(organisation, served_areas=[tree.district])
    assert "name" in caught.value.message_dict
    assert not Organisation.objects.filter(kind="fire").exclude(pk=tree.fire.pk).exists()


def test_save_organisation_sets_served_areas(tree):
    organisation = save_organisation(
        Organisation(name="西湖区住建局", kind="housing"), served_areas=[tree.district]
    )
    assert list(organisation.served_areas.all()) == [tree.district]


# --- admin ------------------------------------------------------------------------


def make_staff(user: User, *codenames: str) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)


def test_admin_changelist_is_scoped(personas, tree, client):
    client.force_login(make_staff(personas.street_admin, "view_organisation"))
    response = client.get("/admin/organisations/organisation/")
    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert shown == {tree.fire, tree.property_a}
    other = client.get(f"/admin/organisations/organisation/{tree.property_b.pk}/change/")
    assert other.status_code == 302


def test_admin_search_finds_by_contact(personas, tree, client):
    tree.property_a.contact_name = "赵经理"
    tree.property_a.save()
    client.force_login(make_staff(personas.street_admin, "view_organisation"))
    response = client.get("/admin/organisations/organisation/", {"q": "赵经理"})
    assert list(response.context["cl"].result_list) == [tree.property_a]


def test_admin_edit_keeps_served_areas_outside_the_editors_scope(personas, tree, client):
    # a street admin edits the district fire department, which serves the district
    client.force_login(
        make_staff(personas.street_admin, "view_organisation", "change_organisation")
    )
    response = client.post(
        f"/admin/organisations/organisation/{tree.fire.pk}/change/",
        {
            "name": "西湖区消防救援大队",
            "kind": "fire",
            "code": "",
            "contact_name": "钱队长",
            "contact_phone": "0571-1234567",
            "address": "",
            "served_areas": [tree.district.pk, tree.street_a.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    fire = Organisation.objects.get(pk=tree.fire.pk)
    assert fire.contact_name == "钱队长"
    assert set(fire.served_areas.all()) == {tree.district, tree.street_a}


def test_admin_cannot_link_an_area_outside_scope(personas, tree, client):
    client.force_login(
        make_staff(personas.street_admin, "view_organisation", "change_organisation")
    )
    response = client.post(
        f"/admin/organisations/organisation/{tree.property_a.pk}/change/",
        {
            "name": tree.property_a.name,
            "kind": "property",
            "code": "",
            "contact_name": "",
            "contact_phone": "",
            "address": "",
            "served_areas": [tree.community_a1.pk, tree.community_b1.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["served_areas"]
    assert list(tree.property_a.served_areas.all()) == [tree.community_a1]
