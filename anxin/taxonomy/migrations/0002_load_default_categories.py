"""Load the default hazard taxonomy (DESIGN §4) from fixtures/categories.json.

It uses the historical Category model, so it does not depend on later model changes.
Reversing it leaves the categories in place (hazards may already refer to them).
"""

from django.db import migrations


def load_default_categories(apps, schema_editor):
    from anxin.taxonomy.actions import load_categories

    load_categories(
        category_model=apps.get_model("taxonomy", "Category"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_default_categories, migrations.RunPython.noop, elidable=False),
    ]
