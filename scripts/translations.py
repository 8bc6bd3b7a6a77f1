"""Keep the zh-Hans and en catalogues complete (ARCHITECTURE rule 5).

    .venv/bin/python scripts/translations.py          # update huike/locale/*/django.po in
                                                      # place, then list what zh_Hans lacks
    .venv/bin/python scripts/translations.py --check  # only list, change nothing
    .venv/bin/python scripts/translations.py --fill a.json [b.json …]
                                                      # update, then fill empty zh_Hans
                                                      # msgstrs from {"msgid": "译文"} files

The same extraction and .po reading back tests/core/test_translations.py, so the script and
the test never disagree about what "complete" means. Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "huike"
LOCALES = ("zh_Hans", "en")
#: The locale whose every msgstr must be filled in; English falls back to the msgid.
TRANSLATED_LOCALE = "zh_Hans"
IGNORE = (".venv", "frontend", "tests", "var")


@dataclass
class Entry:
    msgid: str
    context: str | None = None
    plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstrs) and all(s.strip() for s in self.msgstrs)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def label(self) -> str:
        text = repr(self.msgid)
        if self.plural is not None:
            text += f" / plural {self.plural!r}"
        if self.context is not None:
            text += f" (context {self.context!r})"
        return text


def parse_po(path: Path) -> dict[tuple[str | None, str], Entry]:
    """The live entries of a .po file (obsolete ``#~`` ones and the header left out)."""
    entries: dict[tuple[str | None, str], Entry] = {}
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string continuation lines extend
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None and current.msgid != "":
            entries[current.key] = current
        current = None

    def literal(token: str) -> str:
        return ast.literal_eval(token.strip())

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            finish()
            pending_flags = {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                continue
            name, index = target
            value = literal(line)
            if name == "msgctxt":
                current.context = (current.context or "") + value
            elif name == "msgid":
                current.msgid += value
            elif name == "msgid_plural":
                current.plural = (current.plural or "") + value
            else:
                current.msgstrs[index] += value
            continue
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstrs)):
            finish()
            current = Entry(msgid="", flags=pending_flags)
            pending_flags = set()
        if current is None:
            continue
        if keyword == "msgctxt":
            current.context, target = literal(rest), ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = literal(rest), ("msgid", 0)
        elif keyword == "msgid_plural":
            current.plural, target = literal(rest), ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            current.msgstrs.append(literal(rest))
            target = ("msgstr", len(current.msgstrs) - 1)
    finish()
    return entries


def makemessages(package_dir: Path, *, keep_obsolete: bool = True) -> None:
    """Run Django's makemessages for both locales with ``package_dir`` as the working directory.

    Settings are deliberately not loaded: with them makemessages would also write to the
    project's LOCALE_PATHS, which must stay untouched when extracting into a copy.
    """
    (package_dir / "locale").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "django", "makemessages", "--no-location", "--verbosity=0"]
    command += [f"--locale={code}" for code in LOCALES]
    command += [f"--ignore={name}" for name in IGNORE]
    if not keep_obsolete:
        command.append("--no-obsolete")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        command, cwd=package_dir, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"makemessages failed:\n{result.stdout}\n{result.stderr}")


def extract_msgids() -> dict[tuple[str | None, str], Entry]:
    """Every translatable string of the project, extracted from a scratch copy of huike/."""
    with tempfile.TemporaryDirectory(prefix="huike-messages-") as scratch:
        copy = Path(scratch) / "huike"
        shutil.copytree(
            PACKAGE,
            copy,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "vendor", *IGNORE),
        )
        makemessages(copy)
        return parse_po(copy / "locale" / TRANSLATED_LOCALE / "LC_MESSAGES" / "django.po")


def catalogue_path(locale: str) -> Path:
    return PACKAGE / "locale" / locale / "LC_MESSAGES" / "django.po"


def problems(extracted: dict[tuple[str | None, str], Entry], locale: str) -> dict[str, list[Entry]]:
    """What the committed catalogue of ``locale`` lacks: missing, untranslated, fuzzy."""
    path = catalogue_path(locale)
    found = parse_po(path) if path.exists() else {}
    report: dict[str, list[Entry]] = {"missing": [], "untranslated": [], "fuzzy": []}
    for key, entry in sorted(extracted.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        have = found.get(key)
        if have is None:
            report["missing"].append(entry)
        elif have.fuzzy:
            report["fuzzy"].append(have)
        elif locale == TRANSLATED_LOCALE and not have.translated:
            report["untranslated"].append(have)
    return report


def describe(locale: str, report: dict[str, list[Entry]]) -> str:
    path = catalogue_path(locale)
    path = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = []
    if not catalogue_path(locale).exists():
        lines.append(f"{path} does not exist.")
    for kind, entries in report.items():
        if entries:
            lines.append(f"{path}: {len(entries)} {kind} msgid(s):")
            lines += [f"    {e.label()}" for e in entries]
    if lines:
        lines.append(
            "Fix: run `.venv/bin/python scripts/translations.py` (updates the .po files), "
            "fill in the listed msgstr (and drop the fuzzy flags once checked), then "
            "`make messages` to compile."
        )
    return "\n".join(lines)


def _block_msgid(lines: list[str]) -> tuple[str | None, str, bool]:
    """(context, msgid, plural?) of one .po entry given as its lines."""
    context: str | None = None
    msgid = ""
    plural = False
    target = ""
    for raw in lines:
        line = raw.strip()
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target == "msgctxt":
                context = (context or "") + ast.literal_eval(line)
            elif target == "msgid":
                msgid += ast.literal_eval(line)
            continue
        target = keyword
        if keyword == "msgctxt":
            context = ast.literal_eval(rest)
        elif keyword == "msgid":
            msgid = ast.literal_eval(rest)
        elif keyword == "msgid_plural":
            plural = True
    return context, msgid, plural


def _po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def fill(locale: str, translations: dict[str, str | list[str]]) -> list[str]:
    """Write ``translations`` (msgid → msgstr; a list for plural forms) into the empty or
    fuzzy entries of ``locale``'s catalogue; returns the msgids filled. Entries that already
    have a translation are left alone: a reviewed msgstr is never overwritten."""
    path = catalogue_path(locale)
    found = parse_po(path)
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    filled = []
    for index, block in enumerate(blocks):
        lines = block.split("\n")
        if any(line.startswith("#~") for line in lines):
            continue
        context, msgid, plural = _block_msgid(lines)
        wanted = translations.get(msgid)
        entry = found.get((context, msgid))
        if not msgid or wanted is None or entry is None:
            continue
        if entry.translated and not entry.fuzzy:
            continue
        forms = wanted if isinstance(wanted, list) else [wanted]
        # Comments, flags and the msgid (with its continuation lines) stay; msgstr goes.
        head = []
        in_msgstr = False
        for line in lines:
            if line.startswith("msgstr"):
                in_msgstr = True
            if in_msgstr or line.startswith("#| "):
                continue
            if line.startswith("#,") and "fuzzy" in line:
                flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
                if flags:
                    head.append("#, " + ", ".join(flags))
                continue
            head.append(line)
        if plural:
            tail = [f"msgstr[{n}] {_po_string(form)}" for n, form in enumerate(forms)]
        else:
            tail = [f"msgstr {_po_string(forms[0])}"]
        blocks[index] = "\n".join(head + tail)
        filled.append(msgid)
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return filled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only; change no file")
    parser.add_argument(
        "--fill",
        nargs="+",
        metavar="JSON",
        help=f"files of {{msgid: translation}} to fill into the {TRANSLATED_LOCALE} catalogue",
    )
    args = parser.parse_args(argv)
    if not args.check:
        makemessages(PACKAGE, keep_obsolete=False)
    if args.fill and not args.check:
        import json

        translations: dict[str, str | list[str]] = {}
        for name in args.fill:
            translations.update(json.loads(Path(name).read_text(encoding="utf-8")))
        filled = fill(TRANSLATED_LOCALE, translations)
        print(f"Filled {len(filled)} msgid(s) into {TRANSLATED_LOCALE}.")
    extracted = extract_msgids()
    status = 0
    for locale in LOCALES:
        text = describe(locale, problems(extracted, locale))
        if text:
            print(text)
            status = 1
    if not status:
        print(f"Complete: {len(extracted)} msgids in {', '.join(LOCALES)}.")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
