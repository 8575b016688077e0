"""Install the default warning rule set on every district that has none of a kind,
so warnings work out of the box. Later districts get it from ``seed_demo`` or
``manage.py install_default_rules``; admins edit the rules in the workbench."""

from django.db import migrations

# Kept here as they were when this migration was written (a migration must not
# change with the code): kind, level, parameters.
DEFAULTS = (
    ("single", "blue", {}),
    (
        "cluster",
        "yellow",
        {"min_count": 5, "radius_m": 200, "window_days": 30, "cluster_within": "radius"},
    ),
    ("overdue_yellow", "orange", {}),
    ("cross_department", "orange", {"min_count": 3}),
    ("major_hazard", "red", {}),
    ("gas_alarm", "red", {"radius_m": 100}),
    ("flood_warning", "red", {"radius_m": 300}),
    ("threshold", "red", {"threshold": 3, "count_per": "street"}),
)


def install(apps, schema_editor):
    Area = apps.get_model("areas", "Area")
    WarningRule = apps.get_model("warnings", "WarningRule")
    for district in Area.objects.filter(level="district"):
        present = set(WarningRule.objects.filter(area=district).values_list("kind", flat=True))
        for kind, level, parameters in DEFAULTS:
            if kind not in present:
                WarningRule.objects.create(area=district, kind=kind, level=level, **parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("warnings", "0001_initial"),
        ("areas", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
