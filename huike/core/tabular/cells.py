"""Cell values in and out of spreadsheets: formula-injection escaping and plain number text.

Shared by the reader and the writers so that what an export escapes, a re-import of the same
file undoes, and so that numbers look the same whichever way they travel.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

# OWASP "CSV injection": a cell whose text starts with one of these is run as a formula (or a
# DDE command) by Excel, WPS or LibreOffice. The full-width forms are included because Chinese
# input methods type them and WPS/Excel treat them like their ASCII twins.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

# Spaces a spreadsheet may skip before deciding that a cell is a formula.
_LEADING_SPACE = " \u3000"

# Excel keeps 15 significant digits; beyond that a number is silently changed.
EXCEL_DIGITS = 15


def needs_escape(text: str) -> bool:
    """True when ``text`` would be taken as a formula if typed into (or opened in) a sheet."""
    stripped = text.lstrip(_LEADING_SPACE)
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def escape_formula(text: str) -> str:
    """Prefix a dangerous text with a single quote, so the sheet shows it as plain text."""
    return "'" + text if needs_escape(text) else text


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula`: an exported file edited and imported again stays the same.

    Only a quote that :func:`escape_formula` would have added is removed; ``'abc`` is kept.
    """
    if text.startswith("'") and needs_escape(text[1:]):
        return text[1:]
    return text


def plain_decimal_text(value: Decimal, *, trim: bool = False) -> str:
    """Decimal as positional text, never in exponent form (1.3809228860E+10 → 13809228860).

    ``trim`` drops trailing fractional zeros (used for numbers read from a sheet, whose
    scale is only display formatting); without it ``Decimal("12.50")`` stays ``"12.50"``.
    """
    if not value.is_finite():
        return str(value)
    if value == 0:
        return "0"
    text = format(value, "f")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def float_to_decimal(value: float) -> Decimal:
    """A float as the number a spreadsheet user sees: at most 15 significant digits.

    ``0.1 + 0.2`` is stored by Excel as 0.30000000000000004 but shown (and meant) as 0.3.
    """
    return Decimal(format(value, f".{EXCEL_DIGITS}g"))


def number_text(value: int | float | Decimal) -> str:
    """Text of a number read from a sheet: integers without ``.0``, no float artefacts."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return plain_decimal_text(float_to_decimal(value), trim=True)
    try:
        return plain_decimal_text(Decimal(value), trim=True)
    except InvalidOperation:
        return str(value)


def temporal_text(value: date | time, *, with_time: bool | None = None) -> str:
    """ISO text for dates and times: ``2026-11-22``, ``2026-11-22 09:30:00``, ``09:30:00``.

    A datetime at midnight is shown as a date unless ``with_time`` says the cell's format
    shows a time (a spreadsheet stores dates as datetimes at midnight).
    """
    if isinstance(value, datetime):
        if with_time is None:
            with_time = value.time() != time(0)
        if not with_time:
            return value.date().isoformat()
        spec = "seconds" if value.microsecond == 0 else "microseconds"
        return value.isoformat(sep=" ", timespec=spec)
    if isinstance(value, date):
        return value.isoformat()
    spec = "seconds" if value.microsecond == 0 else "microseconds"
    return value.isoformat(timespec=spec)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a sheet: Chinese (wide) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
