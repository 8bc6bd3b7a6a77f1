"""Derived phone columns shared by every record type that stores phone numbers (customers,
contacts, leads): the normalised number (duplicate checks) and the reversed digits ("ends
with 8860" as an index range, ``huike.core.text.phone_reverse_key``).

A model names the two fields the keys come from in ``PHONE_KEY_SOURCES``; the services call
``fill_phone_keys()`` before saving, and the search reads the same mapping to know which
phone a reversed column reveals (a user whose policy masks it must not match on it).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from .text import normalise_phone, phone_reverse_key

#: key column prefix -> position in PHONE_KEY_SOURCES
_PREFIXES = ("mobile", "phone")


#: The derived columns; each needs an index (``phone_key_indexes``).
PHONE_KEY_COLUMNS = ("mobile_key", "phone_key", "mobile_rev", "phone_rev")


def phone_key_indexes(prefix: str) -> list[models.Index]:
    """The indexes a concrete model adds to ``Meta.indexes`` for the derived columns:
    equality for duplicate checks, a range for "ends with" (no ``LIKE``, see
    ``huike.core.records.exact_indexes``)."""
    from .records import exact_indexes

    return exact_indexes(prefix, *PHONE_KEY_COLUMNS)


class PhoneKeys(models.Model):
    mobile_key = models.CharField(max_length=30, blank=True, editable=False)
    phone_key = models.CharField(max_length=30, blank=True, editable=False)
    mobile_rev = models.CharField(max_length=30, blank=True, editable=False)
    phone_rev = models.CharField(max_length=30, blank=True, editable=False)

    #: (field behind mobile_key/mobile_rev, field behind phone_key/phone_rev)
    PHONE_KEY_SOURCES: ClassVar[tuple[str, str]] = ("mobile", "phone")

    class Meta:
        abstract = True

    def fill_phone_keys(self) -> None:
        for prefix, source in zip(_PREFIXES, self.PHONE_KEY_SOURCES, strict=True):
            value = getattr(self, source)
            setattr(self, f"{prefix}_key", normalise_phone(value)[:30])
            setattr(self, f"{prefix}_rev", phone_reverse_key(value)[:30])

    @classmethod
    def phone_source(cls, column: str) -> str | None:
        """The phone field a derived column ("phone_rev") comes from ("office_phone")."""
        for prefix, source in zip(_PREFIXES, cls.PHONE_KEY_SOURCES, strict=True):
            if column in (f"{prefix}_key", f"{prefix}_rev"):
                return source
        return None
