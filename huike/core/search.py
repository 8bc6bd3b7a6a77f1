"""Text search over registered record types (PLT-06): the list's ``q`` and the global search
box share ``narrow``.

A record type stores ``huike.core.text.search_keys(...)`` of its name, number, phones and
e-mail in ``search_key_field`` (pinyin spelling and initials included) and reversed phone
digits in ``phone_rev_fields``, so one query matches names, pinyin and phone endings.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .record_types import RecordType
from .text import digit_prefix_bounds, normalise_search_query


def text_q(rt: RecordType, query: str) -> Q | None:
    """The condition matching ``query``; None when the query has nothing to search for."""
    folded = normalise_search_query(query)
    if not folded:
        return None
    q = Q()
    if rt.search_key_field:
        q |= Q(**{f"{rt.search_key_field}__contains": folded})
    digits = "".join(ch for ch in folded if ch.isdigit())
    if len(digits) >= 4 and digits == folded.replace(" ", ""):
        low, high = digit_prefix_bounds(digits[::-1])
        for name in rt.phone_rev_fields:
            rng = Q(**{f"{name}__gte": low})
            if high is not None:
                rng &= Q(**{f"{name}__lt": high})
            q |= rng
    if not q:
        return None
    return q


def narrow(rt: RecordType, queryset: QuerySet, query: str) -> QuerySet:
    q = text_q(rt, query)
    return queryset if q is None else queryset.filter(q)
