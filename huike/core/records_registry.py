"""Declarations about record types that the recycle bin reads (PLT-13).

A record type names the records that go to the bin with it: a customer's contacts, an
opportunity's lines. Declared once in the owning module's ``AppConfig.ready()``::

    register_bin_dependent(Customer, Contact, "customer")

Dependents are followed recursively (a dependent's own dependents go too). Kept apart from
``huike.core.registry`` so that module stays free of record-specific imports; the two may be
merged when the generic record registry (list columns, forms, serializers) is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

from .records import Record


@dataclass(frozen=True)
class BinDependent:
    """Rows of ``model`` whose ``fk`` points at a record of the parent type."""

    model: type[Record]
    fk: str
    #: The column holding the parent's id ("note_id"), for filtering without a join.
    attname: str


_dependents: dict[type[models.Model], list[BinDependent]] = {}


def register_bin_dependent(parent: type[Record], model: type[Record], fk: str) -> None:
    for m in (parent, model):
        if not (isinstance(m, type) and issubclass(m, Record)):
            raise ImproperlyConfigured(
                f"{getattr(m, '__name__', m)} is not a Record type; only records go to the bin"
            )
    try:
        field = model._meta.get_field(fk)
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"{model.__name__} has no field {fk!r}") from None
    if not (isinstance(field, models.ForeignKey) and field.related_model is parent):
        raise ImproperlyConfigured(
            f"{model.__name__}.{fk} is not a foreign key to {parent.__name__}"
        )
    entries = _dependents.setdefault(parent, [])
    if not any(d.model is model and d.fk == fk for d in entries):
        entries.append(BinDependent(model=model, fk=fk, attname=field.attname))


def dependents_of(model: type[models.Model]) -> list[BinDependent]:
    return list(_dependents.get(model, []))


def parents_of(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """(parent type, fk) pairs naming ``model`` as a dependent: restoring a record whose parent
    is still in the bin must be refused."""
    return [
        (parent, d.fk) for parent, deps in _dependents.items() for d in deps if d.model is model
    ]
