#!/usr/bin/env python
"""Compile every ``locale/**/django.po`` to ``django.mo`` with polib.

Django's own ``compilemessages`` needs GNU gettext (``msgfmt``); deployments on
closed networks often have no gettext, so this script does the same with the
pure-Python polib. Fuzzy entries are left out (as msgfmt does) and a catalogue
with untranslated or fuzzy entries is reported.

    python scripts/compilemessages.py            # compile
    python scripts/compilemessages.py --check    # exit 1 if a .mo is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"


def po_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("**/LC_MESSAGES/django.po"))


def catalogue(po: polib.POFile) -> dict[tuple[str | None, str], object]:
    """Translated, non-fuzzy entries as {(msgctxt, msgid): msgstr or plural forms}."""
    result: dict[tuple[str | None, str], object] = {}
    for entry in po.translated_entries():
        if entry.obsolete or entry.fuzzy:
            continue
        key = (entry.msgctxt, entry.msgid)
        if entry.msgid_plural:
            result[key] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            result[key] = entry.msgstr
    return result


def mo_catalogue(mo: polib.MOFile) -> dict[tuple[str | None, str], object]:
    result: dict[tuple[str | None, str], object] = {}
    for entry in mo:
        if not entry.msgid:  # the header
            continue
        key = (entry.msgctxt, entry.msgid)
        if entry.msgid_plural:
            result[key] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            result[key] = entry.msgstr
    return result


def problems(po: polib.POFile) -> list[str]:
    found = [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries() if not e.obsolete]
    found += [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries() if not e.obsolete]
    return found


def compile_po(po_path: Path) -> Path:
    po = polib.pofile(str(po_path))
    # Fuzzy entries must not reach the .mo (msgfmt drops them too).
    for entry in po.fuzzy_entries():
        entry.msgstr = ""
        entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
    mo_path = po_path.with_suffix(".mo")
    po.save_as_mofile(str(mo_path))
    return mo_path


def is_up_to_date(po_path: Path) -> bool:
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return False
    return catalogue(polib.pofile(str(po_path))) == mo_catalogue(polib.mofile(str(mo_path)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check that .mo files match")
    args = parser.parse_args(argv)
    status = 0
    paths = po_files()
    if not paths:
        print(f"no django.po under {LOCALE_DIR}", file=sys.stderr)
        return 1
    for po_path in paths:
        rel = po_path.relative_to(ROOT)
        for problem in problems(polib.pofile(str(po_path))):
            print(f"{rel}: {problem}", file=sys.stderr)
        if args.check:
            if not is_up_to_date(po_path):
                print(f"{rel}: the .mo is missing or stale", file=sys.stderr)
                status = 1
            continue
        mo_path = compile_po(po_path)
        print(f"compiled {rel} -> {mo_path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
