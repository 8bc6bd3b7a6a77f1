# ruff: noqa: RUF001  (full-width characters are the subject here)
"""Text keys (huike.core.text): duplicate keys for CUS-02 and search keys for PLT-06.

Table-driven: one row per rule, so a changed rule shows which names change key.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huike.core.text import (
    MAX_SEARCH_KEY_LENGTH,
    digit_prefix_bounds,
    normalise_company_name,
    normalise_email,
    normalise_phone,
    normalise_search_query,
    phone_reverse_key,
    phone_suffix_keys,
    pinyin_abbreviation,
    pinyin_full,
    pinyin_initials,
    search_keys,
)

# -- company names ----------------------------------------------------------------------------

NAME_KEYS = [
    # Chinese legal forms, longest first and repeatedly
    ("上海浦东发展银行股份有限公司", "上海浦东发展银行"),
    ("上海浦东发展银行", "上海浦东发展银行"),
    ("汇客科技有限公司", "汇客科技"),
    ("汇客科技有限责任公司", "汇客科技"),
    ("汇客科技股份公司", "汇客科技"),
    ("汇客科技公司", "汇客科技"),
    ("万科集团有限公司", "万科"),
    ("万科集团", "万科"),
    ("万科集团股份有限公司", "万科"),
    ("万科（集团）有限公司", "万科"),
    ("汇客科技有限公司 有限公司", "汇客科技"),
    # Latin legal forms, any case and punctuation, whole words only
    ("ABC Co., Ltd.", "abc"),
    ("ABC Co.,Ltd", "abc"),
    ("ABC CO LTD", "abc"),
    ("abc co ltd", "abc"),
    ("ABC Ltd.", "abc"),
    ("ABC Limited", "abc"),
    ("ABC Company Limited", "abc"),
    ("ABC Inc.", "abc"),
    ("ABC Inc", "abc"),
    ("Intel Corp.", "intel"),
    ("Intel Corporation", "intel"),
    ("Acme LLC", "acme"),
    ("Siemens GmbH", "siemens"),
    ("汇客Ltd.", "汇客"),
    ("Zinc", "zinc"),
    ("Costco", "costco"),
    ("ABCco", "abcco"),
    # full width, case, spaces and punctuation
    ("ＡＢＣ（上海）", "abc上海"),
    ("ＡＢＣ（上海）有限公司", "abc上海"),
    ("Huike", "huike"),
    ("HUIKE", "huike"),
    ("汇 客\u3000科 技", "汇客科技"),
    ("  汇客科技\t\n", "汇客科技"),
    ("【汇客】科技", "汇客科技"),
    ("「汇客」·科技", "汇客科技"),
    ("汇客-科技_集团/A&B", "汇客科技集团ab"),
    ("汇客，科技、有限公司", "汇客科技"),
    ("汇客\u200b科技", "汇客科技"),
    ("A+B 科技", "a+b科技"),
    # regions are part of the name; brackets go, their content stays
    ("(上海)汇客有限公司", "上海汇客"),
    ("（上海）汇客有限公司", "上海汇客"),
    ("上海汇客有限公司", "上海汇客"),
    ("北京汇客有限公司", "北京汇客"),
    ("汇客（上海）有限公司", "汇客上海"),
    # branches and subsidiaries are different customers
    ("汇客科技有限公司上海分公司", "汇客科技有限公司上海分公司"),
    ("汇客科技有限公司 上海 分公司", "汇客科技有限公司上海分公司"),
    ("汇客科技子公司", "汇客科技子公司"),
    # nothing but legal forms or punctuation keeps a key
    ("有限公司", "有限公司"),
    ("集团有限公司", "集团有限公司"),
    ("公司", "公司"),
    ("Co., Ltd.", "coltd"),
    ("LIMITED", "limited"),
    ("？？？", "???"),
    ("! !", "!!"),
    # nothing at all
    ("", ""),
    ("   ", ""),
    ("\u3000", ""),
    (None, ""),
]


@pytest.mark.parametrize(("name", "key"), NAME_KEYS)
def test_company_name_key(name, key):
    assert normalise_company_name(name) == key


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("上海浦东发展银行股份有限公司", "上海浦东发展银行"),
        ("ABC Co., Ltd.", "abc"),
        ("ＡＢＣ科技有限公司", "ABC科技有限公司"),
        ("汇客 科技", "汇客科技"),
        ("（上海）汇客", "(上海)汇客"),
        ("汇客科技有限公司", "汇客科技 Co., Ltd."),
    ],
)
def test_names_that_collide(left, right):
    assert normalise_company_name(left) == normalise_company_name(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("上海汇客有限公司", "北京汇客有限公司"),
        ("汇客科技有限公司", "汇客科技有限公司上海分公司"),
        ("汇客科技上海分公司", "汇客科技北京分公司"),
        ("Zinc", "Z"),
        ("???", "!!!"),
    ],
)
def test_names_that_stay_apart(left, right):
    assert normalise_company_name(left) != normalise_company_name(right)


def test_docstring_documents_every_rule():
    doc = normalise_company_name.__doc__
    for example in ("ＡＢＣ（上海）", "Co., Ltd.", "分公司", "北京汇客", "有限公司", "Zinc"):
        assert example in doc


# -- phones -----------------------------------------------------------------------------------

PHONES = [
    ("+86 138 0922 8860", "13809228860"),
    ("+8613809228860", "13809228860"),
    ("0086 13809228860", "13809228860"),
    ("8613809228860", "13809228860"),
    ("86 138-0922-8860", "13809228860"),
    ("013809228860", "13809228860"),
    ("138 0922 8860", "13809228860"),
    ("１３８０９２２８８６０", "13809228860"),
    ("＋８６ １３８０９２２８８６０", "13809228860"),
    ("Tel: +86 138 0922 8860", "13809228860"),
    ("021-5888-8888", "02158888888"),
    ("021-5888 8888", "02158888888"),
    ("(021) 58888888", "02158888888"),
    ("（０２１）５８８８８８８８", "02158888888"),
    ("+86 21 5888 8888", "02158888888"),
    ("+86 (0)21 5888 8888", "02158888888"),
    ("0086-21-58888888", "02158888888"),
    ("010-12345678", "01012345678"),
    ("0755-8888 8888", "075588888888"),
    ("+86 400 820 8820", "4008208820"),
    ("400-820-8820", "4008208820"),
    ("021-58888888转123", "02158888888"),
    ("021-58888888 分机 123", "02158888888"),
    ("021-58888888 ext. 123", "02158888888"),
    ("021-58888888x123", "02158888888"),
    ("021-58888888#123", "02158888888"),
    ("13800138000 / 13900139000", "13800138000"),
    ("13800138000, 13900139000", "13800138000"),
    ("+1 415 555 0100", "14155550100"),
    ("001 415 555 0100", "14155550100"),
    ("5888 8888", "58888888"),
    ("+0086 13800138000", "13800138000"),
    ("no phone", ""),
    ("", ""),
    (None, ""),
]


@pytest.mark.parametrize(("text", "number"), PHONES)
def test_normalise_phone(text, number):
    assert normalise_phone(text) == number


def test_phone_suffix_keys():
    assert phone_suffix_keys("+86 138 0922 8860") == [
        "8860",
        "28860",
        "228860",
        "9228860",
        "09228860",
        "809228860",
        "3809228860",
        "13809228860",
    ]
    assert phone_suffix_keys("021-5888-8888", min_length=8)[0] == "58888888"
    assert phone_suffix_keys("110") == ["110"]
    assert phone_suffix_keys("") == []


def test_phone_reverse_key():
    assert phone_reverse_key("+86 138 0922 8860") == "06882290831"
    assert phone_reverse_key("") == ""


@pytest.mark.parametrize(
    ("prefix", "bounds"),
    [
        ("0688", ("0688", "0689")),
        ("0", ("0", "1")),
        ("0699", ("0699", "07")),
        ("1999", ("1999", "2")),
        ("99", ("99", None)),
    ],
)
def test_digit_prefix_bounds(prefix, bounds):
    assert digit_prefix_bounds(prefix) == bounds


@pytest.mark.parametrize("bad", ["", "12a", "１２"])
def test_digit_prefix_bounds_refuses_non_digits(bad):
    with pytest.raises(ValueError):
        digit_prefix_bounds(bad)


def test_last_digits_search_with_reversed_column_uses_an_index():
    """The recipe in docs/development/text.md, on SQLite: a reversed column, a btree index and
    a range finds numbers by their last 4+ digits without scanning."""
    db = sqlite3.connect(":memory:")
    db.execute("create table customer (id integer primary key, phone_rev text)")
    db.execute("create index customer_phone_rev on customer (phone_rev)")
    phones = ["+86 138 0922 8860", "021-5888-8888", "13900008860", "13900009999", "4008208820"]
    db.executemany(
        "insert into customer (phone_rev) values (?)", [(phone_reverse_key(p),) for p in phones]
    )

    def search(last_digits: str) -> list[int]:
        low, high = digit_prefix_bounds(normalise_phone(last_digits)[::-1])
        sql, params = "select id from customer where phone_rev >= ?", [low]
        if high is not None:
            sql, params = sql + " and phone_rev < ?", [low, high]
        plan = " ".join(str(row) for row in db.execute("explain query plan " + sql, params))
        assert "customer_phone_rev" in plan
        return sorted(row[0] for row in db.execute(sql, params))

    assert search("8860") == [1, 3]
    assert search("28860") == [1]
    assert search("+86 138 0922 8860") == [1]
    assert search("8888") == [2]
    assert search("9999") == [4]
    assert search("1234") == []


# -- e-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (" Zhang.San@QQ.COM ", "zhang.san@qq.com"),
        ("Zhang.San＠QQ.com", "zhang.san@qq.com"),
        ("mailto:Li@Example.cn", "li@example.cn"),
        ("li @ example.cn", "li@example.cn"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_email(text, address):
    assert normalise_email(text) == address


# -- pinyin -----------------------------------------------------------------------------------

PINYIN = [
    # text, full, initials, abbreviation
    ("上海浦东发展银行", "shanghaipudongfazhanyinhang", "shpdfzyh", "shangpufayin"),
    ("银行", "yinhang", "yh", ""),
    ("招商银行", "zhaoshangyinhang", "zsyh", "zhaoyin"),
    ("重庆", "chongqing", "cq", ""),
    ("长沙", "changsha", "cs", ""),
    ("厦门航空", "xiamenhangkong", "xmhk", "xiahang"),
    ("行长", "hangzhang", "hz", ""),
    ("中国石油化工", "zhongguoshiyouhuagong", "zgsyhg", "zhongshihua"),
    ("绿地", "lvdi", "ld", ""),
    ("ABC科技123", "abckeji123", "abckj123", ""),
    ("汇客 CRM 2.0", "huikecrm20", "hkcrm20", ""),
    ("ＡＢＣ银行", "abcyinhang", "abcyh", ""),
    ("", "", "", ""),
    ("!!!", "", "", ""),
]


@pytest.mark.parametrize(("text", "full", "initials", "abbreviation"), PINYIN)
def test_pinyin(text, full, initials, abbreviation):
    assert pinyin_full(text) == full
    assert pinyin_initials(text) == initials
    assert pinyin_abbreviation(text) == abbreviation


# -- search keys ------------------------------------------------------------------------------


def matches(query: str, key: str) -> bool:
    """What the search layer does: a substring test of the folded query in the stored key."""
    needle = normalise_search_query(query)
    return bool(needle) and needle in key


def test_search_key_of_a_bank():
    key = search_keys("上海浦东发展银行股份有限公司")
    assert key == "上海浦东发展银行 shanghaipudongfazhanyinhang shpdfzyh shangpufayin"


@pytest.mark.parametrize(
    "query", ["shanghai", "shpd", "pufa", "SHPD", "Shang Hai", "浦东", "yinhang"]
)
def test_search_key_finds_pinyin_queries(query):
    assert matches(query, search_keys("上海浦东发展银行股份有限公司"))


@pytest.mark.parametrize("query", ["beijing", "bj", "zhaoshang", "shpdx", "有限公司", "pu fa x"])
def test_search_key_ignores_unrelated_queries(query):
    assert not matches(query, search_keys("上海浦东发展银行股份有限公司"))


def test_search_key_holds_phone_email_and_number():
    key = search_keys(
        "汇客科技有限公司", "KH-20261122-0001", "+86 138 0922 8860", "Zhang.San@QQ.com", None, " "
    )
    assert key.split() == [
        "汇客科技",
        "huikekeji",
        "hkkj",
        "kh202611220001",
        "13809228860",
        "zhang.san@qq.com",
    ]
    for query in ("huike", "hkkj", "KH-20261122-0001", "8860", "+86 138-0922-8860", "zhang.san@"):
        assert matches(query, key), query
    assert not matches("zhang san@", key)


def test_search_key_deduplicates_and_is_bounded():
    assert search_keys("汇客", "汇客有限公司", "HUIKE") == "汇客 huike hk"
    key = search_keys("上海浦东发展银行" * 30, "中国石油化工" * 30, "x" * 500)
    assert len(key) <= MAX_SEARCH_KEY_LENGTH
    assert key.startswith("上海浦东发展银行上海")


def test_search_query_does_not_match_across_tokens():
    key = search_keys("上海浦东发展银行")
    assert " " not in normalise_search_query("hang shp")
    assert not matches("hang shp", key)  # "…yinhang shpdfzyh" only across the space


# -- properties -------------------------------------------------------------------------------

company_like = st.lists(
    st.sampled_from(
        [
            "上海",
            "汇客",
            "科技",
            "（",
            "）",
            "有限公司",
            "集团",
            " ",
            "Co.,",
            "Ltd",
            "ＡＢＣ",
            "分公司",
            "公司",
            "inc",
            "·",
            "\u3000",
            "1",
            "股份",
            "Z",
            "-",
        ]
    ),
    max_size=8,
).map("".join)
any_text = st.text(max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_text, company_like))
def test_company_key_is_idempotent(name):
    key = normalise_company_name(name)
    assert normalise_company_name(key) == key


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_company_key_is_empty_only_for_blank_names(name):
    key = normalise_company_name(name)
    printable = "".join(c for c in name if c.isprintable() and not c.isspace())
    if printable:
        assert key
    assert " " not in key


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_text, st.from_regex(r"\+?[0-9 ()\-]{0,20}(转[0-9]{1,4})?", fullmatch=True)))
def test_phone_is_idempotent_digits(text):
    number = normalise_phone(text)
    assert number.isdigit() or number == ""
    assert normalise_phone(number) == number
    assert all(number.endswith(suffix) for suffix in phone_suffix_keys(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), any_text, company_like), max_size=6))
def test_search_keys_never_crash_and_stay_bounded(values):
    key = search_keys(*values)
    assert len(key) <= MAX_SEARCH_KEY_LENGTH
    assert key == key.strip()
    for value in values:
        normalise_email(value)
        pinyin_full(value)
        pinyin_initials(value)
        normalise_search_query(value)
