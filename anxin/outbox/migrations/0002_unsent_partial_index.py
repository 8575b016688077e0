"""One partial index of unsent rows instead of three: every outbox row is
written and marked sent once, and each index costs both writes. Indexes are
dropped by name (through the schema editor SQLite would rebuild the table)."""

from django.db import migrations, models

DROPPED = {
    "outbox_outboxmessage_created_at_ff579a50": "created_at",
    "outbox_outboxmessage_sent_at_28ad05bf": "sent_at",
}


def drop_indexes(apps, schema_editor):
    for name in DROPPED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_indexes(apps, schema_editor):
    for name, column in DROPPED.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "outbox_outboxmessage" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [("outbox", "0001_initial")]

    operations = [
        migrations.RemoveIndex(model_name="outboxmessage", name="outbox_unsent"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="outboxmessage",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
                ),
                migrations.AlterField(
                    model_name="outboxmessage",
                    name="sent_at",
                    field=models.DateTimeField(
                        blank=True, null=True, verbose_name="sent to the broker at"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", True)),
                fields=["id"],
                name="outbox_unsent_ids",
            ),
        ),
    ]
