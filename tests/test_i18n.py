"""Every string a person reads has a Simplified Chinese translation.

Extracts the messages of the current source with Django's makemessages (into a scratch copy,
merged with our catalogue the way `make messages` would) and fails on any message without a
translation, or whose translation is marked fuzzy because its English source changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "rongmei" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.skipif(shutil.which("msgmerge") is None, reason="gettext is not installed (make install adds it)")


def _unquote(lines: list[str]) -> str:
    return "".join(re.findall(r'"(.*)"', "".join(lines)))


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgstr (joined plural forms), flags, references."""
    entries: list[dict] = []
    current: dict | None = None
    field = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current and current.get("msgid_lines") is not None:
                entries.append(current)
            current, field = None, None
            continue
        if current is None:
            current = {"flags": set(), "refs": [], "msgid_lines": None, "msgstr_lines": []}
        if line.startswith("#,"):
            current["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#:"):
            current["refs"].append(line[2:].strip())
        elif line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            current["msgid_lines"], field = [line[6:]], "msgid_lines"
        elif line.startswith("msgid_plural "):
            field = "plural"
        elif line.startswith("msgstr"):
            current["msgstr_lines"].append(line.split(" ", 1)[1])
            field = "msgstr_lines"
        elif line.startswith('"') and field in ("msgid_lines", "msgstr_lines"):
            current[field].append(line)
    result = []
    for entry in entries:
        if entry.get("obsolete"):
            continue
        msgid = _unquote(entry["msgid_lines"])
        if not msgid:
            continue  # the header
        result.append(
            {"msgid": msgid, "msgstr": _unquote(entry["msgstr_lines"]), "fuzzy": "fuzzy" in entry["flags"], "refs": entry["refs"]}
        )
    return result


def test_every_message_has_a_simplified_chinese_translation(tmp_path):
    scratch = tmp_path / "src"
    shutil.copytree(ROOT / "rongmei", scratch / "rongmei", ignore=shutil.ignore_patterns("__pycache__", "locale", "*.mo"))
    target = scratch / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    if CATALOGUE.exists():
        shutil.copy(CATALOGUE, target / "django.po")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-wrap"],
        cwd=scratch,
        env=env,
        check=True,
        capture_output=True,
    )
    entries = parse_po(target / "django.po")
    assert entries, "makemessages found no messages at all"
    missing = [f"{e['msgid']!r} ({', '.join(e['refs'])[:80]})" for e in entries if not e["msgstr"] or e["fuzzy"]]
    assert not missing, (
        f"{len(missing)} messages lack a zh-hans translation (run `make messages`, translate rongmei/locale/zh_Hans/LC_MESSAGES/django.po):\n"
        + "\n".join(missing[:80])
    )


def test_chinese_is_the_default_and_english_is_available(client, settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    with translation.override("zh-hans"):
        assert translation.gettext("Leads") != "Leads"
    with translation.override("en"):
        assert translation.gettext("Leads") == "Leads"
