# ruff: noqa: RUF002, RUF003  (full-width characters are the subject here)
"""Text keys for Chinese business data: duplicate keys (CUS-02) and search keys (PLT-06).

Pure functions, no Django and no database, so the duplicate check, the import, the global
search and the benchmarks all derive the very same keys from the very same rules:

* ``normalise_company_name``: the key two customer names collide on;
* ``normalise_phone`` / ``phone_suffix_keys`` / ``phone_reverse_key`` /
  ``digit_prefix_bounds``: one spelling per phone number and "last 4+ digits" search;
* ``normalise_email``: one spelling per e-mail address;
* ``pinyin_full`` / ``pinyin_initials`` / ``pinyin_abbreviation``: pinyin look-ups;
* ``search_keys`` / ``normalise_search_query``: the stored key and the matching query for
  a plain ``query in key`` (SQL ``LIKE '%query%'``) test.

How the search layer should store and query these keys is in docs/development/text.md.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.seg.mmseg import seg as _mmseg

__all__ = [
    "MAX_SEARCH_KEY_LENGTH",
    "digit_prefix_bounds",
    "normalise_company_name",
    "normalise_email",
    "normalise_phone",
    "normalise_search_query",
    "phone_reverse_key",
    "phone_suffix_keys",
    "pinyin_abbreviation",
    "pinyin_full",
    "pinyin_initials",
    "search_keys",
]

#: Upper bound of ``search_keys()``; the key fits a ``varchar(255)`` on millions of rows.
MAX_SEARCH_KEY_LENGTH = 255
#: Each value is cut to this many characters before pinyin is worked out (bounds cost too).
MAX_VALUE_LENGTH = 80

# CJK ideographs (BMP, compatibility block, extensions B to H) and 〇: what pypinyin can read.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN}]")
# A run of ideographs, or a run of other letters/digits (Latin, digits, kana, Hangul...).
_RUN_RE = re.compile(f"([{_HAN}]+)|([^\\W_{_HAN}]+)")
# Every character that might be a separator; the callback below decides by category.
_NON_WORD_RE = re.compile(r"[\W_]")


# --------------------------------------------------------------------------- folding


def _fold(text: str) -> str:
    """NFKC + casefold, repeated until stable (casefold can un-normalise a few letters)."""
    if text.isascii():
        return text.lower()
    for _ in range(4):
        folded = unicodedata.normalize("NFKC", text).casefold()
        if folded == text:
            break
        text = folded
    return text


def _is_separator(char: str) -> bool:
    """Punctuation (P*), spaces (Z*), control and format characters (Cc, Cf)."""
    category = unicodedata.category(char)
    return category[0] in "PZ" or category in ("Cc", "Cf")


def _separators_to_spaces(text: str) -> str:
    """Every run of punctuation/whitespace becomes one space; ends are trimmed."""
    spaced = _NON_WORD_RE.sub(lambda m: " " if _is_separator(m.group()) else m.group(), text)
    return " ".join(spaced.split())


def _drop_separators(text: str) -> str:
    return _NON_WORD_RE.sub(lambda m: "" if _is_separator(m.group()) else m.group(), text)


def _drop_blanks(text: str) -> str:
    """Remove whitespace, control and format characters but keep punctuation."""
    return "".join(c for c in text if unicodedata.category(c)[0] != "Z" and c.isprintable())


# --------------------------------------------------------------------------- company names

# Chinese legal-form suffixes, longest first (the regex alternation takes the first that
# matches).  集团 ("group") is stripped too, so 万科集团 ≡ 万科集团有限公司 ≡ 万科有限公司.
_CN_SUFFIXES = (
    "集团股份有限公司",
    "集团有限责任公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团公司",
    "股份公司",
    "有限公司",
    "公司",
    "集团",
)
# A branch or subsidiary is a different customer: nothing is stripped after these.
_CN_KEEP_ENDINGS = ("分公司", "子公司")
# Latin legal forms, stripped only as whole words (so "Zinc" keeps its "inc").
_LATIN_SUFFIXES = (
    "corporation",
    "incorporated",
    "company",
    "limited",
    "corp",
    "gmbh",
    "inc",
    "llc",
    "ltd",
    "plc",
    "pte",
    "pty",
    "co",
)

_CN_SUFFIX_RE = re.compile("(?:" + "|".join(" ?".join(s) for s in _CN_SUFFIXES) + ") ?$")
_LATIN_SUFFIX_RE = re.compile(
    r"(?<![0-9a-z\u00c0-\u024f])(?:" + "|".join(_LATIN_SUFFIXES) + r") ?$"
)


def _strip_suffixes(spaced: str) -> str:
    """Strip legal-form suffixes at the end, repeatedly; never strip a name down to nothing."""
    current = spaced
    while True:
        squashed = current.replace(" ", "")
        if squashed.endswith(_CN_KEEP_ENDINGS):
            return current
        match = _LATIN_SUFFIX_RE.search(current) or _CN_SUFFIX_RE.search(current)
        if match is None:
            return current
        remainder = current[: match.start()].rstrip()
        if not remainder:
            # The name is nothing but legal forms ("有限公司", "Co., Ltd."): keep it whole.
            return spaced
        current = remainder


def _normalise_name_once(name: str) -> str:
    folded = _fold(name)
    spaced = _separators_to_spaces(folded)
    if not spaced:
        # Only punctuation (or nothing): keep the punctuation so "???" still has a key.
        return _drop_blanks(folded)
    return _strip_suffixes(spaced).replace(" ", "")


@lru_cache(maxsize=4096)
def normalise_company_name(name: str | None) -> str:
    """Return the key two customer names collide on (CUS-02 duplicate check). Cached: an
    imported row asks for the same name's key five times (checks, key, search key).

    Rules, in order, each with an example of what it makes equal:

    1. Unicode NFKC turns full-width letters, digits and brackets into half-width ones and
       the ideographic space U+3000 into a plain space:
       ``"ＡＢＣ（上海）"`` → ``"ABC(上海)"`` (before the next steps).
    2. Casefold: ``"Huike"`` ≡ ``"HUIKE"`` ≡ ``"huike"``.
    3. Every punctuation character (Unicode P*: （）()【】[]「」·.,，、-_/& …) and every
       whitespace/control/format character is removed, brackets included, while the text
       inside brackets is kept: ``"ABC（上海）"`` → ``"abc上海"``, ``"汇 客　科技"`` →
       ``"汇客科技"``, ``"【汇客】"`` → ``"汇客"``.  Symbols (+, ®, $) are kept.
    4. Legal-form suffixes are stripped at the end, repeatedly, longest first:
       Chinese 集团股份有限公司, 集团有限责任公司, 股份有限公司, 有限责任公司, 集团有限公司,
       集团公司, 股份公司, 有限公司, 公司, 集团 (``"上海浦东发展银行股份有限公司"`` →
       ``"上海浦东发展银行"``, ``"万科集团有限公司"`` → ``"万科"``), and the Latin words
       Co / Company / Corp / Corporation / Inc / Incorporated / Ltd / Limited / LLC / PLC /
       GmbH / Pte / Pty in any case and with any punctuation (``"ABC Co., Ltd."``,
       ``"ABC Co.,Ltd"``, ``"ABC CO LTD"``, ``"Abc Limited"`` → ``"abc"``).  Latin suffixes
       count only as whole words: ``"Zinc"`` keeps its "inc", ``"Costco"`` its "co"; after a
       Chinese character they are words too (``"汇客Ltd"`` → ``"汇客"``).
    5. A branch or subsidiary is a different customer: nothing is stripped from a name ending
       in 分公司 or 子公司 (``"汇客科技有限公司上海分公司"`` keeps its ending).
    6. A region is part of the name and is kept wherever it stands, with or without
       brackets: ``"(上海)汇客有限公司"`` ≡ ``"上海汇客"``, but ``"上海汇客"`` ≠
       ``"北京汇客"``, and ``"汇客(上海)"`` → ``"汇客上海"`` ≠ ``"上海汇客"`` (word order is
       not guessed).
    7. A name that is nothing but legal forms keeps them: ``"有限公司"`` → ``"有限公司"``,
       ``"Co., Ltd."`` → ``"coltd"``; a name of only punctuation keeps the punctuation
       (``"？？？"`` → ``"???"``).  Only an empty or blank name gives ``""``.

    The function is idempotent: the rules are re-applied until the key no longer changes.
    """
    if not name:
        return ""
    key = _normalise_name_once(name)
    for _ in range(8):
        again = _normalise_name_once(key)
        if again == key:
            break
        key = again
    return key


# --------------------------------------------------------------------------- phones

_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# Anything after one of these is an extension or a second number: 转 / 分机 / ext / x / # ,
# ; / 、 or.
_PHONE_SPLIT_RE = re.compile(r"转|分机|ext\.?|extension|x|#|,|;|/|、|或|or")
_NON_DIGIT_RE = re.compile(r"[^0-9]")
_FIRST_DIGIT_OR_PLUS_RE = re.compile(r"[0-9+]")
# Service numbers that are dialled without a trunk 0 inside China (400/800 hot-lines).
_NO_TRUNK_PREFIXES = ("400", "800")


def _is_mobile(digits: str) -> bool:
    return _MOBILE_RE.fullmatch(digits) is not None


def _national(digits: str) -> str:
    """A number that followed +86/0086: mobiles as they are, landlines get the trunk 0 back."""
    if not digits or _is_mobile(digits) or digits.startswith("0"):
        return digits
    if digits.startswith(_NO_TRUNK_PREFIXES) or not 9 <= len(digits) <= 11:
        return digits
    return "0" + digits


@lru_cache(maxsize=4096)
def normalise_phone(text: str | None) -> str:
    """Return the main number as digits only, spelled the way it is dialled inside China.

    * Full-width digits count (NFKC): ``"１３８０９２２８８６０"`` → ``"13809228860"``.
    * Spaces, dashes, dots and brackets go: ``"021-5888 8888"`` / ``"(021)58888888"`` →
      ``"02158888888"`` (the area code is kept).
    * Country code 86 goes: ``"+86 138 0922 8860"``, ``"0086 13809228860"`` and
      ``"8613809228860"`` (13 digits, a mobile after 86) → ``"13809228860"``; a mobile
      written with a trunk 0 (``"013809228860"``) loses it.  A landline after +86/0086 gets
      its trunk 0 back: ``"+86 21 5888 8888"`` → ``"02158888888"``; 400/800 hot-lines do not
      (``"+86 400 820 8820"`` → ``"4008208820"``).  A bare 86 in front of a landline is
      ambiguous and kept.
    * Other countries keep their code without "+"/"00": ``"+1 415 555 0100"`` →
      ``"14155550100"``.
    * Extensions and second numbers are dropped: everything after 转, 分机, ext, x, #, a
      comma, semicolon, slash, 、 or "or": ``"021-58888888转123"`` → ``"02158888888"``,
      ``"13800138000 / 13900139000"`` → ``"13800138000"``.
    * No digits at all → ``""``.

    Idempotent: the rules are re-applied until the number no longer changes. Cached: a
    saved or imported row asks for the same number's key, reversed key, duplicate key and
    search key (nine calls a row in the 100,000-row import profile).
    """
    if not text:
        return ""
    number = _normalise_phone_once(text)
    for _ in range(4):
        again = _normalise_phone_once(number)
        if again == number:
            break
        number = again
    return number


def _normalise_phone_once(text: str) -> str:
    folded = _fold(text)
    main = next((part for part in _PHONE_SPLIT_RE.split(folded) if any(map(str.isdigit, part))), "")
    digits = _NON_DIGIT_RE.sub("", main)
    if not digits:
        return ""
    if _FIRST_DIGIT_OR_PLUS_RE.search(main).group() == "+":  # type: ignore[union-attr]
        digits = digits.lstrip("0")  # "+0086 …" is a common slip for "+86 …"
        return _national(digits[2:]) if digits.startswith("86") else digits
    if digits.startswith("0086"):
        return _national(digits[4:])
    if digits.startswith("00"):  # international prefix; a country code never starts with 0
        return digits.lstrip("0")
    if len(digits) == 13 and digits.startswith("86") and _is_mobile(digits[2:]):
        return digits[2:]
    if len(digits) == 12 and digits.startswith("0") and _is_mobile(digits[1:]):
        return digits[1:]
    return digits


def phone_suffix_keys(text: str | None, min_length: int = 4) -> list[str]:
    """Every ending of the normalised number with at least ``min_length`` digits, shortest
    first, ending with the whole number: ``"138 0922 8860"`` → ``["8860", "28860", …,
    "13809228860"]``.

    For an exact-match side table or in-memory matching; a number shorter than
    ``min_length`` gives just itself.  On a large table prefer ``phone_reverse_key`` with a
    btree index (docs/development/text.md).
    """
    number = normalise_phone(text)
    if len(number) < min_length:
        return [number] if number else []
    return [number[-size:] for size in range(min_length, len(number) + 1)]


def phone_reverse_key(text: str | None) -> str:
    """The normalised number reversed: "ends with 8860" becomes "starts with 0688", which an
    ordinary btree index answers (``"13809228860"`` → ``"06882290831"``)."""
    return normalise_phone(text)[::-1]


def digit_prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """Half-open range ``[low, high)`` holding exactly the digit strings starting with
    ``prefix``: ``"0688"`` → ``("0688", "0689")``, ``"0699"`` → ``("0699", "07")``,
    ``"99"`` → ``("99", None)`` (no upper bound).

    ``column >= low AND column < high`` uses a plain btree index on PostgreSQL and SQLite
    alike, whatever the collation, where ``LIKE 'prefix%'`` may not.
    """
    if not prefix.isdigit() or not prefix.isascii():
        raise ValueError("digit_prefix_bounds() needs ASCII digits")
    stem = prefix.rstrip("9")
    if not stem:
        return prefix, None
    return prefix, stem[:-1] + str(int(stem[-1]) + 1)


# --------------------------------------------------------------------------- e-mail


def normalise_email(text: str | None) -> str:
    """Return one spelling per address for duplicate checks and search.

    Surrounding blanks and a ``mailto:`` go, full-width characters become half-width (an
    IME may type ``＠``), blanks inside are removed, and the whole address is casefolded –
    the local part too: RFC 5321 allows case-sensitive mailboxes, but no mail provider a
    Chinese business meets uses them, and ``Zhang.San@QQ.com`` and ``zhang.san@qq.com``
    being two contacts would be the bigger error.  Nothing is validated here (forms do
    that): ``" Zhang.San＠QQ.COM "`` → ``"zhang.san@qq.com"``.
    """
    if not text:
        return ""
    address = text
    for _ in range(4):  # removing blanks can leave a combining mark to fold again
        cleaned = "".join(_fold(address).split())
        while cleaned.startswith("mailto:"):
            cleaned = cleaned[len("mailto:") :]
        if cleaned == address:
            break
        address = cleaned
    return address


# --------------------------------------------------------------------------- pinyin


def _each_char(chars: str) -> list[str]:
    """pypinyin callback for characters without a reading: keep each one as it is."""
    return list(chars)


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    """Toneless pinyin of one dictionary word (or one character), one syllable per character.

    Cached per word: company names re-use the same few thousand words (上海, 科技, 银行…),
    and pypinyin picks the reading of a polyphonic character from the word it is in
    (银行 → yin hang, 重庆 → chong qing)."""
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors=_each_char, v_to_u=False)  # type: ignore[arg-type]
    if len(syllables) != len(word):  # unknown characters grouped differently: one each
        syllables = [
            s
            for c in word
            for s in lazy_pinyin(c, errors=_each_char)  # type: ignore[arg-type]
        ][: len(word)]
    return tuple(s.casefold() for s in syllables)


def _han_words(run: str) -> list[tuple[str, ...]]:
    """Segment a run of ideographs into words with pypinyin's phrase dictionary.

    Characters the dictionary leaves single are paired up (浦 东 → 浦东), because company
    names are built from two-character words and their abbreviations take the first
    character of each (浦东发展 → 浦发)."""
    words: list[tuple[str, ...]] = []
    singles: list[str] = []

    def flush() -> None:
        for start in range(0, len(singles), 2):
            words.append(tuple(s for c in singles[start : start + 2] for s in _word_syllables(c)))
        singles.clear()

    for word in _mmseg.cut(run):
        if len(word) == 1:
            singles.append(word)
            continue
        flush()
        words.append(_word_syllables(word))
    flush()
    return words


def _pinyin_parts(text: str) -> list[tuple[bool, list[tuple[str, ...]] | str]]:
    """Split folded text into ideograph runs (as pinyin words) and other letter/digit runs."""
    parts: list[tuple[bool, list[tuple[str, ...]] | str]] = []
    for match in _RUN_RE.finditer(_fold(text)):
        han, other = match.groups()
        if han:
            parts.append((True, _han_words(han)))
        else:
            parts.append((False, other))
    return parts


def _full(parts: list[tuple[bool, list[tuple[str, ...]] | str]]) -> str:
    return "".join(
        "".join("".join(w) for w in value) if is_han else value  # type: ignore[misc]
        for is_han, value in parts
    )


def _initials(parts: list[tuple[bool, list[tuple[str, ...]] | str]]) -> str:
    return "".join(
        "".join(s[0] for w in value for s in w) if is_han else value  # type: ignore[misc]
        for is_han, value in parts
    )


def _abbreviation(parts: list[tuple[bool, list[tuple[str, ...]] | str]]) -> str:
    heads = [w[0] for is_han, value in parts if is_han for w in value if w]  # type: ignore[misc]
    return "".join(heads) if len(heads) > 1 else ""


def pinyin_full(text: str | None) -> str:
    """Toneless pinyin, syllables run together; other letters and digits are kept in lower
    case, punctuation and spaces go: ``"上海浦东发展银行"`` →
    ``"shanghaipudongfazhanyinhang"``, ``"ABC科技123"`` → ``"abckeji123"``.  ü is written
    v (绿 → lv), as people type it."""
    return _full(_pinyin_parts(text or ""))


def pinyin_initials(text: str | None) -> str:
    """First letter of each syllable; other letters and digits are kept whole:
    ``"上海浦东发展银行"`` → ``"shpdfzyh"``, ``"ABC科技123"`` → ``"abckj123"``."""
    return _initials(_pinyin_parts(text or ""))


def pinyin_abbreviation(text: str | None) -> str:
    """Pinyin of the first character of each word: the way Chinese companies are
    abbreviated.  ``"上海浦东发展银行"`` is segmented 上海|浦东|发展|银行 and gives
    ``"shangpufayin"`` (上浦发银), so "pufa" (浦发) finds it; ``"中国石油化工"`` gives
    ``"zhongshihua"`` (中石化).  Empty when there are fewer than two words."""
    return _abbreviation(_pinyin_parts(text or ""))


# --------------------------------------------------------------------------- search keys

_PHONE_LIKE_RE = re.compile(r"\+?[0-9][0-9 \-().]{3,}(?:(?:转|分机|ext\.?|x|#)[0-9 ]+)?")


def _is_phone_like(folded: str) -> bool:
    return _PHONE_LIKE_RE.fullmatch(folded.strip()) is not None


def _value_tokens(value: str) -> list[str]:
    folded = _fold(value)
    if "@" in folded:
        return [normalise_email(folded)[:MAX_VALUE_LENGTH]]
    if _is_phone_like(folded):
        return [normalise_phone(folded)]
    name = normalise_company_name(folded)[:MAX_VALUE_LENGTH]
    if not _HAN_RE.search(name):
        return [name]
    parts = _pinyin_parts(name)
    return [name, _full(parts), _initials(parts), _abbreviation(parts)]


def search_keys(*values: str | None) -> str:
    """One space-separated, bounded string to store next to a record for global search.

    For each value (name, short name, number, phone, e-mail…; ``None`` and blanks skipped):

    * an e-mail → ``normalise_email``; a phone number → ``normalise_phone``;
    * anything else → ``normalise_company_name`` (so suffixes and punctuation cost no room),
      and when it holds Chinese also ``pinyin_full``, ``pinyin_initials`` and
      ``pinyin_abbreviation``.

    ``search_keys("上海浦东发展银行股份有限公司")`` →
    ``"上海浦东发展银行 shanghaipudongfazhanyinhang shpdfzyh shangpufayin"``, which
    "shanghai", "shpd" and "pufa" all find with ``query in key`` after
    ``normalise_search_query``.  A token already contained in an earlier one is left out,
    earlier values take precedence, and the result is cut to ``MAX_SEARCH_KEY_LENGTH``
    characters (a cut token still matches its prefixes).
    """
    tokens: list[str] = []
    for value in values:
        if not value:
            continue
        for token in _value_tokens(str(value)):
            # A token inside an earlier one adds no match ("huike" in "huikekeji").
            if token and not any(token in earlier for earlier in tokens):
                tokens.append(token)
    return " ".join(tokens)[:MAX_SEARCH_KEY_LENGTH].rstrip()


def normalise_search_query(query: str | None) -> str:
    """Fold a user's search box input the way ``search_keys`` folded the stored values.

    ``"  SHANG hai "`` → ``"shanghai"``, ``"ＳＨＰＤ"`` → ``"shpd"``, ``"+86 138 0922 8860"``
    → ``"13809228860"``, ``"Zhang@QQ.com"`` → ``"zhang@qq.com"``, ``"ABC Co., Ltd."`` →
    ``"abc"``.  The result never contains a space, so it cannot match across two tokens.
    """
    if not query:
        return ""
    folded = _fold(query)
    if "@" in folded:
        return normalise_email(folded)
    if _is_phone_like(folded):
        return normalise_phone(folded)
    return normalise_company_name(folded)
