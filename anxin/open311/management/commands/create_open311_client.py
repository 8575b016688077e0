"""``manage.py create_open311_client NAME --user USERNAME``: register an Open311
client whose reports are made as (and whose reads are scoped to) USERNAME, and
print its new API key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.open311.actions import create_client


class Command(BaseCommand):
    help = "Register an Open311 client and print its API key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Name of the client application.")
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the service account the client reports as and reads as.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(_("--user: no user %(name)s.") % {"name": options["user"]})
        try:
            client = create_client(options["name"], user)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(
                    f"{'NAME' if name == 'name' else '--user'}: {' '.join(errors)}"
                    for name, errors in exc.message_dict.items()
                )
            ) from exc
        self.stdout.write(client.api_key)
