"""The Simplified Chinese catalogue is complete and compiled; the API speaks it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import polib
import pytest
from django.conf import settings

PO_PATH = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")


def _compile_script() -> ModuleType:
    path = Path(settings.BASE_DIR) / "scripts" / "compilemessages.py"
    spec = importlib.util.spec_from_file_location("anxin_compilemessages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    po = polib.pofile(str(PO_PATH))
    live = [e for e in po if not e.obsolete]
    assert len(live) > 100
    assert [e.msgid for e in live if not e.translated()] == []
    assert [e.msgid for e in live if e.fuzzy] == []


def test_placeholders_are_kept_in_translations() -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)[sdifr]|%[sd]|\{\w*\}")
    po = polib.pofile(str(PO_PATH))
    wrong = [
        e.msgid
        for e in po
        if not e.obsolete
        and sorted(placeholder.findall(e.msgid))
        != sorted(placeholder.findall(e.msgstr_plural[0] if e.msgid_plural else e.msgstr))
    ]
    assert wrong == []


def test_mo_on_disk_matches_po() -> None:
    script = _compile_script()
    po_entries = script.catalogue(polib.pofile(str(PO_PATH)))
    assert MO_PATH.exists(), "run: python scripts/compilemessages.py"
    mo_entries = script.mo_catalogue(polib.mofile(str(MO_PATH)))
    assert mo_entries == po_entries, "the .mo is stale: run python scripts/compilemessages.py"


def test_compile_script_writes_a_mo_django_can_read(tmp_path: Path) -> None:
    import gettext

    script = _compile_script()
    po_copy = tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po_copy.parent.mkdir(parents=True)
    po_copy.write_bytes(PO_PATH.read_bytes())
    mo_path = script.compile_po(po_copy)
    with mo_path.open("rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.gettext("Grid worker") == "网格员"
    assert translations.gettext("audit log") == "审计日志"


RESOLVE_BAD = "/api/v1/areas/resolve/?lat=abc&lng=1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        (None, "请求中有无效字段。"),
        ("zh-CN,zh;q=0.9", "请求中有无效字段。"),
        ("en-US,en;q=0.9", "The request has invalid fields."),
        ("en", "The request has invalid fields."),
        ("fr-FR,fr;q=0.9", "请求中有无效字段。"),
    ],
)
def test_api_validation_errors_follow_accept_language(
    personas: Any, api_client: Any, accept_language: str | None, expected: str
) -> None:
    api_client.force_authenticate(personas.grid_worker)
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    response = api_client.get(RESOLVE_BAD, **headers)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == expected
    assert "lat" in body["errors"]
    if expected.startswith("The"):
        assert body["errors"]["lat"] == ["A valid number is required."]
    else:
        assert body["errors"]["lat"] == ["请填写合法的数字。"]


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    """Run makemessages on a copy of the code: nothing may be missing from the
    Chinese catalogue (a missing entry would show English on a Chinese page)."""
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed: apt-get install gettext")
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(
        root / "anxin",
        copy / "anxin",
        ignore=shutil.ignore_patterns("__pycache__", "vendor", "*.pyc", "tests"),
    )
    shutil.copytree(root / "locale", copy / "locale")
    shutil.copy(root / "manage.py", copy / "manage.py")
    env = {
        **__import__("os").environ,
        "ANXIN_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "anxin.settings_test",
        "PYTHONPATH": str(copy),
    }
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    ours = polib.pofile(str(PO_PATH))
    known = {
        (e.msgctxt, e.msgid) for e in ours if not e.obsolete and e.translated() and not e.fuzzy
    }
    missing = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known)
    assert missing == [], f"{len(missing)} messages lack a Chinese translation: {missing[:20]}"
