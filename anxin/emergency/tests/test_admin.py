"""The admin of emergency readiness shows each user the rows of their scope."""

from __future__ import annotations

import pytest
from django.contrib import admin

from anxin.core.admin import RestrictedAdminMixin
from anxin.emergency import models
from anxin.emergency.testing import populate

pytestmark = pytest.mark.django_db


def test_every_scoped_emergency_model_has_a_restricted_admin():
    for model in (
        models.SupplyItem,
        models.StockMovement,
        models.EmergencyTeam,
        models.EmergencyPlan,
        models.PlanVersion,
        models.EmergencyResponse,
        models.ResponseReview,
        models.Drill,
        models.TrainingRecord,
        models.SafetyActivity,
        models.WeatherAlert,
    ):
        assert isinstance(admin.site._registry[model], RestrictedAdminMixin), model


def test_the_admin_lists_only_the_rows_in_scope(tree, personas, client, committed):
    committed(populate, tree, personas)
    personas.community_admin.is_staff = True
    personas.community_admin.save(update_fields=["is_staff"])
    personas.street_admin_b.is_staff = True
    personas.street_admin_b.save(update_fields=["is_staff"])
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(
        content_type__app_label="emergency", codename__startswith="view_"
    )
    personas.community_admin.user_permissions.add(*perms)
    personas.street_admin_b.user_permissions.add(*perms)
    item = models.SupplyItem.objects.get(name="沙袋")
    link = f"/admin/emergency/supplyitem/{item.pk}/change/"
    client.force_login(personas.community_admin)
    assert link in client.get("/admin/emergency/supplyitem/").content.decode()
    client.force_login(personas.street_admin_b)
    assert link not in client.get("/admin/emergency/supplyitem/").content.decode()
    assert client.get(f"/admin/emergency/supplyitem/{item.pk}/change/").status_code in (302, 404)
