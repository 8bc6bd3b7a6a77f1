"""vCard 3.0 (RFC 2426) export of contacts.

Field rules apply: a hidden field is left out and a masked one is left out too (a masked
phone number is useless in an address book and must not leak as a half number).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from huike.core.fields import FieldPolicy

from .models import Contact


def escape(value: Any) -> str:
    """Escape a text value: backslash, comma, semicolon and newlines (RFC 2426 §4)."""
    text = str(value)
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets, never splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode())
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _shown(policy: FieldPolicy, contact: Contact, name: str) -> Any:
    if policy.is_hidden(name) or policy.is_masked(name):
        return None
    return getattr(contact, name) or None


def card(contact: Contact, policy: FieldPolicy) -> str:
    """One contact as a vCard 3.0 text (CRLF line ends)."""
    lines = ["BEGIN:VCARD", "VERSION:3.0"]
    lines.append(f"N;CHARSET=UTF-8:{escape(contact.name)};;;;")
    lines.append(f"FN;CHARSET=UTF-8:{escape(contact.name)}")
    org = escape(contact.customer.name)
    if contact.department:
        org += ";" + escape(contact.department)
    lines.append(f"ORG;CHARSET=UTF-8:{org}")
    if contact.title:
        lines.append(f"TITLE;CHARSET=UTF-8:{escape(contact.title)}")
    if mobile := _shown(policy, contact, "mobile"):
        lines.append(f"TEL;TYPE=CELL:{escape(mobile)}")
    if phone := _shown(policy, contact, "phone"):
        lines.append(f"TEL;TYPE=WORK:{escape(phone)}")
    if email := _shown(policy, contact, "email"):
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(email)}")
    if birthday := _shown(policy, contact, "birthday"):
        lines.append(f"BDAY:{birthday.isoformat()}")
    if address := _shown(policy, contact, "address"):
        lines.append(f"ADR;CHARSET=UTF-8;TYPE=WORK:;;{escape(address)};;;;")
    if contact.remark:
        lines.append(f"NOTE;CHARSET=UTF-8:{escape(contact.remark)}")
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def cards(contacts: Iterable[Contact], policy: FieldPolicy) -> str:
    return "".join(card(c, policy) for c in contacts)
