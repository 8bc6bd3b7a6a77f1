"""Customers in bulk: the import's fast path (NFR-01: 100,000 rows with duplicate checks in
under a minute), with the rules of ``services.create_customer`` applied to a whole batch.

Per row, the service's own steps run unchanged (``_apply``, custom fields, ``_customer_keys``,
``_validate``); what costs queries is done once per batch:

* duplicates (CUS-02): one query finds every live customer sharing a batch row's normalised
  name or a phone key, one more which of the name matches the actor may see (the policy
  skip / update applies to those; an invisible one is refused as the service refuses it);
  rows repeating an earlier row of the file are treated as if that row were already saved;
* the holdings limit (POOL-05): ``limits.reserve`` once, under the lock on the owner's row;
  the rows past the limit are refused;
* numbers: one range from ``numbering.next_numbers``, in the batch's transaction (gap-free);
* one ``bulk_create`` and one ``log_many``.

The name constraint still decides races: when a parallel creator wins a name,
``bulk_create`` raises ``IntegrityError`` and the import redoes the batch row by row
(``huike.core.imports``), each row meeting the winner in the duplicate check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from huike.core import bulk_insert, custom_fields, dictionaries, numbering, scopes
from huike.core.errors import DomainError
from huike.core.imports import BulkBatch, Outcome
from huike.core.models import OperationLog
from huike.core.models_lists import ImportJob
from huike.core.permissions import check_perm
from huike.core.records import log_many
from huike.core.text import normalise_company_name

from . import services
from .models import Customer, CustomerSettings

Policy = ImportJob.OnDuplicate


@dataclass
class _Row:
    data: dict[str, Any]
    customer: Customer
    outcome: Outcome | None = None
    warnings: list[str] = field(default_factory=list)
    #: (memory dict, key) entries this row added, taken back if the row is refused later.
    remembered: list[tuple[dict, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Seen:
    """A row of an earlier dry-run batch, as the duplicate messages need it: far smaller
    than the Customer, so a dry run of 100,000 rows keeps little in memory."""

    name: str
    owner: Any
    pk: None = None


def _error(name: str, message: str) -> Outcome:
    return Outcome("error", problems=[(name, message)])


def _destination(batch: BulkBatch) -> Any:
    """The pool named by the job, if the actor may still import into it."""
    if batch.destination is None:
        return None
    from huike.pools.services import pools_to_import_into

    pool = pools_to_import_into(batch.actor).filter(pk=batch.destination).first()
    if pool is None:
        raise DomainError(_("You may no longer import into this public pool."), code="pool")
    return pool


def import_batch(batch: BulkBatch) -> list[Outcome]:
    """``RecordType.bulk_import`` of customers: one outcome per row of ``batch``."""
    check_perm(batch.actor, "customers.create")
    try:
        pool = _destination(batch)
        owner = batch.actor if pool is not None else services._check_owner(batch.actor, batch.owner)
    except (DomainError, PermissionDenied) as exc:
        message = getattr(exc, "message", "") or _("You may not change this record.")
        return [_error(getattr(exc, "field", "") or "", message) for _row in batch.rows]
    options: dict[tuple[str, str], bool] = {}
    with custom_fields.definitions_pinned("customers"):
        rows = [_prepare(batch.actor, owner, data, options) for data in batch.rows]
        valid = [r for r in rows if r.outcome is None]
        creatable = _check_duplicates(batch, valid)
    creatable = _check_limit(batch, owner, pool, creatable)
    if batch.check_only:
        for r in creatable:
            r.outcome = Outcome("created")
    elif creatable:
        _create(batch.actor, pool, creatable)
    return [r.outcome or Outcome("error") for r in rows]


def _prepare(
    actor: Any, owner: Any, data: dict[str, Any], options: dict[tuple[str, str], bool]
) -> _Row:
    """The service's per-row steps: field rules, custom fields, validation and the keys the
    duplicate check needs. Pinyin and the search key, the slow part, are left to
    ``_create`` (``_customer_keys`` there fills every key once, with the number)."""
    customer = Customer(owner=owner)
    row = _Row(data, customer)
    try:
        values, custom = services._pop_custom(data)
        changed = services._apply(actor, customer, values, services.CUSTOMER_INPUT, "customers")
        custom_fields.apply_to_record(customer, "customers", custom)
        customer.name_key = normalise_company_name((customer.name or "").strip())[:200]
        if not customer.name_key:
            services._customer_keys(customer)  # raises the service's message
        customer.fill_phone_keys()
        listed = [n for n in changed if n in services.DICTIONARY_FIELDS]
        services._validate(customer, [n for n in changed if n not in listed])
        _check_options(customer, listed, options)
    except DomainError as exc:
        row.outcome = _error(exc.field or "", exc.message)
    except ValidationError as exc:
        row.outcome = _error("", " ".join(exc.messages))
    return row


def _check_options(
    customer: Customer, names: list[str], options: dict[tuple[str, str], bool]
) -> None:
    """``services._validate``'s dictionary rule (an enabled option of the list), with each
    distinct value looked up once per batch rather than once per row."""
    for name in names:
        code, value = services.DICTIONARY_FIELDS[name], getattr(customer, name)
        if not value:
            continue
        if (code, value) not in options:
            entry = dictionaries.option(code, value)
            options[(code, value)] = entry is not None and entry.enabled
        if not options[(code, value)]:
            raise DomainError(
                _("Choose %(field)s from the list.")
                % {"field": services._field(customer, name).verbose_name},
                field=name,
            )


# -- duplicates ---------------------------------------------------------------------------


_FOUND = (
    "pk",
    "name",
    "name_key",
    "mobile_key",
    "phone_key",
    "owner",
    "owner__name",
    "owner__username",
)


def _found(rows: list[_Row]) -> list[Customer]:
    """Every live customer sharing a row's name key or a phone key, in pk order: one query,
    a UNION of three index look-ups (an OR of the three would scan the table)."""
    if not rows:
        return []
    names = {r.customer.name_key for r in rows}
    phones = {k for r in rows for k in (r.customer.mobile_key, r.customer.phone_key) if k}
    query = Customer.objects.filter(name_key__in=names).values_list(*_FOUND)
    if phones:
        query = query.union(
            Customer.objects.filter(mobile_key__in=phones).values_list(*_FOUND),
            Customer.objects.filter(phone_key__in=phones).values_list(*_FOUND),
        )
    from huike.org.models import User

    return [
        Customer(
            pk=pk,
            name=name,
            name_key=name_key,
            mobile_key=mobile_key,
            phone_key=phone_key,
            owner=User(pk=owner, name=owner_name, username=username),
        )
        for pk, name, name_key, mobile_key, phone_key, owner, owner_name, username in sorted(query)
    ]


def _phone_message(customer: Customer, name: str, other: Customer) -> str:
    # The message of services._check_duplicates, for a match found by the batch query.
    return _(
        "The phone number %(phone)s is already used by customer “%(name)s” (owner: %(owner)s)."
    ) % {"phone": getattr(customer, name), "name": other.name, "owner": other.owner}


def _unique_message(cf: Any, stored: Any) -> str:
    # The message of custom_fields.check_unique, for two rows of one file.
    return _("%(field)s: another record already has %(value)s; enter a different value.") % {
        "field": cf.label,
        "value": custom_fields.display_value(cf, stored),
    }


def _check_duplicates(batch: BulkBatch, rows: list[_Row]) -> list[_Row]:
    """Apply the duplicate policy to each row, in file order; returns the rows to create.

    ``memory`` holds the rows accepted earlier in this file and not yet in the database
    (the earlier rows of this batch; for a dry run, of every earlier batch too)."""
    found = _found(rows)
    by_name = {c.name_key: c for c in found}
    by_phone: dict[str, Customer] = {}
    for c in found:  # pk order: the first customer using a number, as the service finds it
        for key in (c.mobile_key, c.phone_key):
            if key:
                by_phone.setdefault(key, c)
    visible: dict[int, Customer] = {}
    if by_name and batch.on_duplicate != Policy.CREATE:
        visible = scopes.visible(batch.actor, Customer).in_bulk([c.pk for c in by_name.values()])
    names: dict[str, Customer] = batch.memory.setdefault("names", {})
    phones: dict[str, Customer] = batch.memory.setdefault("phones", {})
    uniques: dict[tuple[str, str], bool] = batch.memory.setdefault("unique", {})
    unique_fields = [f for f in custom_fields.fields_for("customers") if f.unique]
    warn = CustomerSettings.get().duplicates == CustomerSettings.Duplicates.WARN
    creatable = []
    for row in rows:
        customer = row.customer
        existing = by_name.get(customer.name_key)
        earlier = names.get(customer.name_key)
        if existing is not None and existing.pk in visible:
            row.outcome = _policy(batch.on_duplicate, visible[existing.pk])
            continue
        if existing is None and earlier is not None:
            row.outcome = _policy(batch.on_duplicate, earlier)
            continue
        if existing is not None:
            row.outcome = _error("name", services._name_taken_message(existing))
            continue
        message = ""
        for name, key in (("mobile", customer.mobile_key), ("office_phone", customer.phone_key)):
            other = (by_phone.get(key) or phones.get(key)) if key else None
            if other is not None:
                message = _phone_message(customer, name, other)
                if not warn:
                    row.outcome = _error(name, message)
                break
        if row.outcome is not None:
            continue
        taken = [
            cf
            for cf in unique_fields
            if not custom_fields.is_empty(customer.custom_data.get(cf.code))
            and (cf.code, json.dumps(customer.custom_data[cf.code])) in uniques
        ]
        if taken:
            cf = taken[0]
            row.outcome = _error(
                f"custom_data.{cf.code}", _unique_message(cf, customer.custom_data[cf.code])
            )
            continue
        if message:
            row.warnings.append(message)
        entry: Any = _Seen(customer.name, customer.owner) if batch.check_only else customer
        _remember(row, names, customer.name_key, entry)
        for key in (customer.mobile_key, customer.phone_key):
            if key and key not in phones:
                _remember(row, phones, key, entry)
        for cf in unique_fields:
            if not custom_fields.is_empty(customer.custom_data.get(cf.code)):
                _remember(row, uniques, (cf.code, json.dumps(customer.custom_data[cf.code])), True)
        creatable.append(row)
    return creatable


def _remember(row: _Row, memory: dict, key: Any, value: Any) -> None:
    memory[key] = value
    row.remembered.append((memory, key))


def _policy(policy: str, existing: Customer) -> Outcome:
    if policy == Policy.SKIP:
        return Outcome("skipped", record=existing)
    if policy == Policy.UPDATE:
        return Outcome("update", record=existing)
    return _error("name", services._name_taken_message(existing))


# -- holdings limit -----------------------------------------------------------------------


def _check_limit(batch: BulkBatch, owner: Any, pool: Any, rows: list[_Row]) -> list[_Row]:
    """POOL-05: keep the rows the owner may still take; refuse the rest. Locks the owner's
    row (``limits.reserve``) for the rest of the batch's transaction. Customers put into a
    pool are held by nobody and do not count."""
    from huike.pools import limits

    if pool is not None or not rows:
        return rows
    pending = batch.memory.get("pending", 0)  # dry run: created by the earlier batches
    try:
        limits.reserve(owner, pending + len(rows), claiming=False)
        room = len(rows)
    except DomainError as exc:
        if exc.code != "holding_limit":
            raise
        most = limits.limits_for(owner).max_customers or 0
        room = max(0, most - limits.held_count(owner) - pending)
        message = _(
            "%(user)s may hold at most %(max)d customers; this row would take them past "
            "that limit. Return or transfer some first, or import into a public pool."
        ) % {"user": owner, "max": most}
        for row in rows[room:]:
            row.outcome = _error("", message)
            _forget(row)
    if batch.check_only:
        batch.memory["pending"] = pending + room
    return rows[:room]


def _forget(row: _Row) -> None:
    """A row refused after the duplicate check: later rows must not meet it."""
    for memory, key in row.remembered:
        memory.pop(key, None)


# -- writing ------------------------------------------------------------------------------


def _create(actor: Any, pool: Any, rows: list[_Row]) -> None:
    """Number, stamp, insert and log the checked rows (the caller's transaction)."""
    services.ensure_numbering_rule()
    numbers = numbering.next_numbers("customers", len(rows)) or [""] * len(rows)
    now = timezone.now()
    customers = []
    for row, number in zip(rows, numbers, strict=True):
        customer = row.customer
        customer.number = number
        services._customer_keys(customer)  # the number is part of the search key
        customer.stamp(actor)
        if pool is not None:
            customer.pool, customer.pooled_at = pool, now
        customers.append(customer)
    bulk_insert.insert(Customer, customers)
    pooled = _("Imported into %(pool)s.") % {"pool": pool} if pool is not None else ""
    log_many(
        actor,
        OperationLog.Action.CREATE,
        [(r.customer, [], " ".join([*r.warnings, pooled]).strip()) for r in rows],
    )
    for row in rows:
        row.customer.duplicate_warnings = tuple(row.warnings)
        row.outcome = Outcome("created", record=row.customer)
