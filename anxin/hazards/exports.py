"""The hazard ledger (隐患台账) as an Excel workbook, in the active language.

The caller passes an already scoped and filtered queryset
(``Hazard.objects.restrict(user, "export")``); this module only lays it out.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from anxin.hazards.choices import DEADLINE_STATUSES
from anxin.hazards.models import Hazard


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _is_overdue(hazard: Hazard, now: datetime) -> bool:
    return hazard.status in DEADLINE_STATUSES and (
        hazard.is_overdue or (hazard.deadline is not None and hazard.deadline < now)
    )


def _category(hazard: Hazard) -> str:
    main = hazard.category.parent
    return f"{main.name} / {hazard.category.name}" if main else hazard.category.name


def ledger_columns(now: datetime) -> list[tuple[str, int, Callable[[Hazard], Any]]]:
    """(heading, width, value) of each column, in the ledger's order."""
    yes, no = _("Yes"), _("No")
    return [
        (_("Hazard code"), 26, lambda h: h.code),
        (_("Category"), 24, _category),
        (_("Risk level"), 10, lambda h: h.get_risk_colour_display()),
        (_("Address"), 30, lambda h: h.address),
        (_("Grid"), 16, lambda h: h.grid.name if h.grid else ""),
        (_("Found at"), 17, lambda h: _local(h.found_at)),
        (
            _("Responsible organisation"),
            22,
            lambda h: h.responsible_organisation.name if h.responsible_organisation else "",
        ),
        (_("Rectification deadline"), 17, lambda h: _local(h.deadline)),
        (_("Status"), 12, lambda h: h.get_status_display()),
        (_("Overdue"), 8, lambda h: yes if _is_overdue(h, now) else no),
        (_("Closed at"), 17, lambda h: _local(h.closed_at)),
        (_("Grade"), 8, lambda h: h.get_grade_display()),
        (_("Title"), 24, lambda h: h.title),
        (_("Community"), 14, lambda h: h.community.name if h.community else ""),
        (_("Source"), 12, lambda h: h.get_source_display()),
        (_("Listed for supervision"), 10, lambda h: yes if h.is_listed else no),
        (_("Machine code"), 32, lambda h: h.machine_code),
    ]


def ledger_workbook(queryset: QuerySet[Hazard], now: datetime | None = None) -> bytes:
    """One sheet: a title row, the headings, then one row per hazard (序号 first)."""
    now = now or timezone.now()
    columns = ledger_columns(now)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Hazard ledger")[:31])
    widths = [6] + [w for _h, w, _v in columns]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    title = WriteOnlyCell(
        sheet,
        value=_("Hazard ledger · exported %(time)s") % {"time": _local(now)},
    )
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    heading_fill = PatternFill("solid", fgColor="DDE7F3")
    headings = []
    for text in [_("No."), *[h for h, _w, _v in columns]]:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cell.fill = heading_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        headings.append(cell)
    sheet.append(headings)
    for number, hazard in enumerate(queryset.iterator(chunk_size=2000), start=1):
        sheet.append([number, *[value(hazard) for _h, _w, value in columns]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
