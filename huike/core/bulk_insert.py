"""Inserting many rows of one model at once: ``bulk_create``, or ``COPY`` on PostgreSQL when
there are enough rows for it to pay.

The 100,000-row customer import (NFR-01: under 60 s) spent about a quarter of its CPU inside
``bulk_create``: Django prepares every field of every object through the generic field API
(65 fields by 1,000 rows a batch), and on PostgreSQL 5.2 dumps each column as an array in
Python. ``COPY ... FROM STDIN`` takes the rows as plain tuples, dumped by psycopg's C code.
The ids come first from the table's own sequence, so the objects know their keys afterwards
exactly as after ``bulk_create``.

Only values whose Python form PostgreSQL's text input takes as it is are passed through
untouched (text, numbers, decimals, booleans, dates and times, foreign keys); every other
field type (JSON, IP addresses, …) still goes through its ``get_db_prep_save``. Errors come
out as Django's (``IntegrityError`` on a unique clash), so callers handle them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)

#: Below this many rows ``bulk_create`` is used: one INSERT is as fast, and small bulk
#: actions keep the queries the tests count.
COPY_FROM = 500

#: Field types whose Python values psycopg writes for COPY as they are.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,  # DateTimeField too
    models.DecimalField,
    models.ForeignKey,
)


def insert(model: type[M], objs: list[M]) -> list[M]:
    """Insert ``objs`` (new instances of ``model``) and set their primary keys."""
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM or not _copyable(model):
        return model._base_manager.bulk_create(objs)
    opts = model._meta
    pk = opts.pk
    fields = [f for f in opts.concrete_fields if f is not pk]
    steps = [(f, _preparer(f)) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in [pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        sql = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN"
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for obj, key in zip(objs, ids, strict=True):
                obj.pk = key
                copy.write_row([key, *(fn(f.pre_save(obj, True)) for f, fn in steps)])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _copyable(model: type[models.Model]) -> bool:
    """Whether every column takes a value from the object: a generated column or a database
    default (values Django leaves to the database) is left to ``bulk_create``."""
    return not any(
        getattr(f, "generated", False) or f.db_default is not models.NOT_PROVIDED
        for f in model._meta.concrete_fields
    )


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, _PLAIN):
        return _same
    return lambda value: field.get_db_prep_save(value, connection)


def _same(value: Any) -> Any:
    return value
