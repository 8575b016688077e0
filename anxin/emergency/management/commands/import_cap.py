"""``manage.py import_cap FILE`` or ``manage.py import_cap --url URL``: import a
meteorological warning in CAP 1.2 (as the weather page and the API do)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.emergency.actions import weather


class Command(BaseCommand):
    help = "Import a CAP 1.2 weather warning from a file or a URL on the closed network."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Path of a CAP 1.2 XML file.")
        parser.add_argument("--url", default="", help="Fetch the CAP document from this URL.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["url"]:
            result = weather.fetch_configured(options["url"])
            if result is None:
                raise CommandError(_("Nothing imported from %(url)s (see the log).") % options)
        elif options["file"]:
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(_("No such file: %(file)s") % options)
            try:
                result = weather.import_cap(path.read_bytes(), source=f"file:{path.name}")
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        else:
            raise CommandError(_("Give a file or --url."))
        for alert in result.alerts:
            title = alert.headline or alert.event
            self.stdout.write(f"{alert.area.name}: {title} → {alert.get_outcome_display()}")
