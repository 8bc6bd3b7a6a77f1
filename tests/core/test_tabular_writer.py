"""Writing exports and templates (PLT-08): formula-injection guard, types, round trips."""

# Full-width characters are the point of these tests.
# ruff: noqa: RUF001

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from huike.core.tabular import (
    escape_formula,
    iter_csv,
    read_table,
    template_xlsx,
    unescape_formula,
    write_csv,
    write_xlsx,
)

DANGEROUS = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\t=x",
    "\r=x",
    "＝1+1",
    "＋1",
    "－1",
    "＠x",
    " =1",
]
HARMLESS = ["汇客", "a=b", "1+1", "'quoted", "", "13809228860"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_escape_formula_prefixes_a_quote_and_unescape_undoes_it(text):
    assert escape_formula(text) == "'" + text
    assert unescape_formula(escape_formula(text)) == text


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_left_alone(text):
    assert escape_formula(text) == text
    assert unescape_formula(text) == text


def _xlsx(headers, rows):
    buffer = io.BytesIO()
    count = write_xlsx(buffer, headers, rows)
    buffer.seek(0)
    return count, openpyxl.load_workbook(buffer)


def test_xlsx_escapes_formula_text_but_keeps_numbers_numeric():
    headers = [f"c{i}" for i in range(len(DANGEROUS))] + ["int", "decimal", "float", "phone"]
    row = [*DANGEROUS, -5, Decimal("12.50"), -0.5, "+8613809228860"]
    _count, workbook = _xlsx(headers, [row])
    cells = next(workbook.active.iter_rows(min_row=2))
    for cell, text in zip(cells, DANGEROUS, strict=False):
        assert cell.data_type == "s"  # a string, never a formula ("f")
        # XLSX stores a carriage return as _x000D_, which openpyxl does not decode.
        assert cell.value == "'" + text.replace("\r", "_x000D_")
    int_cell, decimal_cell, float_cell, phone_cell = cells[len(DANGEROUS) :]
    assert int_cell.data_type == "n" and int_cell.value == -5
    assert decimal_cell.data_type == "n" and decimal_cell.value == 12.5
    assert decimal_cell.number_format == "0.00"  # the scale of 12.50 is shown
    assert float_cell.value == -0.5
    assert phone_cell.value == "'+8613809228860"  # text that looks numeric is still escaped


def test_xlsx_header_is_bold_frozen_filtered_and_columns_sized():
    _count, workbook = _xlsx(["名称", "备注"], [["上海浦东发展银行股份有限公司", "x"]])
    sheet = workbook.active
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B2"
    # 14 Chinese characters are 28 columns wide; the short column stays at the minimum.
    assert sheet.column_dimensions["A"].width >= 28
    assert sheet.column_dimensions["B"].width < 12


def test_xlsx_writes_dates_times_and_big_integers_safely():
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    aware = datetime(2026, 11, 22, 1, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    id_number = 110101199003077777  # 18 digits: Excel would change the last ones
    with timezone.override(shanghai):
        _count, workbook = _xlsx(
            ["d", "dt", "t", "id", "flag"],
            [[date(2026, 1, 5), aware, time(9, 15), id_number, True]],
        )
    d, dt, t, id_cell, flag = next(workbook.active.iter_rows(min_row=2))
    assert d.value == datetime(2026, 1, 5) and d.is_date
    assert dt.value == datetime(2026, 11, 22, 9, 30)  # shown in the local time zone
    assert t.value == time(9, 15)
    assert id_cell.data_type == "s" and id_cell.value == str(id_number)
    assert flag.value is True


@pytest.mark.parametrize("engine", ["openpyxl", "calamine"])
def test_xlsx_round_trip_through_read_table(engine):
    headers = ["名称", "签约日", "时间点", "手机", "身份证", "金额", "比例", "空", "公式", "负数"]
    rows = [
        [
            "上海浦东发展银行",
            date(2026, 11, 22),
            datetime(2026, 11, 22, 9, 30, 5),
            13809228860,
            110101199003077777,
            Decimal("1234567.89"),
            Decimal("0.30"),
            None,
            '=HYPERLINK("http://x")',
            -5,
        ],
        {"名称": "北京汇客", "手机": "+8613809228860", "金额": Decimal("-12.50")},
    ]
    buffer = io.BytesIO()
    assert write_xlsx(buffer, headers, rows) == 2
    table = read_table(io.BytesIO(buffer.getvalue()), "export.xlsx", engine=engine)
    assert table.headers == headers
    assert [(row.number, row.values) for row in table] == [
        (
            2,
            {
                "名称": "上海浦东发展银行",
                "签约日": "2026-11-22",
                "时间点": "2026-11-22 09:30:05",
                "手机": "13809228860",
                "身份证": "110101199003077777",
                "金额": "1234567.89",
                "比例": "0.3",
                "空": "",
                "公式": '=HYPERLINK("http://x")',  # escaped on the way out, unescaped back
                "负数": "-5",
            },
        ),
        (
            3,
            {
                **dict.fromkeys(headers, ""),
                "名称": "北京汇客",
                "手机": "+8613809228860",
                "金额": "-12.5",
            },
        ),
    ]


def test_xlsx_accepts_a_path(tmp_path):
    path = tmp_path / "客户.xlsx"
    assert write_xlsx(str(path), ["a"], [[1], [2]]) == 2
    with path.open("rb") as handle:
        assert [row["a"] for row in read_table(handle, path.name)] == ["1", "2"]


def test_xlsx_with_no_rows_still_has_its_header():
    count, workbook = _xlsx(["名称"], [])
    assert count == 0
    assert [c.value for c in workbook.active[1]] == ["名称"]


def _csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def test_csv_escapes_formula_text_but_writes_numbers_plainly():
    out = io.BytesIO()
    count = write_csv(
        out, ["text", "int", "decimal"], [[text, -5, Decimal("12.50")] for text in DANGEROUS]
    )
    assert count == len(DANGEROUS)
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel then opens UTF-8 Chinese correctly
    rows = _csv_rows(data, "utf-8-sig")
    assert rows[0] == ["text", "int", "decimal"]
    for row, text in zip(rows[1:], DANGEROUS, strict=True):
        assert row == ["'" + text, "-5", "12.50"]


def test_csv_gb18030_option_and_types():
    out = io.BytesIO()
    write_csv(
        out,
        ["名称", "日期", "布尔", "空", "浮点"],
        [["汇客𠮷", date(2026, 1, 5), False, None, 0.1 + 0.2]],
        encoding="gb18030",
    )
    data = out.getvalue()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert _csv_rows(data, "gb18030") == [
        ["名称", "日期", "布尔", "空", "浮点"],
        ["汇客𠮷", "2026-01-05", "FALSE", "", "0.3"],
    ]


def test_csv_bom_is_written_once_across_chunks():
    data = b"".join(iter_csv(["a"], ([str(i)] for i in range(1200)), batch_rows=100))
    assert data.count(b"\xef\xbb\xbf") == 1
    assert len(_csv_rows(data, "utf-8-sig")) == 1201


def test_csv_round_trip_through_read_table():
    out = io.BytesIO()
    write_csv(out, ["名称", "备注"], [["=cmd|' /C calc'!A0", "多行\n备注, 含逗号"]])
    rows = [row.values for row in read_table(io.BytesIO(out.getvalue()), "export.csv")]
    assert rows == [{"名称": "=cmd|' /C calc'!A0", "备注": "多行\n备注, 含逗号"}]


def test_template_has_headers_only_on_the_data_sheet_and_example_on_instructions():
    data = template_xlsx(
        ["客户名称", "客户级别", "手机"],
        {"客户名称": "上海浦东发展银行", "客户级别": "A", "手机": "13809228860"},
        ["Fill in one customer per row.", "=not a formula"],
        column_notes={"客户名称": "Required"},
        choices={"客户级别": ["A", "B", "C"]},
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    data_sheet, help_sheet = workbook.worksheets[:2]
    assert [c.value for c in data_sheet[1]] == ["客户名称", "客户级别", "手机"]
    assert data_sheet.max_row == 1
    assert data_sheet["A1"].comment.text == "Required"
    assert data_sheet.freeze_panes == "A2"
    validation = data_sheet.data_validations.dataValidation[0]
    assert validation.type == "list" and "B2" in str(validation.sqref)
    assert help_sheet["A2"].value == "'=not a formula"
    values = [[c.value for c in row] for row in help_sheet.iter_rows()]
    assert ["上海浦东发展银行", "A", "13809228860"] in values
    # The import reads the data sheet: the example can never be imported by mistake.
    table = read_table(io.BytesIO(data), "template.xlsx")
    assert table.headers == ["客户名称", "客户级别", "手机"]
    assert list(table) == []


def test_template_to_stream_returns_nothing():
    out = io.BytesIO()
    assert template_xlsx(["a"], target=out) is None
    assert read_table(io.BytesIO(out.getvalue()), "t.xlsx").headers == ["a"]
