"""Spreadsheet import and export helpers (PLT-08): read CSV/XLSX uploads, write safe exports.

Pure functions with no database access; see ``docs/development/tabular.md``.
"""

from .cells import escape_formula, needs_escape, unescape_formula
from .mapping import normalise_header, suggest_mapping
from .reader import (
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_ROWS,
    Row,
    Table,
    TableError,
    detect_delimiter,
    detect_encoding,
    read_table,
)
from .writer import cell_text, iter_csv, template_xlsx, write_csv, write_xlsx

__all__ = [
    "DEFAULT_MAX_COLUMNS",
    "DEFAULT_MAX_ROWS",
    "Row",
    "Table",
    "TableError",
    "cell_text",
    "detect_delimiter",
    "detect_encoding",
    "escape_formula",
    "iter_csv",
    "needs_escape",
    "normalise_header",
    "read_table",
    "suggest_mapping",
    "template_xlsx",
    "unescape_formula",
    "write_csv",
    "write_xlsx",
]
