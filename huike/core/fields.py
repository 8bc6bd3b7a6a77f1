"""Field permissions (ORG-06): hidden, masked and read-only fields, decided in one place.

``policy(user, Model)`` answers for the UI, the API, exports, search results and reports alike.
With several roles the least restrictive rule wins: a field stays hidden only if every role
hides it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .permissions import rights
from .registry import registry


class FieldRule(models.TextChoices):
    # Ordered from least to most restrictive; the order is what "least restrictive wins" uses.
    READONLY = "readonly", _("Read-only")
    MASKED_IN_LIST = "masked_list", _("Masked in lists")
    MASKED = "masked", _("Masked everywhere")
    HIDDEN = "hidden", _("Hidden")


_RANK = {
    None: 0,
    FieldRule.READONLY: 1,
    FieldRule.MASKED_IN_LIST: 2,
    FieldRule.MASKED: 3,
    FieldRule.HIDDEN: 4,
}


def mask_value(value: Any) -> str:
    """Mask a phone number, e-mail or other identifier: 13809228860 → 138****8860.

    Phone-length values keep the first 3 and last 4 characters, the way Chinese apps show
    numbers; shorter values keep a quarter at each end, so masking never reveals most of a
    short value; e-mails keep the first letter and the domain.
    """
    if value is None or value == "":
        return ""
    text = str(value)
    if "@" in text:
        local, _sep, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(text) >= 11:
        return f"{text[:3]}****{text[-4:]}"
    keep = len(text) // 4
    if keep == 0:
        return "***"
    return f"{text[:keep]}****{text[-keep:]}"


@dataclass(frozen=True)
class FieldPolicy:
    """What one user may do with a module's declared policy fields. Fields not named here are
    unrestricted. "Masked in lists" shows the full value on the detail page and in forms."""

    hidden: frozenset[str] = field(default_factory=frozenset)
    masked: frozenset[str] = field(default_factory=frozenset)
    masked_in_list: frozenset[str] = field(default_factory=frozenset)
    readonly: frozenset[str] = field(default_factory=frozenset)

    def is_hidden(self, name: str) -> bool:
        return name in self.hidden

    def is_masked(self, name: str, *, in_list: bool = False) -> bool:
        return name in self.masked or (in_list and name in self.masked_in_list)

    def is_readonly(self, name: str) -> bool:
        """Hidden and masked fields cannot be edited either: the user cannot see them."""
        return name in self.readonly or name in self.hidden or name in self.masked

    def display(self, name: str, value: Any, *, in_list: bool = False) -> Any:
        """The value as this user may see it (None when hidden)."""
        if name in self.hidden:
            return None
        if self.is_masked(name, in_list=in_list):
            return mask_value(value)
        return value


UNRESTRICTED = FieldPolicy()


def module_of(model_or_module: type[models.Model] | str) -> str:
    if isinstance(model_or_module, str):
        return model_or_module
    return registry.scoped(model_or_module).module


def policy(user: Any, model_or_module: type[models.Model] | str) -> FieldPolicy:
    """The hidden, masked and read-only fields of a module for ``user``.

    The rules that count are those of the roles granting "<module>.view": a role that has
    nothing to do with the module cannot unmask its fields. (When only a personal grant gives
    the view right, every role's rules count.) For each field the least restrictive of those
    rules wins. Superadmins, and users without any role, are unrestricted: rules live on roles.
    """
    r = rights(user)
    if r.is_superadmin or not r.roles:
        return UNRESTRICTED
    module = module_of(model_or_module)
    cached = r.field_policies.get(module)
    if cached is not None:
        return cached
    roles = r.roles_granting(f"{module}.view") or r.roles
    by_rule: dict[str, set[str]] = {rule: set() for rule in FieldRule.values}
    for name, _label in registry.module(module).policy_fields:
        rules = [((role.field_policies or {}).get(module) or {}).get(name) for role in roles]
        weakest = min(rules, key=lambda rule: _RANK.get(rule, 0))
        if weakest in by_rule:
            by_rule[weakest].add(name)
    result = FieldPolicy(
        hidden=frozenset(by_rule[FieldRule.HIDDEN]),
        masked=frozenset(by_rule[FieldRule.MASKED]),
        masked_in_list=frozenset(by_rule[FieldRule.MASKED_IN_LIST]),
        readonly=frozenset(by_rule[FieldRule.READONLY]),
    )
    r.field_policies[module] = result
    return result
