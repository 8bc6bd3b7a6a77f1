"""Read an uploaded CSV or XLSX file as a header row plus a stream of rows of text.

Imports (PLT-08) only ever see ``Table``: the file type, text encoding, delimiter and cell
types are settled here, once, so every module's import parses the same strings. Rows are
produced one at a time, so a 100,000-row file is read in constant memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _

from huike.core.errors import DomainError

from .cells import number_text, temporal_text, unescape_formula

DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_COLUMNS = 200
# An .xlsx is a zip archive; this caps what it may expand to (a "zip bomb" guard).
DEFAULT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024

# calamine parses a whole sheet into memory (about 2.5 times its XML size); bigger sheets
# are streamed by openpyxl instead, slower but in near-constant memory.
CALAMINE_MAX_SHEET_BYTES = 64 * 1024 * 1024

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
LEGACY_SUFFIXES = (".xls", ".et", ".ods", ".numbers")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .et (WPS) / .doc
_SAMPLE_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024
_DELIMITERS = ",;\t"
_UNDECODED = re.compile("[\udc80-\udcff]")


class TableError(DomainError):
    """The file cannot be read as a table. ``row`` is the spreadsheet row at fault, if any."""

    def __init__(self, message: str, *, code: str = "invalid_file", row: int | None = None):
        super().__init__(message, code=code)
        self.row = row


@dataclass(slots=True)
class Row:
    """One data row: ``number`` is the 1-based row number the user sees in the sheet.

    ``values`` maps every header to the cell's text ("" for an empty cell). ``extra`` holds
    non-empty cells to the right of the last header, so an import can report them.
    """

    number: int
    values: dict[str, str]
    extra: list[str] = field(default_factory=list)

    def __getitem__(self, header: str) -> str:
        return self.values[header]

    def get(self, header: str, default: str = "") -> str:
        return self.values.get(header, default)


@dataclass(eq=False)
class Table:
    """Headers and a single-pass iterator of rows. Use as a context manager, or call
    :meth:`close`, to release the file when not reading to the end."""

    headers: list[str]
    rows: Iterator[Row]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None
    header_row: int = 1
    engine: str | None = None  # the XLSX reader used

    def __iter__(self) -> Iterator[Row]:
        return self.rows

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(
    uploaded_file: IO[bytes],
    filename: str,
    *,
    sheet: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    encoding: str | None = None,
    delimiter: str | None = None,
    engine: str | None = None,
) -> Table:
    """Open an uploaded CSV or XLSX file (Django ``UploadedFile`` or any binary file).

    The type is decided by the file's content where it is unambiguous (a zip or a legacy
    OLE file) and by the name's suffix otherwise. ``encoding`` and ``delimiter`` override
    the CSV detection. ``engine`` picks the XLSX reader: "calamine" (python-calamine, about
    ten times faster; holds the sheet's cells in memory) or "openpyxl" (streams in
    near-constant memory). By default calamine is used when it is installed and the sheet's
    XML is at most ``CALAMINE_MAX_SHEET_BYTES``.

    Raises :class:`TableError` with a message the user can act on; the row limit is
    enforced while the rows are read.
    """
    stream = _seekable(uploaded_file)
    stream.seek(0)
    magic = stream.read(8)
    stream.seek(0)
    suffix = os.path.splitext(filename or "")[1].lower()

    if magic.startswith(_OLE_MAGIC) or (suffix in LEGACY_SUFFIXES and not magic):
        raise _legacy_error()
    if magic.startswith(_ZIP_MAGIC):
        if suffix in LEGACY_SUFFIXES and suffix not in (".xls", ".et"):
            raise _legacy_error()
        return _read_xlsx(stream, sheet, max_rows, max_columns, max_uncompressed_bytes, engine)
    if suffix in XLSX_SUFFIXES:
        raise TableError(
            _(
                "The file “%(name)s” is not a valid Excel workbook; it may be damaged. "
                "Open it in Excel or WPS and save it again as .xlsx, or save it as CSV."
            )
            % {"name": filename},
            code="corrupt_file",
        )
    if suffix in LEGACY_SUFFIXES:
        raise _legacy_error()
    if suffix in CSV_SUFFIXES:
        return _read_csv(stream, max_rows, max_columns, encoding, delimiter)
    raise TableError(
        _("Files of this type cannot be imported. Upload an .xlsx workbook or a .csv file."),
        code="unsupported_file",
    )


def _legacy_error() -> TableError:
    return TableError(
        _(
            "Old Excel (.xls) and other spreadsheet formats cannot be imported. "
            "Open the file in Excel or WPS and save it as .xlsx (Excel workbook) or CSV."
        ),
        code="legacy_file",
    )


def _seekable(uploaded_file: Any) -> IO[bytes]:
    """The file itself if it can seek (uploads can); otherwise a spooled copy."""
    seekable = getattr(uploaded_file, "seekable", None)
    if seekable is not None and seekable():
        return uploaded_file
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    shutil.copyfileobj(uploaded_file, spool)
    spool.seek(0)
    return spool  # type: ignore[return-value]


# --- shared row assembly ----------------------------------------------------------------


def _headers_from(cells: list[str], max_columns: int, row_number: int) -> list[str]:
    """Clean header texts: BOM and spaces stripped, gaps named, duplicates numbered."""
    cells = [c.replace("\ufeff", "").strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > max_columns:
        raise TableError(
            _("The file has %(count)d columns; at most %(max)d can be imported.")
            % {"count": len(cells), "max": max_columns},
            code="too_many_columns",
            row=row_number,
        )
    headers: list[str] = []
    seen: set[str] = set()
    for index, text in enumerate(cells, start=1):
        name = text or _("Column %(number)d") % {"number": index}
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate)
        headers.append(candidate)
    return headers


def _assemble(
    raw_rows: Iterator[tuple[int, list[str]]], max_rows: int, max_columns: int
) -> tuple[list[str], int, Iterator[Row]]:
    """Split (row number, cell texts) pairs into headers and a stream of non-empty rows."""
    header_number = 0
    header_cells: list[str] | None = None
    try:
        for number, cells in raw_rows:
            if any(c.strip() for c in cells):
                header_number, header_cells = number, cells
                break
        if header_cells is None:
            raise TableError(_("The file is empty: it has no header row."), code="empty_file")
        headers = _headers_from(header_cells, max_columns, header_number)
    except BaseException:
        close = getattr(raw_rows, "close", None)
        if close is not None:
            close()
        raise

    def rows() -> Iterator[Row]:
        width = len(headers)
        count = 0
        try:
            for number, cells in raw_rows:
                cells = [unescape_formula(c.strip()) for c in cells]
                if not any(cells):
                    continue
                count += 1
                if count > max_rows:
                    raise TableError(
                        _("The file has more than %(max)d data rows; split it into smaller files.")
                        % {"max": max_rows},
                        code="too_many_rows",
                        row=number,
                    )
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                yield Row(
                    number=number,
                    values=dict(zip(headers, cells, strict=False)),
                    extra=[c for c in cells[width:] if c],
                )
        finally:
            close = getattr(raw_rows, "close", None)
            if close is not None:
                close()

    return headers, header_number, rows()


# --- CSV --------------------------------------------------------------------------------


def detect_encoding(stream: IO[bytes]) -> str:
    """The text encoding of a CSV file, as Excel and WPS in China save it.

    A BOM decides; otherwise UTF-8 if the whole file is valid UTF-8 (checked in chunks, so
    in constant memory); otherwise GB18030 — the superset of GBK and GB2312 that "CSV" from
    Chinese Excel uses — when the sample decodes as Chinese text; otherwise
    charset-normalizer's best guess.
    """
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    bad_offset = _first_undecodable(stream, "utf-8")
    if bad_offset is None:
        return "utf-8"
    sample = _sample_around(stream, bad_offset)
    if _looks_chinese(sample):
        return "gb18030"
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise TableError(
            _("The text encoding of the file is not recognised. Save it as CSV UTF-8."),
            code="bad_encoding",
        )
    guess = codecs.lookup(best.encoding).name
    if guess in ("gbk", "gb2312", "gb18030", "hz"):
        return "gb18030"
    return guess


def _first_undecodable(stream: IO[bytes], encoding: str) -> int | None:
    """Offset of the first byte that is not valid ``encoding``, or None if all of it is."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    stream.seek(0)
    offset = 0
    try:
        while chunk := stream.read(_CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + max(0, exc.start)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    finally:
        stream.seek(0)
    return None


def _sample_around(stream: IO[bytes], offset: int) -> bytes:
    """Bytes for charset detection starting at the line holding ``offset``.

    The first non-ASCII text may be far into a file; a sample from its start would be
    plain ASCII and tell nothing. A line feed byte never occurs inside a GB18030 or
    Big5 character, so starting after one never splits a character.
    """
    start = max(0, offset - 4096)
    stream.seek(start)
    window = stream.read(_SAMPLE_BYTES)
    stream.seek(0)
    if start:
        newline = window.find(b"\n", 0, offset - start)
        window = window[newline + 1 :] if newline >= 0 else window[offset - start :]
    return window


def _looks_chinese(sample: bytes) -> bool:
    """True when the sample decodes as GB18030 into mostly Chinese characters.

    GB18030 accepts many byte sequences, so a Latin-1 file would also "decode"; requiring
    the non-ASCII characters to be CJK ideographs or CJK punctuation tells them apart.
    """
    text = codecs.getincrementaldecoder("gb18030")(errors="strict")
    try:
        decoded = text.decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    wide = [ch for ch in decoded if ord(ch) > 0x7F]
    if not wide:
        return False
    chinese = sum(
        1
        for ch in wide
        if 0x3000 <= ord(ch) <= 0x9FFF or 0xFF00 <= ord(ch) <= 0xFFEF or ord(ch) >= 0x20000
    )
    return chinese / len(wide) >= 0.8


def detect_delimiter(sample_text: str) -> str:
    """Comma, semicolon or tab, guessed from the first lines; comma when unsure."""
    first_line = sample_text.split("\n", 1)[0]
    try:
        guess = csv.Sniffer().sniff(sample_text, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        guess = ""
    if guess and guess in first_line:
        return guess
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Borrowed(io.RawIOBase):
    """Reads through to a caller's file without closing it when the text wrapper goes."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _open_text(stream: IO[bytes], encoding: str) -> io.TextIOWrapper:
    """Text view of the file from its start. Undecodable bytes become lone surrogates
    (``surrogateescape``) so that the row holding them can be named."""
    stream.seek(0)
    return io.TextIOWrapper(
        io.BufferedReader(_Borrowed(stream), buffer_size=_CHUNK_BYTES),
        encoding=encoding,
        errors="surrogateescape",
        newline="",
    )


def _read_csv(
    stream: IO[bytes],
    max_rows: int,
    max_columns: int,
    encoding: str | None,
    delimiter: str | None,
) -> Table:
    encoding = encoding or detect_encoding(stream)
    text = _open_text(stream, encoding)
    if delimiter is None:
        delimiter = detect_delimiter(text.read(_SAMPLE_BYTES // 4))
        text = _open_text(stream, encoding)

    def raw_rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(text, delimiter=delimiter)
        number = 0
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise TableError(
                        _("Row %(row)d cannot be read: %(reason)s")
                        % {"row": number + 1, "reason": exc},
                        code="bad_row",
                        row=number + 1,
                    ) from exc
                number += 1
                # Undecodable bytes arrive as lone surrogates (errors="surrogateescape"),
                # so the row at fault can be named instead of the 1 MB chunk around it.
                if any(_UNDECODED.search(cell) for cell in cells):
                    raise _decode_error(encoding, number)
                yield number, cells
        finally:
            text.detach()

    headers, header_row, rows = _assemble(raw_rows(), max_rows, max_columns)
    return Table(
        headers=headers,
        rows=rows,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
    )


def _decode_error(encoding: str, row: int) -> TableError:
    return TableError(
        _(
            "Row %(row)d is not valid %(encoding)s text. In Excel or WPS, save the file as "
            "“CSV UTF-8” and upload it again."
        )
        % {"row": row, "encoding": encoding.upper()},
        code="bad_encoding",
        row=row,
    )


# --- XLSX -------------------------------------------------------------------------------


def _read_xlsx(
    stream: IO[bytes],
    sheet: str | None,
    max_rows: int,
    max_columns: int,
    max_uncompressed_bytes: int,
    engine: str | None,
) -> Table:
    corrupt = TableError(
        _(
            "The file is not a valid Excel workbook; it may be damaged. Open it in Excel or "
            "WPS and save it again as .xlsx, or save it as CSV."
        ),
        code="corrupt_file",
    )
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            expanded = sum(info.file_size for info in archive.infolist())
            # What calamine would hold in memory: the biggest sheet plus the shared strings.
            sheet_bytes = max(
                (
                    info.file_size
                    for info in archive.infolist()
                    if info.filename.startswith("xl/worksheets/")
                ),
                default=0,
            ) + sum(
                info.file_size
                for info in archive.infolist()
                if info.filename == "xl/sharedStrings.xml"
            )
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise corrupt from exc
    if "xl/workbook.xml" not in names:
        raise corrupt
    if expanded > max_uncompressed_bytes:
        raise TableError(
            _("The workbook is too large to import; split it into smaller files."),
            code="too_large",
        )
    stream.seek(0)
    if engine is None:
        fits = sheet_bytes <= CALAMINE_MAX_SHEET_BYTES
        engine = "calamine" if fits and _calamine_available() else "openpyxl"
    if engine == "calamine":
        return _read_xlsx_calamine(stream, sheet, max_rows, max_columns, corrupt)

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and similar noise
            workbook = openpyxl.load_workbook(
                stream, read_only=True, data_only=True, keep_links=False
            )
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise corrupt from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise TableError(
                _("The workbook has no sheet named “%(sheet)s”; its sheets are: %(sheets)s.")
                % {"sheet": sheet, "sheets": ", ".join(workbook.sheetnames)},
                code="no_sheet",
            )
        if not hasattr(worksheet, "iter_rows"):  # a chart sheet
            raise TableError(_("The first sheet of the workbook holds no table."), code="no_sheet")
        # The stored dimension may claim thousands of formatted but empty columns; without it
        # each row is only as long as its last written cell.
        worksheet.reset_dimensions()
    except BaseException:
        workbook.close()
        raise

    def raw_rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(worksheet.iter_rows(), start=1):
                if len(cells) > max_columns * 4 + 64:
                    cells = _trim_empty(cells)
                yield number, [_cell_text(cell) for cell in cells]
        except TableError:
            raise
        except Exception as exc:
            raise corrupt from exc
        finally:
            workbook.close()

    headers, header_row, rows = _assemble(raw_rows(), max_rows, max_columns)
    return Table(
        headers=headers,
        rows=rows,
        format="xlsx",
        sheet_name=worksheet.title,
        header_row=header_row,
        engine="openpyxl",
    )


def _calamine_available() -> bool:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


def _read_xlsx_calamine(
    stream: IO[bytes], sheet: str | None, max_rows: int, max_columns: int, corrupt: TableError
) -> Table:
    """XLSX through python-calamine (Rust): the whole sheet is parsed at once, fast."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
    except Exception as exc:  # CalamineError, ZipError, XmlError …
        raise corrupt from exc
    try:
        if sheet is None:
            worksheet = workbook.get_sheet_by_index(0)
        elif sheet in workbook.sheet_names:
            worksheet = workbook.get_sheet_by_name(sheet)
        else:
            raise TableError(
                _("The workbook has no sheet named “%(sheet)s”; its sheets are: %(sheets)s.")
                % {"sheet": sheet, "sheets": ", ".join(workbook.sheet_names)},
                code="no_sheet",
            )
        if worksheet.width > max_columns * 4 + 64:
            # Cells far to the right (often stray formatting) would make every row that wide.
            raise TableError(
                _("The file has %(count)d columns; at most %(max)d can be imported.")
                % {"count": worksheet.width, "max": max_columns},
                code="too_many_columns",
            )
        if worksheet.height > max_rows * 2 + 1000:
            raise TableError(
                _("The file has more than %(max)d data rows; split it into smaller files.")
                % {"max": max_rows},
                code="too_many_rows",
            )
    except TableError:
        workbook.close()
        raise
    except Exception as exc:
        workbook.close()
        raise corrupt from exc
    # Rows start at row 1 but columns at the first used one: pad so that column numbers,
    # and so generated header names, match the openpyxl reader.
    left = [""] * worksheet.start[1] if worksheet.start else []

    def raw_rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(worksheet.iter_rows(), start=1):
                yield number, left + [_value_text(value) for value in values]
        except TableError:
            raise
        except Exception as exc:
            raise corrupt from exc
        finally:
            workbook.close()

    headers, header_row, rows = _assemble(raw_rows(), max_rows, max_columns)
    return Table(
        headers=headers,
        rows=rows,
        format="xlsx",
        sheet_name=worksheet.name,
        header_row=header_row,
        engine="calamine",
    )


def _trim_empty(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(cells)
    while end and getattr(cells[end - 1], "value", None) in (None, ""):
        end -= 1
    return cells[:end]


def _cell_text(cell: Any) -> str:
    """A cell's value as the text a user would type: see ``docs/development/tabular.md``."""
    value = cell.value
    if isinstance(value, date | time):
        return temporal_text(value, with_time=_format_shows_time(cell) or None)
    return _value_text(value)


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    if isinstance(value, date | time):
        return temporal_text(value)
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _format_shows_time(cell: Any) -> bool:
    """True when the cell's number format displays hours, minutes or seconds."""
    number_format = getattr(cell, "number_format", "") or ""
    plain, in_quotes = [], False
    for ch in number_format:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes:
            plain.append(ch)
    plain_text = "".join(plain).lower().split(";", 1)[0]
    return "h" in plain_text or "s" in plain_text
