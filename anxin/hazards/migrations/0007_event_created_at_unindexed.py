"""Events are read per hazard (the hazard_id index), never by time: their
created_at index only cost every event an index insertion. Dropped by name
(through the schema editor SQLite would rebuild the table)."""

from django.db import migrations, models

INDEX = "hazards_hazardevent_created_at_9fba2093"


def drop_index(apps, schema_editor):
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


def restore_index(apps, schema_editor):
    schema_editor.execute(f'CREATE INDEX "{INDEX}" ON "hazards_hazardevent" ("created_at")')


class Migration(migrations.Migration):
    dependencies = [("hazards", "0006_leaner_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="hazardevent",
                    name="created_at",
                    field=models.DateTimeField(verbose_name="time"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, restore_index)],
        ),
    ]
