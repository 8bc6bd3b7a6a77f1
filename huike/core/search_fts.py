"""The SQLite side index of a search key column (PLT-06, NFR-01): an FTS5 trigram table.

PostgreSQL finds ``search_key LIKE '%needle%'`` through a pg_trgm GIN index. SQLite has no
such index, so the same test read every visible row (170 to 1,700 ms at 100,000 customers,
bench/RESULTS.md). An FTS5 table with the ``trigram`` tokenizer is SQLite's equivalent: a
quoted phrase of 3 or more characters matches exactly the rows whose text holds it as a
substring. The migration operation ``TrigramSideIndex`` adds one next to a model's search
key column on SQLite (and does nothing on PostgreSQL); ``key_q`` is the condition
``huike.core.search`` builds from it.

How the side table is kept (one per table, ``<table>_fts``):

* **contentless** (``content=''``): it stores only the trigram index, no copy of the text,
  and answers rowids (= the record's id). Triggers on the table write it in the same
  transaction as the row, so every writer is covered: the services, ``bulk_create``,
  ``QuerySet.update``, raw SQL (``bench.generate``), a hard delete. An update rewrites the
  entry only when the key (or id) really changed. SQLite 3.40 cannot delete from a
  contentless table by rowid alone (``contentless_delete`` needs 3.43), so the triggers use
  FTS5's ``'delete'`` command with the old text, which they have;
* the text indexed is ``' ' || key``: the leading space makes the key's first word start
  like every other word, so "a word of the key starts with ``ab``" (``startswith`` or
  ``' ab'`` inside, the short-needle search) is the one phrase ``" ab"``, 3 characters,
  indexable for 2-character needles too. A needle never holds a space
  (``normalise_search_query``), so the space adds no other match;
* ``case_sensitive 1``: the same case-sensitive substring test as PostgreSQL's ``LIKE``
  (both sides are folded already, docs/development/text.md); ``columnsize=0``: no ranking.

A later migration that makes SQLite *rebuild* the table (``AlterField``, a ``NOT NULL``
``AddField``…: Django copies the rows into a new table and drops the old one) drops the
triggers with it. Run ``TrigramSideIndex`` again after such an operation: it recreates the
side table and refills it. ``tests/core/test_search_fts.py`` fails while the triggers are
missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.migrations.operations.base import Operation
from django.db.models import Model, Q
from django.db.models.expressions import RawSQL

#: Shortest needle a trigram phrase can match (the same as ``search.TRIGRAM_MIN``).
TRIGRAM_LENGTH = 3
TOKENIZER = "trigram case_sensitive 1"


def side_table(table: str) -> str:
    """The side table's name for a model table (``customers_customer_fts``)."""
    return f"{table}_fts"


def trigger_names(table: str) -> tuple[str, str, str]:
    """The insert, delete and update triggers keeping ``side_table(table)`` current."""
    fts = side_table(table)
    return f"{fts}_ai", f"{fts}_ad", f"{fts}_au"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_statements(table: str, column: str, pk: str = "id") -> list[str]:
    """SQL creating, filling and wiring the side table of ``table.column`` (drops any
    earlier one first, so running it again repairs a side table whose triggers are gone)."""
    fts = side_table(table)
    ins, dele, upd = trigger_names(table)
    t, c, p, f = _q(table), _q(column), _q(pk), _q(fts)
    # Identifiers come from the model's meta, quoted; no value is ever spliced in.
    add_new = f"INSERT INTO {f} (rowid, {c}) VALUES (NEW.{p}, ' ' || NEW.{c});"  # noqa: S608
    drop_old = (
        f"INSERT INTO {f} ({f}, rowid, {c}) "  # noqa: S608
        f"VALUES ('delete', OLD.{p}, ' ' || OLD.{c});"
    )
    return [
        *drop_statements(table),
        f"CREATE VIRTUAL TABLE {f} USING fts5({c}, content='', columnsize=0, "
        f"tokenize='{TOKENIZER}')",
        f"INSERT INTO {f} (rowid, {c}) SELECT {p}, ' ' || {c} FROM {t}",  # noqa: S608
        f"CREATE TRIGGER {_q(ins)} AFTER INSERT ON {t} BEGIN {add_new} END",
        f"CREATE TRIGGER {_q(dele)} AFTER DELETE ON {t} BEGIN {drop_old} END",
        f"CREATE TRIGGER {_q(upd)} AFTER UPDATE OF {p}, {c} ON {t} "
        f"WHEN OLD.{c} IS NOT NEW.{c} OR OLD.{p} IS NOT NEW.{p} BEGIN {drop_old} {add_new} END",
    ]


def drop_statements(table: str) -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {_q(name)}" for name in trigger_names(table)),
        f"DROP TABLE IF EXISTS {_q(side_table(table))}",
    ]


class TrigramSideIndex(Operation):
    """Migration operation: on SQLite, the FTS5 trigram side table of ``model_name.field``
    with its triggers (module docstring); nothing on other databases. It changes no model
    state: the side table is not a model, and ``makemigrations`` never writes this
    operation, so a migration adding a searchable model must add it by hand."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field: str) -> None:
        self.model_name = model_name
        self.field = field

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__qualname__,
            [],
            {"model_name": self.model_name, "field": self.field},
        )

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _target(self, app_label: str, schema_editor: Any, state: Any) -> tuple[str, str, str]:
        model = state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "sqlite" or not self.allow_migrate_model(
            schema_editor.connection.alias, model
        ):
            return "", "", ""
        return (
            model._meta.db_table,
            model._meta.get_field(self.field).column,
            model._meta.pk.column,
        )

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table, column, pk = self._target(app_label, schema_editor, to_state)
        if table:
            for sql in create_statements(table, column, pk):
                schema_editor.execute(sql, params=None)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table, _column, _pk = self._target(app_label, schema_editor, from_state)
        if table:
            for sql in drop_statements(table):
                schema_editor.execute(sql, params=None)

    def describe(self) -> str:
        return f"Create the SQLite trigram side index of {self.model_name}.{self.field}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_{self.field.lower()}_fts"

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() == self.model_name.lower()

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label) and name == self.field


# -- the conditions --------------------------------------------------------------------------
def uses_side_index() -> bool:
    """Whether searches go through the side tables (SQLite) or the plain column."""
    return connection.vendor == "sqlite"


def phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (a string in double quotes, inner quotes doubled): no
    operator, column filter or prefix syntax in a user's query is ever interpreted."""
    return '"' + text.replace('"', '""') + '"'


def key_q(
    model: type[Model],
    field: str,
    *,
    contains: Sequence[str] = (),
    word_starts: Sequence[str] = (),
    also: Sequence[Q] = (),
) -> Q:
    """Records whose ``field`` holds one of ``contains``, or has a word (the key's words are
    separated by single spaces) starting with one of ``word_starts``, or that meet one of
    ``also``: indexed conditions on the model's own columns (phone-ending ranges).

    Elsewhere than SQLite: the OR of ``__contains`` / ``__startswith`` lookups and ``also``,
    each served by its own index on PostgreSQL (pg_trgm, btree).

    SQLite: every needle long enough for a trigram becomes a phrase of one ``MATCH '"a" OR
    " b"'`` (a word start is the phrase ``' b'``, the side table's text starting with a space),
    and ``also`` joins the same subquery by ``UNION ALL``: the one ``id IN (...)`` lets SQLite
    start from the few matching ids. An OR of several ``IN``s or ranges makes it start from
    the user's scope instead and read every visible row (a director's '航旋' list: 450 ms
    p95 at 100,000 customers). Needles too short for a trigram (1 character, or 2 for
    ``contains``) keep their ``LIKE``, ORed outside."""
    side = uses_side_index()
    phrases: list[str] = []
    fallback = Q()
    for needle in contains:
        if side and len(needle) >= TRIGRAM_LENGTH and " " not in needle:
            phrases.append(phrase(needle))
        else:
            fallback |= Q(**{f"{field}__contains": needle})
    for needle in word_starts:
        if side and len(needle) + 1 >= TRIGRAM_LENGTH and " " not in needle:
            phrases.append(phrase(f" {needle}"))
        else:
            fallback |= Q(**{f"{field}__startswith": needle})
            fallback |= Q(**{f"{field}__contains": f" {needle}"})
    if not phrases:
        for condition in also:
            fallback |= condition
        return fallback
    fts = _q(side_table(model._meta.db_table))
    # The table name is the model's; the user's text is a parameter, quoted as phrases.
    parts = [f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"]  # noqa: S608
    params: list[Any] = [" OR ".join(phrases)]
    for condition in also:
        rows = model._base_manager.filter(condition).values_list("pk")
        sql, more = rows.query.sql_with_params()
        parts.append(sql)
        params.extend(more)
    return Q(pk__in=RawSQL(" UNION ALL ".join(parts), params)) | fallback  # noqa: S611


def key_contains(model: type[Model], field: str, needle: str) -> Q:
    """Records whose ``field`` holds ``needle`` (``key_q``)."""
    return key_q(model, field, contains=[needle])


def key_word_start(model: type[Model], field: str, needle: str) -> Q:
    """Records with a word of ``field`` starting with ``needle`` (``key_q``)."""
    return key_q(model, field, word_starts=[needle])
