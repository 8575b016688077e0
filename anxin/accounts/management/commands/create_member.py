"""``manage.py create_member``: create a user (if missing) and give them a role.

    manage.py create_member wang --role grid_worker --area 330106001001001 \\
        --password '…' --mobile 13800001111 --full-name 王芳

The user is created when missing (a new user needs a password: ``--password``, or
typed at the prompt when run in a terminal); an existing user keeps their
password unless ``--password`` is given. ``--mobile``, ``--full-name`` and
``--staff`` update an existing user too. The membership is granted through
``anxin.accounts.actions.grant_membership`` (which checks that the role sits on
the right level). Any bad input stops the command with an error naming the
option, and nothing is saved.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from anxin.accounts.actions import create_user, grant_membership
from anxin.accounts.choices import Role, Scope
from anxin.accounts.models import Membership, User, validate_mobile
from anxin.areas.models import Area
from anxin.organisations.models import Organisation

# model field -> command-line option, for error messages
OPTION_OF = {
    "username": "USERNAME",
    "password": "--password",
    "mobile": "--mobile",
    "full_name": "--full-name",
    "role": "--role",
    "area": "--area",
    "organisation": "--organisation",
    "scope": "--scope",
}


def _as_command_error(exc: ValidationError) -> CommandError:
    if hasattr(exc, "error_dict"):
        parts = []
        for name, errors in exc.message_dict.items():
            option = _("membership") if name == "__all__" else OPTION_OF.get(name, name)
            parts.append(f"{option}: {' '.join(errors)}")
        return CommandError("; ".join(parts))
    return CommandError(" ".join(exc.messages))


class Command(BaseCommand):
    help = "Create a user if missing and grant them a role on an area or organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument("--area", help="Code of the area the role sits on.")
        parser.add_argument(
            "--organisation", help="Id or exact name of the organisation the role sits on."
        )
        parser.add_argument("--password", help="Password of a new user (or a new password).")
        parser.add_argument("--mobile", help="Mainland China mobile number (11 digits).")
        parser.add_argument("--full-name", dest="full_name")
        parser.add_argument(
            "--scope", help="Scope of the membership (default: the role's). " + ", ".join(Scope)
        )
        parser.add_argument("--staff", action="store_true", help="May open the Django admin.")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        role = self._role(options["role"])
        scope = self._scope(options["scope"])
        if options["mobile"] is not None:
            try:
                validate_mobile(options["mobile"])
            except ValidationError as exc:
                raise CommandError(f"--mobile: {' '.join(exc.messages)}") from exc
        area = self._area(options["area"])
        organisation = self._organisation(options["organisation"])

        password = options["password"]
        if password is None and not User.objects.filter(username=username).exists():
            password = self._prompt_password(username)  # before the write lock is taken

        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            created = user is None
            if created and password is None:
                raise CommandError(_("--password: required to create a new user."))
            if user is not None and self._holds(user, role, area, organisation):
                self.stdout.write(
                    _("%(user)s already holds this role there; nothing was changed.")
                    % {"user": user.username}
                )
                return
            try:
                if user is None:
                    assert password is not None
                    self._check_password(password, User(username=username))
                    user = create_user(
                        username=username,
                        password=password,
                        full_name=options["full_name"] or "",
                        mobile=options["mobile"],
                        is_staff=options["staff"],
                    )
                else:
                    self._update(user, options)
                membership = grant_membership(
                    user=user, role=role, area=area, organisation=organisation, scope=scope
                )
            except ValidationError as exc:
                raise _as_command_error(exc) from exc

        where = area or organisation or "—"
        if created:
            self.stdout.write(
                self.style.SUCCESS(_("Created user %(user)s.") % {"user": user.username})
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Granted %(role)s on %(where)s (scope %(scope)s) to %(user)s.")
                % {
                    "role": membership.get_role_display(),
                    "where": where,
                    "scope": membership.scope,
                    "user": user.username,
                }
            )
        )

    # --- parsing ------------------------------------------------------------------------
    @staticmethod
    def _role(value: str) -> str:
        if value not in Role.values:
            raise CommandError(
                _("--role: unknown role %(role)r (choose from %(choices)s).")
                % {"role": value, "choices": ", ".join(Role.values)}
            )
        return value

    @staticmethod
    def _scope(value: str | None) -> str:
        if value is None:
            return ""
        if value not in Scope.values:
            raise CommandError(
                _("--scope: unknown scope %(scope)r (choose from %(choices)s).")
                % {"scope": value, "choices": ", ".join(Scope.values)}
            )
        return value

    @staticmethod
    def _area(code: str | None) -> Area | None:
        if code is None:
            return None
        area = Area.objects.filter(code=code.strip()).first()
        if area is None:
            raise CommandError(_("--area: no area has the code %(code)r.") % {"code": code})
        return area

    @staticmethod
    def _organisation(value: str | None) -> Organisation | None:
        if value is None:
            return None
        value = value.strip()
        if value.isdigit():
            by_id = Organisation.objects.filter(pk=int(value)).first()
            if by_id is not None:
                return by_id
        matches = list(Organisation.objects.filter(name=value)[:2])
        if not matches:
            raise CommandError(
                _("--organisation: no organisation has the id or name %(value)r.")
                % {"value": value}
            )
        if len(matches) > 1:
            raise CommandError(
                _("--organisation: several organisations are named %(value)r; give the id.")
                % {"value": value}
            )
        return matches[0]

    @staticmethod
    def _holds(user: User, role: str, area: Area | None, organisation: Organisation | None) -> bool:
        return Membership.objects.filter(
            user=user, role=role, area=area, organisation=organisation, is_active=True
        ).exists()

    @staticmethod
    def _check_password(password: str, user: User) -> None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc

    def _prompt_password(self, username: str) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                _("--password: required for the new user %(user)s when not run in a terminal.")
                % {"user": username}
            )
        first = getpass.getpass(_("Password for %(user)s: ") % {"user": username})
        second = getpass.getpass(_("Password (again): "))
        if first != second:
            raise CommandError(_("--password: the two passwords differ."))
        if not first:
            raise CommandError(_("--password: a password is required."))
        return first

    def _update(self, user: User, options: dict[str, Any]) -> None:
        """Apply the given options to an existing user, validated like a new one."""
        if options["password"] is not None:
            self._check_password(options["password"], user)
            user.set_password(options["password"])
        if options["mobile"] is not None:
            user.mobile = options["mobile"]
        if options["full_name"] is not None:
            user.full_name = options["full_name"]
        if options["staff"]:
            user.is_staff = True
        user.full_clean()
        user.save()
