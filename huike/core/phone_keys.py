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


class PhoneKeys(models.Model):
    mobile_key = models.CharField(max_length=30, blank=True, editable=False, db_index=True)
    phone_key = models.CharField(max_length=30, blank=True, editable=False, db_index=True)
    mobile_rev = models.CharField(max_length=30, blank=True, editable=False, db_index=True)
    phone_rev = models.CharField(max_length=30, blank=True, editable=False, db_index=True)

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
