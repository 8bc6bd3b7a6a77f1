"""Numbering rules (编号规则, PLT-15): record numbers such as KH-20261122-0001.

A module asks ``next_number("customers")`` inside the transaction that saves the record. The
counter of the rule's current period (a day, a month, a year or for ever) is one row locked
with ``SELECT … FOR UPDATE`` and incremented in that same transaction, so:

* two writers of the same period queue on the row lock and never get the same number;
* a record creation that rolls back rolls the increment back too, so the numbers of committed
  records are consecutive (gap-free); and
* nothing is ever computed as "max + 1" over the records, which would race.

On SQLite the whole write transaction is serialised (``transaction_mode="IMMEDIATE"``), so the
same code is correct there too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Greatest
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import oplog
from .errors import DomainError
from .models import OperationLog
from .models_config import NumberingCounter, NumberingRule, code_validator
from .permissions import check_perm
from .registry import registry

PERMISSION = "system.manage"
MAX_SEGMENTS = 6
MAX_TEXT_LENGTH = 20
MAX_WIDTH = 10

TEXT, DATE, COUNTER = "text", "date", "counter"
SEGMENT_KINDS = [
    (TEXT, gettext_lazy("Text")),
    (DATE, gettext_lazy("Date")),
    (COUNTER, gettext_lazy("Counter")),
]
#: Date formats an admin may choose, with the strftime pattern each one renders with.
DATE_FORMATS: dict[str, str] = {
    "YYYY": "%Y",
    "YYYYMM": "%Y%m",
    "YYYYMMDD": "%Y%m%d",
    "YYMMDD": "%y%m%d",
}
SEPARATORS = [
    ("-", gettext_lazy("Hyphen  -")),
    ("", gettext_lazy("None")),
    ("_", gettext_lazy("Underscore  _")),
    ("/", gettext_lazy("Slash  /")),
    (".", gettext_lazy("Dot  .")),
]

Reset = NumberingRule.Reset
#: How the counter's period is named: one counter row per distinct key.
PERIOD_FORMATS = {Reset.DAILY: "%Y%m%d", Reset.MONTHLY: "%Y%m", Reset.YEARLY: "%Y", Reset.NEVER: ""}
#: How fine a period is; a date segment must be at least as fine as the reset period, or two
#: periods would print the same number (a daily counter under a YYYYMM date repeats 0001).
_FINENESS = {Reset.NEVER: 0, Reset.YEARLY: 1, Reset.MONTHLY: 2, Reset.DAILY: 3}
_DATE_FINENESS = {"YYYY": 1, "YYYYMM": 2, "YYYYMMDD": 3, "YYMMDD": 3}


# -- rendering ------------------------------------------------------------------------------


def local(at: datetime | None) -> datetime:
    """``at`` (default now) in the company's time zone: a number's date is the local date."""
    at = at or timezone.now()
    return timezone.localtime(at) if timezone.is_aware(at) else at


def period_key(reset: str, at: datetime) -> str:
    return local(at).strftime(PERIOD_FORMATS[Reset(reset)])


def render(segments: Iterable[dict], separator: str, at: datetime, value: int) -> str:
    """The number built from ``segments`` for counter ``value`` at time ``at``.

    A counter wider than its width is printed in full rather than cut, so it stays unique.
    """
    at = local(at)
    parts = []
    for segment in segments:
        kind = segment["kind"]
        if kind == TEXT:
            parts.append(segment["text"])
        elif kind == DATE:
            parts.append(at.strftime(DATE_FORMATS[segment["format"]]))
        elif kind == COUNTER:
            parts.append(str(value).zfill(int(segment["width"])))
    return separator.join(parts)


def pattern(segments: Iterable[dict], separator: str) -> str:
    """A readable shape of the rule for lists and the log, e.g. ``KH-{YYYYMMDD}-{0000}``."""
    parts = []
    for segment in segments:
        if segment["kind"] == TEXT:
            parts.append(segment["text"])
        elif segment["kind"] == DATE:
            parts.append("{" + segment["format"] + "}")
        else:
            parts.append("{" + "0" * int(segment["width"]) + "}")
    return separator.join(parts)


# -- validation -----------------------------------------------------------------------------


def clean_segments(segments: Iterable[dict[str, Any]], reset: str) -> list[dict]:
    """Check and normalise a rule's segments; raise a DomainError naming what to fix."""
    cleaned: list[dict] = []
    for raw in segments:
        kind = raw.get("kind")
        if kind == TEXT:
            text = str(raw.get("text") or "").strip()
            if not text:
                raise DomainError(_("A text segment needs its text."), field="segments")
            if len(text) > MAX_TEXT_LENGTH or any(ch.isspace() for ch in text):
                raise DomainError(
                    _("Text segments are at most %(max)d characters without spaces.")
                    % {"max": MAX_TEXT_LENGTH},
                    field="segments",
                )
            cleaned.append({"kind": TEXT, "text": text})
        elif kind == DATE:
            fmt = raw.get("format")
            if fmt not in DATE_FORMATS:
                raise DomainError(_("Choose a date format."), field="segments")
            cleaned.append({"kind": DATE, "format": fmt})
        elif kind == COUNTER:
            try:
                width = int(raw.get("width") or 0)
            except (TypeError, ValueError):
                width = 0
            if not 1 <= width <= MAX_WIDTH:
                raise DomainError(
                    _("The counter width is between 1 and %(max)d digits.") % {"max": MAX_WIDTH},
                    field="segments",
                )
            cleaned.append({"kind": COUNTER, "width": width})
        else:
            raise DomainError(_("Unknown segment type."), field="segments")
    if len(cleaned) > MAX_SEGMENTS:
        raise DomainError(
            _("A rule has at most %(max)d segments.") % {"max": MAX_SEGMENTS}, field="segments"
        )
    if sum(1 for s in cleaned if s["kind"] == COUNTER) != 1:
        raise DomainError(_("A rule needs exactly one counter segment."), field="segments")
    try:
        reset = Reset(reset)
    except ValueError:
        raise DomainError(_("Choose when the counter restarts."), field="reset") from None
    finest = max((_DATE_FINENESS[s["format"]] for s in cleaned if s["kind"] == DATE), default=0)
    if finest < _FINENESS[reset]:
        messages = {
            Reset.DAILY: _(
                "A counter that restarts daily needs a date segment showing the day "
                "(YYYYMMDD or YYMMDD), or the same number would come up twice."
            ),
            Reset.MONTHLY: _(
                "A counter that restarts monthly needs a date segment showing at least the "
                "month (YYYYMM or finer), or the same number would come up twice."
            ),
            Reset.YEARLY: _(
                "A counter that restarts yearly needs a date segment, or the same number "
                "would come up twice."
            ),
        }
        raise DomainError(messages[reset], field="segments")
    return cleaned


def _clean_separator(separator: str) -> str:
    separator = separator or ""
    if separator not in {value for value, _label in SEPARATORS}:
        raise DomainError(_("Choose a separator from the list."), field="separator")
    return separator


def module_choices() -> list[tuple[str, str]]:
    """Modules that keep records (those with data scopes), as (key, label) for a select."""
    return [(m.key, str(m.label)) for m in registry.sorted_modules() if m.scoped]


def _clean_module(module: str) -> str:
    module = (module or "").strip()
    try:
        code_validator(module)
    except Exception:
        raise DomainError(
            _("Use lower-case letters, digits and underscores for the module key."),
            field="module",
        ) from None
    known = {key for key, _label in module_choices()}
    if known and module not in known:
        raise DomainError(_("Choose a module from the list."), field="module")
    return module


# -- configuration services -----------------------------------------------------------------


def _log_changes(before: NumberingRule | None, after: NumberingRule) -> list[dict]:
    def facts(rule: NumberingRule | None) -> dict[str, tuple[str, str]]:
        if rule is None:
            return {}
        return {
            "segments": (_("Format"), pattern(rule.segments, rule.separator)),
            "reset": (_("Counter reset"), str(Reset(rule.reset).label)),
            "enabled": (_("Enabled"), _("Yes") if rule.enabled else _("No")),
        }

    old, new = facts(before), facts(after)
    return [
        {"field": name, "label": label, "old": old.get(name, ("", ""))[1], "new": text}
        for name, (label, text) in new.items()
        if old.get(name, ("", ""))[1] != text
    ]


@transaction.atomic
def create_rule(
    actor: Any,
    *,
    module: str,
    segments: list[dict],
    separator: str = "-",
    reset: str = Reset.DAILY,
    enabled: bool = True,
) -> NumberingRule:
    check_perm(actor, PERMISSION)
    module = _clean_module(module)
    rule = NumberingRule(
        module=module,
        segments=clean_segments(segments, reset),
        separator=_clean_separator(separator),
        reset=reset,
        enabled=enabled,
    )
    # A savepoint keeps the caller's transaction usable when another admin won the race.
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise DomainError(
            _("The module %(module)s already has a numbering rule; edit that one.")
            % {"module": module},
            code="duplicate",
            field="module",
        ) from None
    oplog.log(actor, OperationLog.Action.CREATE, rule, changes=_log_changes(None, rule))
    return rule


@transaction.atomic
def update_rule(
    actor: Any,
    rule: NumberingRule,
    *,
    segments: list[dict],
    separator: str,
    reset: str,
    enabled: bool,
) -> NumberingRule:
    """Change a rule. Its module stays, and so do its counters.

    When the reset changes, the counter of the new current period starts above every number
    the rule has handed out, so no number issued under the old reset can come up again.
    """
    check_perm(actor, PERMISSION)
    rule = NumberingRule.objects.select_for_update().get(pk=rule.pk)
    before = NumberingRule(
        pk=rule.pk,
        module=rule.module,
        segments=rule.segments,
        separator=rule.separator,
        reset=rule.reset,
        enabled=rule.enabled,
    )
    rule.segments = clean_segments(segments, reset)
    rule.separator = _clean_separator(separator)
    rule.reset = reset
    rule.enabled = enabled
    rule.save()
    if before.reset != rule.reset:
        _carry_counter(rule)
    changes = _log_changes(before, rule)
    if changes:
        oplog.log(actor, OperationLog.Action.UPDATE, rule, changes=changes)
    return rule


def _carry_counter(rule: NumberingRule) -> None:
    top = rule.counters.aggregate(top=Max("value"))["top"] or 0
    if not top:
        return
    period = period_key(rule.reset, timezone.now())
    NumberingCounter.objects.bulk_create(
        [NumberingCounter(rule=rule, period=period, value=top)], ignore_conflicts=True
    )
    NumberingCounter.objects.filter(rule=rule, period=period).update(
        value=Greatest(F("value"), top)
    )


def ensure_rule(
    module: str, *, segments: list[dict], separator: str = "-", reset: str = Reset.DAILY
) -> NumberingRule:
    """A module's default rule on a fresh install (for post_migrate); an existing rule, edited
    or not, is left alone."""
    rule, _created = NumberingRule.objects.get_or_create(
        module=module,
        defaults={
            "segments": clean_segments(segments, reset),
            "separator": separator,
            "reset": reset,
        },
    )
    return rule


# -- numbers --------------------------------------------------------------------------------


def next_number(module: str, at: datetime | None = None) -> str | None:
    """Take the next number of ``module``'s rule, or None when the module has no (enabled)
    rule. Must run inside the transaction that saves the record: rolling it back gives the
    number back."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "next_number() must be called inside the transaction that saves the record "
            "(transaction.atomic), or a failed save would leave a gap."
        )
    rule = NumberingRule.objects.filter(module=module, enabled=True).first()
    if rule is None:
        return None
    at = local(at)
    return render(rule.segments, rule.separator, at, _take(rule, period_key(rule.reset, at)))


def next_numbers(module: str, count: int, at: datetime | None = None) -> list[str] | None:
    """Take ``count`` consecutive numbers of ``module``'s rule in one step (a bulk import
    numbering a batch), or None when the module has no (enabled) rule.

    The same row lock and transaction rule as ``next_number``: the counter moves by ``count``
    at once, and rolling the transaction back gives the whole range back, so committed
    numbers stay gap-free however many importers and single creators run at the same time.
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "next_numbers() must be called inside the transaction that saves the records "
            "(transaction.atomic), or a failed save would leave a gap."
        )
    if count < 0:
        raise ValueError("count must not be negative")
    rule = NumberingRule.objects.filter(module=module, enabled=True).first()
    if rule is None:
        return None
    if count == 0:
        return []
    at = local(at)
    last = _take(rule, period_key(rule.reset, at), count)
    return [
        render(rule.segments, rule.separator, at, value)
        for value in range(last - count + 1, last + 1)
    ]


def _take(rule: NumberingRule, period: str, count: int = 1) -> int:
    """Add ``count`` to the period's counter under its row lock and return the new value
    (the last number taken)."""
    locked = NumberingCounter.objects.select_for_update().filter(rule=rule, period=period)
    counter = locked.first()
    if counter is None:
        # ON CONFLICT DO NOTHING: of two first writers of a period one inserts, the other
        # waits for it and then simply locks the row it made. No savepoint, no retry loop.
        NumberingCounter.objects.bulk_create(
            [NumberingCounter(rule=rule, period=period, value=0)], ignore_conflicts=True
        )
        counter = locked.get()
    counter.value += count
    counter.save(update_fields=["value"])
    return counter.value


@dataclass(frozen=True)
class Preview:
    number: str
    pattern: str


def preview(module: str, at: datetime | None = None) -> str | None:
    """What the next number of ``module`` will look like, without taking it."""
    rule = NumberingRule.objects.filter(module=module, enabled=True).first()
    if rule is None:
        return None
    return preview_rules([rule], at)[rule.pk].number


def preview_rules(rules: list[NumberingRule], at: datetime | None = None) -> dict[int, Preview]:
    """Previews of several rules with one query (the admin list)."""
    at = local(at)
    keys = {rule.pk: period_key(rule.reset, at) for rule in rules}
    values: dict[tuple[int, str], int] = {}
    if rules:
        condition = Q()
        for pk, period in keys.items():
            condition |= Q(rule_id=pk, period=period)
        values = {
            (c.rule_id, c.period): c.value
            for c in NumberingCounter.objects.filter(condition).only("rule_id", "period", "value")
        }
    return {
        rule.pk: Preview(
            number=render(
                rule.segments, rule.separator, at, values.get((rule.pk, keys[rule.pk]), 0) + 1
            ),
            pattern=pattern(rule.segments, rule.separator),
        )
        for rule in rules
    }


def preview_draft(
    rule: NumberingRule | None,
    *,
    segments: list[dict],
    separator: str,
    reset: str,
    at: datetime | None = None,
) -> Preview:
    """The next number an unsaved edit of ``rule`` (or a new rule) would give; raises a
    DomainError for an invalid draft, so the live preview shows the same message as saving."""
    segments = clean_segments(segments, reset)
    separator = _clean_separator(separator)
    at = local(at)
    last = 0
    if rule is not None and rule.pk:
        counters = NumberingCounter.objects.filter(rule=rule)
        if reset == rule.reset:
            last = (
                counters.filter(period=period_key(reset, at))
                .values_list("value", flat=True)
                .first()
                or 0
            )
        else:
            last = counters.aggregate(top=Max("value"))["top"] or 0
    return Preview(
        number=render(segments, separator, at, last + 1), pattern=pattern(segments, separator)
    )
