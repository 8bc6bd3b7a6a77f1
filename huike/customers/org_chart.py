"""A customer's org chart from ``Contact.reports_to``, built from visible contacts only.

The services refuse cycles, but the tree is built defensively: a contact whose manager is
invisible, missing or part of a loop becomes a root, and no contact appears twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Contact


@dataclass
class Node:
    contact: Contact
    children: list[Node] = field(default_factory=list)


def build(contacts: list[Contact]) -> list[Node]:
    """Roots of the tree, each with its reports, in the given order.

    Walking up from any contact ends at one whose manager is not shown or at a loop member,
    both of which are roots, so every contact appears exactly once."""
    nodes = {c.pk: Node(c) for c in contacts}
    parent_of = {c.pk: c.reports_to_id for c in contacts if c.reports_to_id in nodes}
    roots: list[Node] = []
    for contact in contacts:
        parent = parent_of.get(contact.pk)
        if parent is None or _in_loop(contact.pk, parent_of):
            roots.append(nodes[contact.pk])
        else:
            nodes[parent].children.append(nodes[contact.pk])
    return roots


def _in_loop(pk: int, parent_of: dict[int, int]) -> bool:
    """True when walking up from ``pk`` comes back to ``pk``."""
    seen = {pk}
    current = parent_of.get(pk)
    while current is not None:
        if current in seen:
            return current == pk
        seen.add(current)
        current = parent_of.get(current)
    return False
