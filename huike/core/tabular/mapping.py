"""Suggest which model field each column of an uploaded file fills (PLT-08 column mapping).

Headers are matched against the field's name and its labels in every language the caller
passes (e.g. "客户名称", "Customer name", "name"), ignoring case, full/half width, spaces,
punctuation and required-field marks such as "*". Only exact matches after that cleaning are
suggested: a wrong guess that silently fills the wrong field is worse than no guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

# Applied after NFKC, which already turned full-width colons and brackets into ASCII ones.
_NOISE = re.compile("[\\s_\\-.*:\u00b7\u3001/\\\\'\"\u201c\u201d\u2018\u2019]+")
_BRACKETED = re.compile(r"[(\[【<《].*?[)\]】>》]")


def normalise_header(text: str) -> str:
    """Comparable form of a header or label: NFKC (full width → half), casefolded, no noise."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def _without_brackets(text: str) -> str:
    return normalise_header(_BRACKETED.sub("", unicodedata.normalize("NFKC", str(text))))


def suggest_mapping(
    headers: Sequence[str], fields: Iterable[tuple[str, Sequence[str]]]
) -> dict[str, str | None]:
    """Map each header to a field name, or ``None`` when nothing matches.

    ``fields`` is ``[(field_name, [label, label, …]), …]``; labels may be lazy
    translations. Each field is suggested for at most one header (the first, left to
    right). A second pass ignores bracketed remarks such as "手机(必填)" (either width) or
    "Phone (mobile)".
    """
    keys: dict[str, str] = {}
    for name, labels in fields:
        for text in (name, *labels):
            key = normalise_header(text)
            if key:
                keys.setdefault(key, name)

    mapping: dict[str, str | None] = {h: None for h in headers}
    used: set[str] = set()
    for clean in (normalise_header, _without_brackets):
        for header in headers:
            if mapping[header] is not None:
                continue
            field_name = keys.get(clean(header))
            if field_name is not None and field_name not in used:
                mapping[header] = field_name
                used.add(field_name)
    return mapping
