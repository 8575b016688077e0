"""``manage.py seed_demo``: build the demo district and print its logins.

Safe to run again: when the demo district's code is already in the database,
nothing changes and the logins are printed again (exit status 0). The one
exception: a district seeded before it had hazards gets its ``--hazards`` now.

``--hazards N`` (default 600) writes N hazard files reported over the last year,
with their whole timelines; ``--now`` pins "today" for a reproducible data set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from anxin.areas.choices import Level
from anxin.demo.generator import (
    DEFAULT_HAZARDS,
    DEMO_PASSWORD,
    DemoConfig,
    DemoError,
    build_demo,
    demo_logins,
    format_logins,
)

# generator setting -> command-line option, for error messages
OPTION_OF = {
    "seed": "--seed",
    "streets": "--streets",
    "communities_per_street": "--communities",
    "grids_per_community": "--grids",
    "buildings_per_grid": "--buildings",
    "units_per_building": "--units",
    "hazards": "--hazards",
}


class Command(BaseCommand):
    help = "Create the demo district (杭州市西湖区) with its people and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = DemoConfig()
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--streets", type=int, default=defaults.streets)
        parser.add_argument(
            "--communities",
            type=int,
            default=defaults.communities_per_street,
            help="Communities per street.",
        )
        parser.add_argument(
            "--grids", type=int, default=defaults.grids_per_community, help="Grids per community."
        )
        parser.add_argument(
            "--buildings",
            type=int,
            default=defaults.buildings_per_grid,
            help="Buildings per grid.",
        )
        parser.add_argument(
            "--units", type=int, default=defaults.units_per_building, help="Units per building."
        )
        parser.add_argument(
            "--hazards",
            type=int,
            default=DEFAULT_HAZARDS,
            help="Hazard files to generate over the last year (0 for none).",
        )
        parser.add_argument(
            "--now",
            default="",
            help="Pretend it is this date or time (ISO 8601) for a reproducible data set.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = DemoConfig(
            seed=options["seed"],
            streets=options["streets"],
            communities_per_street=options["communities"],
            grids_per_community=options["grids"],
            buildings_per_grid=options["buildings"],
            units_per_building=options["units"],
            hazards=options["hazards"],
        )
        now = _parse_now(options["now"])
        try:
            result = build_demo(config, now=now)  # one transaction
        except DemoError as exc:
            raise CommandError(f"{OPTION_OF.get(exc.field, exc.field)}: {exc.message}") from exc

        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Created the demo district %(name)s (%(code)s).")
                    % {"name": config.district_name, "code": config.district_code}
                )
            )
        else:
            self.stdout.write(
                _("The demo district %(name)s (%(code)s) already exists; nothing was changed.")
                % {"name": config.district_name, "code": config.district_code}
            )
        if (
            result.hazards is not None
            and connection.vendor == "sqlite"
            and not connection.in_atomic_block
        ):
            # The load went through the write-ahead log: copy it into the database
            # now rather than in the middle of the first requests.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if result.hazards is not None:
            h = result.hazards
            self.stdout.write(
                _(
                    "Generated %(count)d hazards with %(events)d timeline events "
                    "in %(seconds).1f s (digest %(digest)s)."
                )
                % {
                    "count": h.created,
                    "events": h.events,
                    "seconds": h.seconds,
                    "digest": h.digest,
                }
            )
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in h.statuses.items()))
        labels = {level.value: str(level.label) for level in Level}
        labels |= {
            "places": _("Named places"),
            "organisations": _("Organisations"),
            "hazards": _("Hazards"),
        }
        counts = ", ".join(f"{labels.get(k, k)}: {v}" for k, v in result.counts.items())
        self.stdout.write(counts)
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins (password for all: %(password)s; a mobile number works as login too):")
            % {"password": DEMO_PASSWORD}
        )
        self.stdout.write(format_logins(demo_logins()))


def _parse_now(value: str) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is not None:
            moment = datetime(day.year, day.month, day.day, 12, 0)
    if moment is None:
        raise CommandError(_("--now: enter a date or time in ISO 8601, e.g. 2026-06-30."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
