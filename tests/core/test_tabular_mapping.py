"""Column mapping suggestions for imports (PLT-08)."""

# Full-width characters are the point of these tests.
# ruff: noqa: RUF001

from __future__ import annotations

from django.utils.translation import gettext_lazy

from huike.core.tabular import normalise_header, suggest_mapping

FIELDS = [
    ("name", ["客户名称", "Customer name"]),
    ("phone", ["电话", "Phone"]),
    ("email", ["邮箱", "E-mail"]),
    ("level", [gettext_lazy("Level")]),
    ("owner_id", ["负责人", "Owner"]),
]


def test_headers_match_names_and_labels_in_either_language():
    headers = ["客户名称", "Phone", "E-MAIL", "level", "owner_id", "地址"]
    assert suggest_mapping(headers, FIELDS) == {
        "客户名称": "name",
        "Phone": "phone",
        "E-MAIL": "email",
        "level": "level",
        "owner_id": "owner_id",
        "地址": None,
    }


def test_width_case_spaces_and_required_marks_are_ignored():
    headers = ["*客户名称", "ＣＵＳＴＯＭＥＲ　ＮＡＭＥ", "电 话：", "Ｅ-mail", "owner id"]
    # The first header naming a field wins; the second "customer name" gets nothing.
    assert suggest_mapping(headers, FIELDS) == {
        "*客户名称": "name",
        "ＣＵＳＴＯＭＥＲ　ＮＡＭＥ": None,
        "电 话：": "phone",
        "Ｅ-mail": "email",
        "owner id": "owner_id",
    }


def test_bracketed_remarks_are_tried_after_exact_matches():
    headers = ["电话（手机）", "Phone", "负责人(必填)"]
    mapping = suggest_mapping(headers, FIELDS)
    # "Phone" matches exactly, so the bracketed variant does not steal the field.
    assert mapping == {"电话（手机）": None, "Phone": "phone", "负责人(必填)": "owner_id"}


def test_no_fuzzy_guesses():
    assert suggest_mapping(["客户", "Name of customer", "mail"], FIELDS) == {
        "客户": None,
        "Name of customer": None,
        "mail": None,
    }


def test_normalise_header():
    assert normalise_header(" Customer_Name* ") == "customername"
    assert normalise_header("ＡＢＣ：１") == "abc1"
