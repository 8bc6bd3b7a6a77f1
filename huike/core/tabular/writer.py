"""Write exports and import templates as XLSX or CSV, safe to open in Excel, WPS and LibreOffice.

Rules kept in one place for every export (PLT-08):

* Text that a spreadsheet would run as a formula (starts with = + - @, tab or CR, or their
  full-width forms) gets a leading single quote. Values of numeric Python types
  (int, Decimal, float) are written as numbers and never escaped — ``-5`` is a number, not a
  formula. A *string* such as ``"-2+3"`` or ``"+8613809228860"`` is escaped even though it
  looks numeric: the caller decides what is a number by its type, never the writer by
  guessing from text.
* XLSX: numbers with more than 15 significant digits (ID card numbers stored as int) are
  written as text, because Excel would silently change their last digits.
* Aware datetimes are shown in the current Django time zone (sheets have no time zones).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .cells import EXCEL_DIGITS, display_width, escape_formula, plain_decimal_text, temporal_text

# Rows looked at to size the columns before writing starts (constant-memory mode writes
# rows once and in order, so widths must be known first).
_WIDTH_SAMPLE_ROWS = 200
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})

_XLSX_OPTIONS = {
    "constant_memory": True,
    # Never turn text into formulas, links or numbers behind the caller's back.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

Value = Any
RowData = Sequence[Value] | Mapping[str, Value]


def _cells(headers: Sequence[str], row: RowData) -> Sequence[Value]:
    if isinstance(row, Mapping):
        return [row.get(h) for h in headers]
    return row


def _local(value: datetime) -> datetime:
    if timezone.is_aware(value):
        return timezone.make_naive(value, timezone.get_current_timezone())
    return value


def sheet_title(name: str) -> str:
    """A valid worksheet name: at most 31 characters, none of []:*?/\\."""
    return (name.translate(_SHEET_NAME_FORBIDDEN).strip("'") or "Sheet1")[:31]


# --- text form, shared by CSV and width estimates ---------------------------------------


def cell_text(value: Value) -> str:
    """The text written for a value in CSV (and used to size XLSX columns)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return plain_decimal_text(value)
    if isinstance(value, float):
        return format(value, f".{EXCEL_DIGITS}g") if math.isfinite(value) else ""
    if isinstance(value, datetime):
        return temporal_text(_local(value), with_time=True)
    if isinstance(value, date | time):
        return temporal_text(value)
    return escape_formula(str(value))  # lazy translations, UUIDs, model choices …


# --- CSV --------------------------------------------------------------------------------


class _LineBuffer:
    """csv.writer target that hands back each formatted line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def iter_csv(
    headers: Sequence[str],
    rows: Iterable[RowData],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    batch_rows: int = 500,
) -> Iterator[bytes]:
    """Encoded CSV in chunks, for ``StreamingHttpResponse`` or :func:`write_csv`.

    ``utf-8-sig`` writes a BOM so that Excel opens Chinese text correctly; ``gb18030`` suits
    old Excel and WPS set-ups in China (it encodes every Unicode character, so nothing is
    lost).
    """
    encoder = codecs.getincrementalencoder(encoding)()
    writer = csv.writer(_LineBuffer(), delimiter=delimiter, lineterminator="\r\n")
    lines = [writer.writerow([cell_text(h) for h in headers])]
    for row in rows:
        lines.append(writer.writerow([cell_text(v) for v in _cells(headers, row)]))
        if len(lines) >= batch_rows:
            yield encoder.encode("".join(lines))
            lines = []
    yield encoder.encode("".join(lines), final=True)


def write_csv(
    stream: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[RowData],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> int:
    """Write a CSV file to a binary stream; returns the number of data rows written."""
    count = 0

    def counted() -> Iterator[RowData]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for chunk in iter_csv(headers, counted(), encoding=encoding, delimiter=delimiter):
        stream.write(chunk)
    return count


# --- XLSX -------------------------------------------------------------------------------


class _Formats:
    """xlsxwriter formats, created once per workbook and per decimal scale."""

    def __init__(self, workbook: Any):
        self._workbook = workbook
        self.header = workbook.add_format({"bold": True, "bg_color": "#F2F4F7", "border": 1})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.time = workbook.add_format({"num_format": "hh:mm:ss"})
        self.text = workbook.add_format({"num_format": "@"})
        self._scales: dict[int, Any] = {}

    def decimal(self, scale: int) -> Any:
        if scale not in self._scales:
            pattern = "0." + "0" * scale if scale > 0 else "0"
            self._scales[scale] = self._workbook.add_format({"num_format": pattern})
        return self._scales[scale]


def _write_cell(sheet: Any, row: int, col: int, value: Value, formats: _Formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, escape_formula(value))
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int):
        if len(str(abs(value))) > EXCEL_DIGITS:
            sheet.write_string(row, col, str(value))
        else:
            sheet.write_number(row, col, value)
    elif isinstance(value, Decimal):
        digits = value.as_tuple()
        if not value.is_finite() or len(digits.digits) > EXCEL_DIGITS:
            sheet.write_string(row, col, plain_decimal_text(value))
        else:
            exponent = digits.exponent if isinstance(digits.exponent, int) else 0
            sheet.write_number(row, col, float(value), formats.decimal(max(0, -exponent)))
    elif isinstance(value, float):
        if math.isfinite(value):
            sheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, _local(value).replace(tzinfo=None), formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, formats.date)
    elif isinstance(value, time):
        sheet.write_datetime(row, col, value, formats.time)
    else:
        sheet.write_string(row, col, escape_formula(str(value)))


def _widths(headers: Sequence[str], sample: list[Sequence[Value]]) -> list[int]:
    widths = [display_width(str(h)) + 2 for h in headers]  # + room for the filter button
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], display_width(cell_text(value)))
    return [min(_MAX_WIDTH, max(_MIN_WIDTH, w + 2)) for w in widths]


def write_xlsx(
    target: str | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[RowData],
    *,
    sheet_name: str | None = None,
    autofilter: bool = True,
) -> int:
    """Write one sheet: bold frozen header row, sized columns, rows streamed to disk.

    xlsxwriter's constant-memory mode keeps one row in memory at a time, so 100,000+ rows
    cost no more memory than ten. ``target`` is a path or a binary stream (``BytesIO``, an
    ``HttpResponse``…). Returns the number of data rows written.
    """
    import xlsxwriter

    headers = [str(h) for h in headers]
    iterator = iter(rows)
    sample: list[Sequence[Value]] = []
    for row in iterator:
        sample.append(_cells(headers, row))
        if len(sample) >= _WIDTH_SAMPLE_ROWS:
            break

    workbook = xlsxwriter.Workbook(target, _XLSX_OPTIONS)
    try:
        formats = _Formats(workbook)
        sheet = workbook.add_worksheet(sheet_title(sheet_name or _("Data")))
        for index, width in enumerate(_widths(headers, sample)):
            sheet.set_column(index, index, width)
        for col, header in enumerate(headers):
            sheet.write_string(0, col, escape_formula(header), formats.header)
        sheet.freeze_panes(1, 0)

        number = 0
        for number, cells in enumerate(_chain(sample, iterator, headers), start=1):
            for col, value in enumerate(cells):
                _write_cell(sheet, number, col, value, formats)
        if autofilter and headers:
            sheet.autofilter(0, 0, max(number, 1), len(headers) - 1)
    finally:
        workbook.close()
    return number


def _chain(
    sample: list[Sequence[Value]], rest: Iterator[RowData], headers: Sequence[str]
) -> Iterator[Sequence[Value]]:
    yield from sample
    for row in rest:
        yield _cells(headers, row)


def template_xlsx(
    headers: Sequence[str],
    example_row: RowData | None = None,
    notes: Iterable[str] = (),
    *,
    column_notes: Mapping[str, str] | None = None,
    choices: Mapping[str, Sequence[str]] | None = None,
    target: str | IO[bytes] | None = None,
    input_rows: int = 10_000,
) -> bytes | None:
    """An import template: the data sheet first (what the import reads), then instructions.

    * The data sheet holds only the header row: text format on every column, so phone
      numbers and IDs typed in stay digits; ``column_notes`` become comments on the headers;
      ``choices`` become drop-down lists (validated against a hidden sheet).
    * The example row and ``notes`` live on the second sheet, so an example can never be
      imported by mistake.

    Returns the file's bytes when no ``target`` is given.
    """
    import xlsxwriter

    headers = [str(h) for h in headers]
    buffer = io.BytesIO() if target is None else None
    options = {k: v for k, v in _XLSX_OPTIONS.items() if k != "constant_memory"}
    workbook = xlsxwriter.Workbook(buffer if target is None else target, options)
    try:
        formats = _Formats(workbook)
        data = workbook.add_worksheet(sheet_title(_("Data")))
        help_sheet = workbook.add_worksheet(sheet_title(_("Instructions")))
        example = list(_cells(headers, example_row)) if example_row is not None else []

        for col, width in enumerate(_widths(headers, [example] if example else [])):
            data.set_column(col, col, width, formats.text)
            help_sheet.set_column(col, col, width)
        for col, header in enumerate(headers):
            data.write_string(0, col, escape_formula(header), formats.header)
            note = (column_notes or {}).get(header)
            if note:
                data.write_comment(0, col, note, {"x_scale": 2, "y_scale": 1.5})
        data.freeze_panes(1, 0)
        data.activate()

        row = 0
        for line in notes:
            help_sheet.write_string(row, 0, escape_formula(str(line)))
            row += 1
        if example:
            row += 1 if row else 0
            help_sheet.write_string(row, 0, _("Example:"), formats.header)
            row += 1
            for col, header in enumerate(headers):
                help_sheet.write_string(row, col, escape_formula(header), formats.header)
                _write_cell(help_sheet, row + 1, col, example[col], formats)

        if choices:
            lists = workbook.add_worksheet("_lists")
            lists.hide()
            for list_col, (header, options_list) in enumerate(
                (h, c) for h, c in choices.items() if h in headers and c
            ):
                for list_row, option in enumerate(options_list):
                    lists.write_string(list_row, list_col, str(option))
                col = headers.index(header)
                letter = xlsxwriter.utility.xl_col_to_name(list_col)
                data.data_validation(
                    1,
                    col,
                    input_rows,
                    col,
                    {
                        "validate": "list",
                        "source": f"=_lists!${letter}$1:${letter}${len(options_list)}",
                        "error_type": "warning",
                    },
                )
    finally:
        workbook.close()
    return buffer.getvalue() if buffer is not None else None
