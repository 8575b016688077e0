"""Fewer indexes on hazards_hazard: each costs every report an index insertion.

Dropped: ``category_id`` (the two ``(category, …)`` indexes serve it), ``h3_r7``
(never filtered on), the plain ``area_path`` index (``(area_path, -id)`` serves
equality and order), and on PostgreSQL the ``varchar_pattern_ops`` copies of
``code``, ``h3_r7`` and ``h3_r9`` that ``db_index`` adds (never used for LIKE).
Kept on PostgreSQL: ``area_path``'s pattern copy, for a district's path-prefix
scope. Added: ``(category, h3_r11)`` for duplicates and clusters within 100 m.

The field changes are recorded in the state only, and the database drops the
indexes by name: on SQLite, altering ``db_index`` through the schema editor
would rebuild the whole table once per field.
"""

import django.db.models.deletion
from django.db import migrations, models

# (index, kept on PostgreSQL's _like copy?) for each field that loses db_index.
DROPPED = {
    "hazards_hazard_area_path_9dd68791": True,
    "hazards_hazard_category_id_90598447": None,
    "hazards_hazard_code_5c264a8b": False,
    "hazards_hazard_h3_r7_4282e336": False,
    "hazards_hazard_h3_r9_d1a4da6d": False,
}
RESTORED = {  # for the way back
    "hazards_hazard_area_path_9dd68791": "area_path",
    "hazards_hazard_category_id_90598447": "category_id",
    "hazards_hazard_code_5c264a8b": "code",
    "hazards_hazard_h3_r7_4282e336": "h3_r7",
    "hazards_hazard_h3_r9_d1a4da6d": "h3_r9",
}


def drop_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, like_kept in DROPPED.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        if postgres and like_kept is False:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}_like"')


def restore_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, column in RESTORED.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "hazards_hazard" ("{column}")')
        if postgres and DROPPED[name] is False:
            schema_editor.execute(
                f'CREATE INDEX "{name}_like" ON "hazards_hazard" ("{column}" varchar_pattern_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0005_attachment_blurred_copy"),
        ("taxonomy", "0002_load_default_categories"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="hazard",
                    name="area_path",
                    field=models.CharField(
                        editable=False, max_length=255, verbose_name="area path"
                    ),
                ),
                migrations.AlterField(
                    model_name="hazard",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="hazards",
                        to="taxonomy.category",
                        verbose_name="category",
                    ),
                ),
                migrations.AlterField(
                    model_name="hazard",
                    name="code",
                    field=models.CharField(editable=False, max_length=80, verbose_name="code"),
                ),
                migrations.AlterField(
                    model_name="hazard",
                    name="h3_r7",
                    field=models.CharField(
                        editable=False, max_length=16, verbose_name="H3 cell (res 7)"
                    ),
                ),
                migrations.AlterField(
                    model_name="hazard",
                    name="h3_r9",
                    field=models.CharField(
                        editable=False, max_length=16, verbose_name="H3 cell (res 9)"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(fields=["category", "h3_r11"], name="hazard_category_h3_r11"),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(fields=["h3_r9"], name="hazard_h3_r9"),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(fields=["code"], name="hazard_code"),
        ),
    ]
