"""Business actions on customers and contacts: create and edit, with the duplicate check
(CUS-02) and the primary contact switch.

Every action takes the acting user, checks the right, runs in one transaction, writes the
operation log and raises a ``DomainError`` whose message says what to do. Views, the API and
imports call these functions; none reimplements a rule.

The duplicate check is two layers:

* a look-up before writing, which gives the friendly message naming the existing customer
  and its owner, and which is the only layer for phone numbers (refused or warned, per
  ``CustomerSettings.duplicates``);
* the partial unique constraint on ``name_key``, which is what makes names unique when two
  users create the same customer at the same moment: the loser's ``IntegrityError`` is turned
  into the same message.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from huike.core import custom_fields, dictionaries, numbering, oplog, scopes
from huike.core import fields as field_rules
from huike.core.errors import ConflictError, DomainError
from huike.core.models import OperationLog
from huike.core.permissions import check_perm
from huike.core.text import (
    normalise_company_name,
    pinyin_full,
    search_keys,
)

from .models import Contact, Customer, CustomerSettings

#: The default numbering rule of customers: KH-20261122-0001, restarting daily.
NUMBER_SEGMENTS: list[dict[str, Any]] = [
    {"kind": "text", "text": "KH"},
    {"kind": "date", "format": "YYYYMMDD"},
    {"kind": "counter", "width": 4},
]

#: Fields a caller may set; everything else is derived, maintained by other modules, or has
#: an action of its own (owner: transfer; is_locked: lock; primary contact: set_primary).
CUSTOMER_INPUT = frozenset(
    f.name
    for f in Customer._meta.concrete_fields
    if f.editable and f.name not in {"id", "owner", "custom_data", "created_at"}
)
CONTACT_INPUT = frozenset(
    f.name
    for f in Contact._meta.concrete_fields
    if f.editable and f.name not in {"id", "owner", "custom_data", "created_at", "customer"}
)
DICTIONARY_FIELDS = {"type": "customer_type", "source": "customer_source"}
DICTIONARY_FIELDS.update({"level": "customer_level", "industry": "industry"})


def ensure_numbering_rule() -> None:
    """Give customers their default numbering rule unless one exists (edited, disabled or
    not). Called on the first customer created; the demo loader may call it too."""
    numbering.ensure_rule("customers", segments=NUMBER_SEGMENTS, separator="-", reset="daily")


# -- input ----------------------------------------------------------------------------------


def _field(record: models.Model, name: str) -> models.Field:
    return cast(models.Field, record._meta.get_field(name))


def _apply(
    actor: Any,
    record: Customer | Contact,
    data: Mapping[str, Any],
    allowed: frozenset[str],
    module: str,
) -> list[str]:
    """Copy ``data`` onto ``record`` after checking names and field rules; returns the names
    set. A read-only (or hidden, or masked) field the user changes is refused, not ignored:
    a silently dropped edit looks like a saved one."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(unknown)},
            field=unknown[0],
        )
    policy = field_rules.policy(actor, module)
    changed = []
    for name, value in data.items():
        field = _field(record, name)
        if value is None and isinstance(field, models.CharField | models.TextField):
            value = ""
        if isinstance(value, str):
            value = value.strip()
        if getattr(record, field.attname) == value or getattr(record, name) == value:
            continue
        if policy.is_readonly(name):
            raise DomainError(
                _("You may not change %(field)s.") % {"field": field.verbose_name}, field=name
            )
        setattr(record, name, value)
        changed.append(name)
    return changed


@functools.cache
def _not_input(model: type[models.Model]) -> list[str]:
    """Fields ``_validate`` leaves alone (computed once per model: the 100,000-row import
    spent 4 s of its CPU rebuilding this list for every row)."""
    inputs = CUSTOMER_INPUT | CONTACT_INPUT
    return [f.name for f in model._meta.concrete_fields if f.name not in inputs]


def _validate(record: Customer | Contact, changed: Iterable[str]) -> None:
    """Field checks (lengths, e-mail, URL, choices, dictionary values) before any write."""
    try:
        record.full_clean(
            exclude=_not_input(type(record)), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise DomainError(
            f"{_field(record, name).verbose_name}: {messages[0]}"
            if name in {f.name for f in record._meta.fields}
            else messages[0],
            field=name,
        ) from None
    if isinstance(record, Customer):
        for name in changed:
            code = DICTIONARY_FIELDS.get(name)
            value = getattr(record, name)
            if code and value:
                entry = dictionaries.option(code, value)
                if entry is None or not entry.enabled:
                    raise DomainError(
                        _("Choose %(field)s from the list.")
                        % {"field": _field(record, name).verbose_name},
                        field=name,
                    )


def _check_owner(actor: Any, owner: Any) -> Any:
    owner = owner or actor
    if not getattr(owner, "is_active", False):
        raise DomainError(
            _("%(name)s is disabled and cannot own records.") % {"name": owner}, field="owner"
        )
    return owner


def _still_visible(actor: Any, record: models.Model) -> None:
    """After a write the writer must still see the record; otherwise the transaction rolls
    back rather than leave a record its creator cannot reach (ARCHITECTURE)."""
    if not scopes.is_visible(actor, record):
        raise DomainError(
            _(
                "You would not be able to see this record after saving it; choose an owner "
                "within your data scope."
            ),
            code="out_of_scope",
            field="owner",
        )


# -- keys and duplicates --------------------------------------------------------------------


def _customer_keys(customer: Customer) -> None:
    customer.name = (customer.name or "").strip()
    if not customer.name:
        raise DomainError(_("Enter the customer's name."), field="name")
    customer.name_key = normalise_company_name(customer.name)[:200]
    if not customer.name_key:
        raise DomainError(_("Enter a customer name with letters or characters."), field="name")
    customer.pinyin = pinyin_full(customer.name)[:255]
    customer.fill_phone_keys()
    customer.search_key = search_keys(
        customer.name, customer.number, customer.mobile, customer.office_phone, customer.email
    )


def _contact_keys(contact: Contact) -> None:
    contact.name = (contact.name or "").strip()
    if not contact.name:
        raise DomainError(_("Enter the contact's name."), field="name")
    contact.fill_phone_keys()
    contact.search_key = search_keys(contact.name, contact.mobile, contact.phone, contact.email)


def _name_taken_message(existing: Customer) -> str:
    return _("A customer “%(name)s” already exists (owner: %(owner)s).") % {
        "name": existing.name,
        "owner": existing.owner,
    }


def _name_duplicate(customer: Customer) -> Customer | None:
    return (
        Customer.objects.filter(name_key=customer.name_key)
        .exclude(pk=customer.pk)
        .select_related("owner")
        .first()
    )


def _phone_duplicate(customer: Customer) -> tuple[str, Customer] | None:
    """(field, existing customer) for the first phone of ``customer`` a live customer uses."""
    for name, key in (("mobile", customer.mobile_key), ("office_phone", customer.phone_key)):
        if not key:
            continue
        existing = (
            Customer.objects.filter(Q(mobile_key=key) | Q(phone_key=key))
            .exclude(pk=customer.pk)
            .select_related("owner")
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return name, existing
    return None


def _check_duplicates(customer: Customer) -> list[str]:
    """Refuse a duplicate name; refuse or warn about a duplicate phone. Returns warnings."""
    existing = _name_duplicate(customer)
    if existing is not None:
        raise ConflictError(_name_taken_message(existing), code="duplicate", field="name")
    found = _phone_duplicate(customer)
    if found is None:
        return []
    field, existing = found
    message = _(
        "The phone number %(phone)s is already used by customer “%(name)s” (owner: %(owner)s)."
    ) % {"phone": getattr(customer, field), "name": existing.name, "owner": existing.owner}
    if CustomerSettings.get().duplicates == CustomerSettings.Duplicates.WARN:
        return [message]
    raise ConflictError(message, code="duplicate", field=field)


def _save_customer(customer: Customer) -> None:
    """Save under a savepoint: a concurrent creator of the same name makes the constraint
    fail here, and the caller's transaction stays usable to find whom it lost to."""
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        existing = _name_duplicate(customer)
        if existing is not None:
            raise ConflictError(
                _name_taken_message(existing), code="duplicate", field="name"
            ) from None
        raise ConflictError(
            _("Someone saved a customer with the same details a moment ago; try again."),
            code="conflict",
        ) from None


# -- customers ------------------------------------------------------------------------------


@transaction.atomic
def create_customer(actor: Any, data: Mapping[str, Any], *, owner: Any = None) -> Customer:
    """Create a customer owned by ``owner`` (default: the actor), numbered by the module's
    rule. A warned phone duplicate is listed in ``customer.duplicate_warnings``.

    The owner's holdings limit (POOL-05) counts a new customer like a claimed one: the
    check locks the owner's row for the rest of this transaction, so parallel creators for
    one owner are serialised and cannot end above the limit."""
    from huike.pools import limits

    check_perm(actor, "customers.create")
    customer = Customer(owner=_check_owner(actor, owner))
    data, custom = _pop_custom(data)
    changed = _apply(actor, customer, data, CUSTOMER_INPUT, "customers")
    custom_fields.apply_to_record(customer, "customers", custom)
    _customer_keys(customer)
    _validate(customer, changed)
    limits.reserve(customer.owner, 1, claiming=False)
    warnings = _check_duplicates(customer)
    ensure_numbering_rule()
    customer.number = numbering.next_number("customers") or ""
    _customer_keys(customer)  # the number is part of the search key
    customer.stamp(actor)
    _save_customer(customer)
    _still_visible(actor, customer)
    oplog.log(actor, OperationLog.Action.CREATE, customer, message=" ".join(warnings))
    customer.duplicate_warnings = tuple(warnings)
    return customer


def _lock_visible_customer(actor: Any, customer: Customer) -> Customer:
    locked = (
        # of=self: scope rules may outer-join other tables, which PostgreSQL cannot lock.
        scopes.visible(actor, Customer, Customer.all_objects.select_for_update(of=("self",)))
        .filter(pk=customer.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    if locked.deleted_at is not None:
        raise DomainError(
            _("“%(record)s” is in the recycle bin; restore it first.") % {"record": locked},
            code="binned",
        )
    if locked.pool_id is not None:
        raise DomainError(
            _("“%(record)s” is in the public pool; claim it first.") % {"record": locked},
            code="pooled",
        )
    from .actions import check_can_edit  # actions builds on these services

    check_can_edit(actor, locked)  # a read-only team member sees the customer, may not edit
    return locked


@transaction.atomic
def update_customer(actor: Any, customer: Customer, data: Mapping[str, Any]) -> Customer:
    check_perm(actor, "customers.edit")
    customer = _lock_visible_customer(actor, customer)
    before = customer.snapshot_fields()
    data, custom = _pop_custom(data)
    changed = _apply(actor, customer, data, CUSTOMER_INPUT, "customers")
    custom_changed = custom_fields.apply_to_record(customer, "customers", custom)
    warnings: list[str] = []
    if changed or custom_changed:
        _customer_keys(customer)
        _validate(customer, changed)
        if {"name", "mobile", "office_phone"} & set(changed):
            warnings = _check_duplicates(customer)
        customer.stamp(actor)
        _save_customer(customer)
        customer.log_changes(actor, before)
    customer.duplicate_warnings = tuple(warnings)
    return customer


# -- contacts -------------------------------------------------------------------------------


def _check_reports_to(contact: Contact) -> None:
    boss = contact.reports_to
    if boss is None:
        return
    if boss.customer_id != contact.customer_id or boss.deleted_at is not None:
        raise DomainError(
            _("A contact reports to a colleague at the same customer."), field="reports_to"
        )
    seen = {contact.pk}
    while boss is not None:
        if boss.pk in seen:
            raise DomainError(
                _("%(name)s cannot report to someone who reports to them.")
                % {"name": contact.name},
                field="reports_to",
            )
        seen.add(boss.pk)
        boss = boss.reports_to


def _make_primary(actor: Any, customer: Customer, contact: Contact) -> None:
    """Make ``contact`` its customer's only primary contact. The customer row is locked by
    the caller, so two switches on one customer queue; the old primary is unset first, so the
    partial unique constraint never sees two."""
    old = customer.primary_contact
    Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=contact.pk).update(
        is_primary=False
    )
    if not contact.is_primary:
        contact.is_primary = True
        contact.save(update_fields=["is_primary"])
    if customer.primary_contact_id != contact.pk or customer.contact_title != contact.title:
        customer.primary_contact = contact
        customer.contact_title = contact.title
        customer.save(update_fields=["primary_contact", "contact_title", "updated_at"])
        if old is None or old.pk != contact.pk:
            oplog.log(
                actor,
                OperationLog.Action.UPDATE,
                customer,
                changes=[
                    {
                        "field": "primary_contact",
                        "label": str(Customer._meta.get_field("primary_contact").verbose_name),
                        "old": str(old or ""),
                        "new": str(contact),
                    }
                ],
            )


def _pop_custom(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    rest = dict(data)
    return rest, rest.pop("custom_data", None)


def _pop_primary(data: Mapping[str, Any]) -> tuple[dict[str, Any], bool | None]:
    rest = dict(data)
    primary = rest.pop("is_primary", None)
    return rest, None if primary is None else bool(primary)


@transaction.atomic
def create_contact(actor: Any, customer: Customer, data: Mapping[str, Any]) -> Contact:
    """Add a contact to ``customer``. It is owned by the customer's owner; the customer's
    first contact, or one created with ``is_primary``, becomes its primary contact."""
    check_perm(actor, "contacts.create")
    customer = _lock_visible_customer(actor, customer)
    data, primary = _pop_primary(data)
    data, custom = _pop_custom(data)
    contact = Contact(customer=customer, owner=customer.owner)
    _apply(actor, contact, data, CONTACT_INPUT, "contacts")
    custom_fields.apply_to_record(contact, "contacts", custom)
    _contact_keys(contact)
    _validate(contact, data)
    _check_reports_to(contact)
    contact.stamp(actor)
    contact.save()
    oplog.log(actor, OperationLog.Action.CREATE, contact)
    if primary or (primary is None and customer.primary_contact_id is None):
        _make_primary(actor, customer, contact)
    _still_visible(actor, contact)
    return contact


@transaction.atomic
def update_contact(actor: Any, contact: Contact, data: Mapping[str, Any]) -> Contact:
    check_perm(actor, "contacts.edit")
    locked = (
        scopes.visible(actor, Contact, Contact.all_objects.all())
        .filter(pk=contact.pk, deleted_at__isnull=True)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    customer = _lock_visible_customer(actor, locked.customer)
    contact = Contact.all_objects.select_for_update().get(pk=locked.pk)
    data, primary = _pop_primary(data)
    before = contact.snapshot_fields()
    data, custom = _pop_custom(data)
    changed = _apply(actor, contact, data, CONTACT_INPUT, "contacts")
    if custom_fields.apply_to_record(contact, "contacts", custom):
        changed.append("custom_data")
    if changed:
        _contact_keys(contact)
        _validate(contact, changed)
        _check_reports_to(contact)
        contact.stamp(actor)
        contact.save()
        contact.log_changes(actor, before)
    if primary:
        _make_primary(actor, customer, contact)
    elif primary is False and contact.is_primary:
        contact.is_primary = False
        contact.save(update_fields=["is_primary"])
        customer.primary_contact = None
        customer.contact_title = ""
        customer.save(update_fields=["primary_contact", "contact_title", "updated_at"])
    elif contact.is_primary and "title" in changed:
        _make_primary(actor, customer, contact)  # keeps the customer's contact title in step
    return contact
