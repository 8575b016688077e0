"""``manage.py export_areas [--root CODE] [-o FILE]``: write the org tree as GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.areas.models import Area
from anxin.areas.selectors import export_feature_collection


class Command(BaseCommand):
    help = (
        "Write the org tree (or the subtree of one area) as a GeoJSON FeatureCollection, "
        "parents first, so that import_areas can read it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--root", metavar="CODE", help="Export only this area and below.")
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = Area.objects.all()
        if options["root"]:
            root = Area.objects.filter(code=options["root"]).first()
            if root is None:
                raise CommandError(
                    _("No area with code %(code)s exists.") % {"code": options["root"]}
                )
            queryset = root.descendants()
        collection = export_feature_collection(queryset)
        text = json.dumps(collection, ensure_ascii=False, indent=2)
        if options["output"]:
            path = Path(options["output"])
            path.write_text(text + "\n", encoding="utf-8")
            self.stderr.write(
                _("%(n)d area(s) written to %(path)s.")
                % {"n": len(collection["features"]), "path": path}
            )
        else:
            self.stdout.write(text)
