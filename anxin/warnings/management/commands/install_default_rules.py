"""``manage.py install_default_rules [--area CODE]``: the default warning rule set
on every district (or one area), leaving rules already set alone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.areas.models import Area
from anxin.warnings.actions import ensure_default_rules


class Command(BaseCommand):
    help = "Install the default warning rules on every district (or on --area)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", default="", help="Code of one district, street or community.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["area"]:
            areas = list(Area.objects.filter(code=options["area"]))
            if not areas:
                raise CommandError(_("Unknown area %(a)s.") % {"a": options["area"]})
        else:
            areas = list(Area.objects.filter(level="district").order_by("code"))
        for area in areas:
            created = ensure_default_rules(area)
            self.stdout.write(
                _("%(area)s: %(n)d rules installed.") % {"area": area.name, "n": len(created)}
            )
