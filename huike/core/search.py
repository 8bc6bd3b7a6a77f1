"""Text search over registered record types (PLT-06): the list's ``q`` and the global search
box share ``narrow``; the global search page and API share ``search``.

A record type stores ``huike.core.text.search_keys(...)`` of its name, number, phones and
e-mail in ``search_key_field`` (pinyin spelling and initials included) and reversed phone
digits in ``phone_rev_fields``, so one query matches names, pinyin and phone endings.

Field permissions apply to *matching*, not only to display: a record found only because its
masked phone ends in 8860 would tell the user the number. So for a user whose policy hides or
masks a phone (or e-mail) field, a query that can only hit that field (all digits for phones,
one with "@" for e-mails) is not looked up in the search key, and the hidden phone's reversed
column is not used; the name and number are still searched.

PostgreSQL: ``search_key LIKE '%needle%'`` uses the pg_trgm GIN index for needles of 3 or
more characters. A 1 or 2 character needle cannot use trigrams, so the global search looks
those up as the *start of a word* of the key (``'ab%'`` or ``'% ab%'``: pg_trgm indexes a
word start) and stops at the few rows it shows; a short Chinese query is also looked
up by its pinyin (浦东 → ``pudong``), which is long enough for the index. No query counts
rows.

SQLite: the same conditions go through an FTS5 trigram side table of the search key
(``huike.core.search_fts``, kept by triggers): one ``id IN (SELECT rowid ... MATCH '"needle"
OR "spelled"' UNION ALL <phone-ending ranges>)`` for needles of 3 or more characters, and
for a word start of 2 (the side table indexes the key with a leading space, so the start of
a word is the phrase ``" ab"``). It matches exactly the rows ``LIKE`` would. A 1-character
needle still scans, as it does on PostgreSQL.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from . import scopes
from .fields import FieldPolicy, policy
from .permissions import has_perm
from .phone_keys import PhoneKeys
from .record_types import RecordType, record_types
from .search_fts import key_q
from .text import digit_prefix_bounds, normalise_search_query, pinyin_full

#: Results per type on the global search page and in the API.
DEFAULT_LIMIT = 5
#: Needles shorter than this cannot use a trigram index.
TRIGRAM_MIN = 3
#: Chinese queries up to this long are also looked up by their pinyin (abbreviations).
SPELLED_MAX = 4


# -- which fields a user may be matched on ---------------------------------------------------
def phone_source(rt: RecordType, rev_name: str) -> str | None:
    """The phone field a reversed-digits column is derived from (``mobile_rev`` → ``mobile``,
    a customer's ``phone_rev`` → ``office_phone``), as the model declares it."""
    if issubclass(rt.model, PhoneKeys):
        return rt.model.phone_source(rev_name)
    return None


def _restricted(rules: FieldPolicy) -> frozenset[str]:
    """Fields the user sees masked or not at all on every page (masked-in-list fields are
    shown in full on the detail page, so matching them reveals nothing)."""
    return rules.hidden | rules.masked


def _phone_fields(rt: RecordType) -> set[str]:
    return {src for name in rt.phone_rev_fields if (src := phone_source(rt, name))}


def _plain_q(rt: RecordType, folded: str) -> Q:
    """Name and number, matched without the search key (for needles the key cannot take)."""
    q = Q(**{f"{rt.title_field}__icontains": folded})
    if rt.number_field:
        q |= Q(**{f"{rt.number_field}__icontains": folded})
    return q


def _spelled(folded: str) -> str | None:
    """The pinyin of a short all-Chinese query, matched as well as the characters.

    The key stores a company's abbreviation only as pinyin (上海浦东发展银行 →
    ``shangpufayin``), so 浦发 is found through ``pufa`` and 中石化 through ``zhongshihua``;
    a 2-character query such as 浦东 becomes a trigram-indexable ``pudong``. Homophones
    match too, as they do when the user types pinyin."""
    if len(folded) > SPELLED_MAX or not all(_is_han(c) for c in folded):
        return None
    spelled = pinyin_full(folded)
    return spelled if len(spelled) >= TRIGRAM_MIN and spelled != folded else None


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


# -- the condition ---------------------------------------------------------------------------
def text_q(rt: RecordType, query: str, *, user: Any = None, prefix_only: bool = False) -> Q | None:
    """The condition matching ``query``; None when the query has nothing to search for.

    ``user`` applies that user's field policy to matching (see the module docstring);
    ``prefix_only`` matches the start of the key's words only (short needles on big tables:
    pg_trgm can index a word start, not a 1 or 2 character fragment)."""
    folded = normalise_search_query(query)
    if not folded:
        return None
    restricted = _restricted(policy(user, rt.model)) if user is not None else frozenset()
    digits_only = folded.isdigit()
    phones_restricted = bool(_phone_fields(rt) & restricted)
    email_restricted = "email" in restricted
    key_allowed = not ((digits_only and phones_restricted) or ("@" in folded and email_restricted))
    field = rt.search_key_field
    contains: list[str] = []
    word_starts: list[str] = []
    plain = Q()
    if field and key_allowed:
        # prefix_only: the start of any word of the key (the name, a pinyin, the initials...).
        (word_starts if prefix_only else contains).append(folded)
        spelled = _spelled(folded)
        if spelled:
            contains.append(spelled)
    elif field:
        plain = _plain_q(rt, folded)
    ranges: list[Q] = []
    if digits_only and len(folded) >= 4:
        low, high = digit_prefix_bounds(folded[::-1])
        for name in rt.phone_rev_fields:
            if phone_source(rt, name) in restricted:
                continue
            rng = Q(**{f"{name}__gte": low})
            if high is not None:
                rng &= Q(**{f"{name}__lt": high})
            ranges.append(rng)
    q = plain
    if field and (contains or word_starts):
        # One condition: on SQLite the key's phrases and the ranges make one set of ids.
        q |= key_q(rt.model, field, contains=contains, word_starts=word_starts, also=ranges)
    else:
        for rng in ranges:
            q |= rng
    if not q:
        return None
    return q


def narrow(rt: RecordType, queryset: QuerySet, query: str, *, user: Any = None) -> QuerySet:
    """``queryset`` narrowed to records matching ``query`` (unchanged for a blank query).
    Pass ``user`` so the field policy applies to matching as well as to display."""
    folded = normalise_search_query(query)
    # Short needles match word starts only, as in the global search: pg_trgm cannot index a
    # 1-2 character fragment, and a substring scan of a million rows is what NFR-01 forbids.
    q = text_q(rt, query, user=user, prefix_only=len(folded) < TRIGRAM_MIN)
    return queryset if q is None else queryset.filter(q)


# -- global search ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    id: int
    title: str
    subtitle: str
    owner: str
    url: str | None


@dataclass
class Group:
    rt: RecordType
    hits: list[Hit] = field(default_factory=list)
    #: The type's list filtered by the query, when there are more hits than shown.
    more_url: str | None = None

    @property
    def key(self) -> str:
        return self.rt.key


def searchable_types(user: Any, keys: list[str] | None = None) -> list[RecordType]:
    """Registered types the user may view, optionally only those named in ``keys``."""
    return [
        rt
        for rt in record_types()
        if has_perm(user, rt.perm("view")) and (not keys or rt.key in keys)
    ]


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _hit(rt: RecordType, record: Any, rules: FieldPolicy) -> Hit:
    title = rules.display(rt.title_field, rt.title_of(record), in_list=True)
    parts = []
    for name in rt.search_subtitle_fields:
        value = rules.display(name, getattr(record, name, None), in_list=True)
        if value not in (None, ""):
            parts.append(_text(value))
    owner = getattr(record, "owner", None)
    return Hit(
        id=record.pk,
        title=_text(title) or _text(record.pk),
        subtitle=" · ".join(parts),
        owner=_text(owner) if owner is not None else "",
        url=_url(f"{rt.key}:detail", record.pk),
    )


def search_type(user: Any, rt: RecordType, query: str, limit: int = DEFAULT_LIMIT) -> Group:
    """The first ``limit`` records of one type matching ``query`` in the user's scope: one
    query (``limit + 1`` rows tell whether there are more, no COUNT)."""
    group = Group(rt)
    folded = normalise_search_query(query)
    q = text_q(rt, query, user=user, prefix_only=len(folded) < TRIGRAM_MIN)
    if q is None:
        return group
    qs = scopes.visible(user, rt.model).filter(q).select_related(*rt.select_related)
    # No ORDER BY: with one, PostgreSQL must sort every match of a common word before the
    # LIMIT; without, it stops at the first rows. The few shown are sorted here instead.
    rows = list(qs.order_by()[: limit + 1])
    rules = policy(user, rt.model)
    group.hits = sorted((_hit(rt, r, rules) for r in rows[:limit]), key=_rank(folded))
    if len(rows) > limit:
        base = _url(f"{rt.key}:list")
        group.more_url = f"{base}?{urlencode({'q': query})}" if base else None
    return group


def _rank(folded: str):
    """Exact titles first, then titles starting with the query, then the rest by title."""

    def key(hit: Hit) -> tuple[int, str]:
        title = normalise_search_query(hit.title)
        return (0 if title == folded else 1 if title.startswith(folded) else 2, hit.title)

    return key


def search(
    user: Any, query: str, *, keys: list[str] | None = None, limit: int = DEFAULT_LIMIT
) -> list[Group]:
    """Global search: one group per type the user may view (only those with hits)."""
    if not normalise_search_query(query or ""):
        return []
    with _prefer_indexes():
        groups = [search_type(user, rt, query, limit) for rt in searchable_types(user, keys)]
    return [g for g in groups if g.hits]


@contextmanager
def _prefer_indexes():
    """On PostgreSQL, keep the planner off sequential scans for the search queries.

    With ``LIMIT 6`` and a guessed 600 matches, PostgreSQL expects a scan to meet six
    matches early and skips the trigram index; for a rare word it then reads the whole
    table (2.2 s for a 2-character contact name at 2,000,000 rows, 7 ms through the index:
    bench/RESULTS.md). The setting is reset right after."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield
        # Inside an outer transaction (a savepoint here) the setting would outlive it; on an
        # error the savepoint's rollback undoes it.
        cursor.execute("RESET enable_seqscan")
