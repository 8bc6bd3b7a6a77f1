"""Rule 5: every user-facing string is translated into Simplified Chinese, and the English
catalogue knows every string too (an empty English msgstr means "same as the msgid").

The catalogues are generated and translated by the lead with scripts/translations.py; these
tests say exactly which msgids are missing, untranslated or fuzzy, and how to fix it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR).parent
_spec = importlib.util.spec_from_file_location(
    "huike_translations", ROOT / "scripts" / "translations.py"
)
messages = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = messages  # dataclasses look their module up there
_spec.loader.exec_module(messages)


@pytest.fixture(scope="module")
def extracted():
    return messages.extract_msgids()


def test_extraction_finds_python_and_template_strings(extracted):
    keys = {msgid for _context, msgid in extracted}
    assert "Workbench" in keys  # gettext_lazy in huike/core/apps.py
    assert "Mark all as read" in keys  # {% translate %} in a template
    assert "Unread notifications: %(count)s" in keys  # {% blocktranslate %}


@pytest.mark.parametrize("locale", messages.LOCALES)
def test_catalogue_is_complete(extracted, locale):
    report = messages.problems(extracted, locale)
    assert not any(report.values()), "\n" + messages.describe(locale, report)


def sidebar(html: str) -> str:
    return html[html.index('id="sidebar-menu"') : html.index("</aside>")]


@pytest.mark.parametrize(
    ("accept", "expected", "absent"),
    [("zh-hans", "工作台", "Workbench"), ("en", "Workbench", "工作台")],
)
def test_menu_label_follows_the_browser_language(demo, login, accept, expected, absent):
    compiled = ROOT / "huike" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    assert compiled.exists(), f"{compiled.relative_to(ROOT)} is missing: run `make messages`"
    admin = demo["admin"]
    admin.language = ""  # follow the browser
    admin.save(update_fields=["language"])
    html = login("admin").get(reverse("workbench"), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    menu = sidebar(html)
    assert re.search(rf'data-menu="workbench"[^>]*>.*?{expected}', menu, re.S), (
        f'the workbench menu item does not read "{expected}" for Accept-Language: {accept}'
    )
    assert absent not in menu
    translation.activate(settings.LANGUAGE_CODE)


# -- the checker itself ---------------------------------------------------------------------

SAMPLE = r"""# header comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

msgid "Workbench"
msgstr "工作台"

#, fuzzy, python-format
msgid "Hello %(name)s"
msgstr "你好 %(name)s"

msgctxt "menu"
msgid "Open"
msgstr ""

msgid ""
"A long "
"string with \"quotes\"\n"
msgstr ""
"一个长"
"字符串"

msgid "%(count)s record"
msgid_plural "%(count)s records"
msgstr[0] "%(count)s 条记录"

#~ msgid "Old"
#~ msgstr "旧"
"""


def test_parse_po_reads_every_form(tmp_path):
    path = tmp_path / "django.po"
    path.write_text(SAMPLE, encoding="utf-8")
    entries = messages.parse_po(path)
    assert set(entries) == {
        (None, "Workbench"),
        (None, "Hello %(name)s"),
        ("menu", "Open"),
        (None, 'A long string with "quotes"\n'),
        (None, "%(count)s record"),
    }
    assert entries[(None, "Workbench")].translated
    assert entries[(None, "Hello %(name)s")].fuzzy
    assert not entries[("menu", "Open")].translated
    assert entries[(None, 'A long string with "quotes"\n')].msgstrs == ["一个长字符串"]
    plural = entries[(None, "%(count)s record")]
    assert plural.plural == "%(count)s records" and plural.translated


def test_problems_lists_missing_untranslated_and_fuzzy(tmp_path, monkeypatch):
    catalogue = tmp_path / "django.po"
    catalogue.write_text(SAMPLE, encoding="utf-8")
    monkeypatch.setattr(messages, "catalogue_path", lambda locale: catalogue)
    extracted = {
        (None, "Workbench"): messages.Entry("Workbench"),
        (None, "Hello %(name)s"): messages.Entry("Hello %(name)s"),
        ("menu", "Open"): messages.Entry("Open", context="menu"),
        (None, "Brand new"): messages.Entry("Brand new"),
    }
    zh = messages.problems(extracted, "zh_Hans")
    assert [e.msgid for e in zh["missing"]] == ["Brand new"]
    assert [e.msgid for e in zh["untranslated"]] == ["Open"]
    assert [e.msgid for e in zh["fuzzy"]] == ["Hello %(name)s"]
    en = messages.problems(extracted, "en")
    assert en["untranslated"] == []  # English may leave msgstr empty
    assert [e.msgid for e in en["missing"]] == ["Brand new"]


def test_fill_writes_only_empty_or_fuzzy_entries(tmp_path, monkeypatch):
    """scripts/translations.py --fill: helpers hand in {msgid: 译文}; a reviewed msgstr is kept."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        'msgid "Kept"\nmsgstr "已审"\n\n'
        '#, fuzzy, python-format\n#| msgid "Old %(x)s"\nmsgid ""\n"Long %(x)s "\n"text"\n'
        'msgstr "旧"\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] ""\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(messages, "catalogue_path", lambda locale: po)
    filled = messages.fill(
        "zh_Hans", {"Kept": "新", "Long %(x)s text": '长"%(x)s"', "One": ["多个"], "Absent": "无"}
    )
    assert sorted(filled) == ["Long %(x)s text", "One"]
    entries = messages.parse_po(po)
    assert entries[(None, "Kept")].msgstrs == ["已审"]
    long = entries[(None, "Long %(x)s text")]
    assert long.msgstrs == ['长"%(x)s"'] and not long.fuzzy and "python-format" in long.flags
    assert entries[(None, "One")].msgstrs == ["多个"]
