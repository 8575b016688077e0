"""``manage.py load_taxonomy [--file PATH]``: create or update hazard categories."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.taxonomy.actions import DEFAULT_CATEGORIES_FILE, load_categories, read_categories_file


class Command(BaseCommand):
    help = (
        "Create missing hazard categories and update the names, keywords and defaults of "
        "existing ones from a taxonomy file (codes never change)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            default=str(DEFAULT_CATEGORIES_FILE),
            help="Path of the taxonomy JSON file (default: the shipped default taxonomy).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = read_categories_file(options["file"])
            created, updated = load_categories(data)
        except ValidationError as exc:
            lines = [message for messages in exc.message_dict.values() for message in messages]
            raise CommandError(
                "\n".join([_("Nothing was loaded; the taxonomy file has errors:"), *lines])
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Created %(created)d and updated %(updated)d categories.")
                % {"created": created, "updated": updated}
            )
        )
