"""``manage.py import_areas FILE.geojson [--dry-run]``: load the org tree from GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.areas.actions import AreaImportError, format_feature_error, import_feature_collection


class Command(BaseCommand):
    help = (
        "Create and update areas of the org tree from a GeoJSON FeatureCollection "
        "(as written by export_areas). Nothing is saved unless every feature is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the .geojson file (UTF-8).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and count only; save nothing.",
        )
        parser.add_argument(
            "--no-update",
            action="store_true",
            help="Leave areas that already exist unchanged; only create new ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(
                _("%(path)s is not a UTF-8 JSON file: %(error)s") % {"path": path, "error": exc}
            ) from exc
        try:
            result = import_feature_collection(
                data, update_existing=not options["no_update"], dry_run=options["dry_run"]
            )
        except AreaImportError as exc:
            for error in exc.feature_errors:
                self.stderr.write(format_feature_error(error))
            raise CommandError(
                _("%(n)d error(s) found; nothing was imported.") % {"n": len(exc.feature_errors)}
            ) from exc
        counts = {"created": result.created, "updated": result.updated, "skipped": result.skipped}
        if result.dry_run:
            message = _(
                "Dry run: %(created)d area(s) would be created, %(updated)d updated, "
                "%(skipped)d left unchanged; nothing was saved."
            )
        else:
            message = _(
                "%(created)d area(s) created, %(updated)d updated, %(skipped)d left unchanged."
            )
        self.stdout.write(self.style.SUCCESS(message % counts))
