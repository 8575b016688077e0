"""Seed one points rule per kind (10 / 2 / 5). Administrators change them in the admin."""

from __future__ import annotations

from typing import Any

from django.db import migrations

RULES = (
    ("report_verified", 10, "A resident's report was verified as a real hazard."),
    ("rating", 2, "A resident rated how a closed hazard was handled."),
    ("campaign", 5, "A resident joined a special campaign (default; a campaign may set its own)."),
)


def seed(apps: Any, schema_editor: Any) -> None:
    PointRule = apps.get_model("points", "PointRule")
    for kind, points, description in RULES:
        PointRule.objects.get_or_create(
            kind=kind, defaults={"points": points, "description": description, "is_active": True}
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    PointRule = apps.get_model("points", "PointRule")
    PointRule.objects.filter(kind__in=[kind for kind, _p, _d in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
