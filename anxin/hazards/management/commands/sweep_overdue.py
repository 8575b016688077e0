"""``manage.py sweep_overdue``: mark overdue hazards and escalate them, once.

The same sweep the Celery beat runs every few minutes
(``anxin.hazards.tasks.sweep_overdue``); useful by hand or from cron when no
worker runs. It is idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from anxin.hazards import actions


class Command(BaseCommand):
    help = (
        "Mark hazards whose rectification deadline has passed as overdue and escalate "
        "them by the time limits, then print the counts."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = actions.sweep_overdue()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Checked %(checked)d hazards: %(marked)d newly overdue, "
                    "%(escalations)d escalations."
                )
                % {
                    "checked": result.checked,
                    "marked": result.marked_overdue,
                    "escalations": result.escalations,
                }
            )
        )
