"""Tags on records (PLT-14): bulk add / remove / set, and the "having tags" filter.

Tagging is editing: the actor needs "<module>.edit" on the records' module, and the caller has
taken the records from ``scopes.visible()``. Each record whose tags changed gets one
operation-log line ("changed Tags from A to A, B") and a new ``updated_at``. The cost of a bulk
action does not grow with the number of records: a fixed handful of queries for 1 or 200.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import OperationLog
from .models_records import Tag, TaggedRecord
from .permissions import check_perm
from .records import Record, log_many

MAX_TAGS_PER_ACTION = 20
TAG_MAX_LENGTH = 30  # Tag.name's max_length


def clean_names(names: Iterable[str]) -> list[str]:
    """Trimmed, inner spaces collapsed, duplicates (ignoring case) dropped, order kept."""
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise DomainError(
                _("The tag “%(name)s” is too long; use at most 30 characters.") % {"name": name},
                code="tag_too_long",
                field="tags",
            )
        seen.setdefault(name.casefold(), name)
    if len(seen) > MAX_TAGS_PER_ACTION:
        raise DomainError(
            _("Give at most %(count)d tags at a time.") % {"count": MAX_TAGS_PER_ACTION},
            code="too_many_tags",
            field="tags",
        )
    return list(seen.values())


def _name_q(names: Sequence[str]) -> Q:
    return reduce(or_, (Q(name__iexact=n) for n in names), Q(pk__in=[]))


def find_tags(names: Sequence[str]) -> list[Tag]:
    return list(Tag.objects.filter(_name_q(names))) if names else []


def get_or_create_tags(names: Sequence[str]) -> list[Tag]:
    """The tags called ``names`` (any case), creating the missing ones; safe when another
    request creates the same tag at the same moment (the case-insensitive unique constraint
    decides, and we read the winner's row)."""
    found = {t.name.casefold(): t for t in find_tags(names)}
    for name in names:
        if name.casefold() in found:
            continue
        try:
            with transaction.atomic():
                found[name.casefold()] = Tag.objects.create(name=name)
        except IntegrityError:
            found[name.casefold()] = Tag.objects.get(name__iexact=name)
    return [found[n.casefold()] for n in names]


def _prepare(actor: Any, records: Sequence[Record], module: str | None) -> tuple[type, Any]:
    if not records:
        return type(None), None
    model = type(records[0])
    if any(type(r) is not model for r in records):
        raise ValueError("tag services take records of one type at a time")
    if module is None:
        from .fields import module_of

        module = module_of(model)
    check_perm(actor, f"{module}.edit")
    if any(r.is_binned for r in records):
        raise DomainError(
            _("A record in the recycle bin cannot be tagged; restore it first."), code="binned"
        )
    return model, ContentType.objects.get_for_model(model)


def _current(ct: Any, ids: list[int]) -> dict[int, dict[int, str]]:
    """{record id: {tag id: tag name}} for the records."""
    current: dict[int, dict[int, str]] = defaultdict(dict)
    rows = TaggedRecord.objects.filter(content_type=ct, object_id__in=ids).values_list(
        "object_id", "tag_id", "tag__name"
    )
    for object_id, tag_id, name in rows:
        current[object_id][tag_id] = name
    return current


def _finish(
    actor: Any,
    model: type[Record],
    records: Sequence[Record],
    before: dict[int, dict[int, str]],
    after: dict[int, dict[int, str]],
) -> int:
    """Stamp and log the records whose tags changed; return how many changed."""
    changed = [r for r in records if set(before.get(r.pk, {})) != set(after.get(r.pk, {}))]
    if not changed:
        return 0
    now = timezone.now()
    user = actor if getattr(actor, "pk", None) else None
    model.all_objects.filter(pk__in=[r.pk for r in changed]).update(updated_at=now, updated_by=user)
    label = str(Tag._meta.verbose_name_plural)

    def text(tags: dict[int, str]) -> str:
        return ", ".join(sorted(tags.values(), key=str.casefold))

    log_many(
        actor,
        OperationLog.Action.UPDATE,
        [
            (
                r,
                [
                    {
                        "field": "tags",
                        "label": label,
                        "old": text(before.get(r.pk, {})),
                        "new": text(after.get(r.pk, {})),
                    }
                ],
                "",
            )
            for r in changed
        ],
    )
    for r in changed:
        r.updated_at, r.updated_by = now, user
    return len(changed)


@transaction.atomic
def add_tags(
    actor: Any, records: Sequence[Record], names: Iterable[str], *, module: str | None = None
) -> int:
    """Put the tags on every record (creating unknown tags); returns the records changed."""
    records = list(records)
    model, ct = _prepare(actor, records, module)
    names = clean_names(names)
    if ct is None or not names:
        return 0
    tags = get_or_create_tags(names)
    ids = [r.pk for r in records]
    before = _current(ct, ids)
    TaggedRecord.objects.bulk_create(
        [TaggedRecord(tag=t, content_type=ct, object_id=pk) for pk in ids for t in tags],
        ignore_conflicts=True,
    )
    after = {pk: {**before.get(pk, {}), **{t.pk: t.name for t in tags}} for pk in ids}
    return _finish(actor, model, records, before, after)


@transaction.atomic
def remove_tags(
    actor: Any, records: Sequence[Record], names: Iterable[str], *, module: str | None = None
) -> int:
    """Take the tags off every record; unknown names are ignored."""
    records = list(records)
    model, ct = _prepare(actor, records, module)
    names = clean_names(names)
    if ct is None or not names:
        return 0
    ids = [r.pk for r in records]
    before = _current(ct, ids)
    tag_ids = {
        tag_id
        for tags in before.values()
        for tag_id, name in tags.items()
        if name.casefold() in {n.casefold() for n in names}
    }
    if not tag_ids:
        return 0
    TaggedRecord.objects.filter(content_type=ct, object_id__in=ids, tag_id__in=tag_ids).delete()
    after = {pk: {k: v for k, v in before.get(pk, {}).items() if k not in tag_ids} for pk in ids}
    return _finish(actor, model, records, before, after)


@transaction.atomic
def set_tags(
    actor: Any, records: Sequence[Record], names: Iterable[str], *, module: str | None = None
) -> int:
    """Make the records' tags exactly ``names`` (the edit form's tag field)."""
    records = list(records)
    model, ct = _prepare(actor, records, module)
    if ct is None:
        return 0
    names = clean_names(names)
    tags = get_or_create_tags(names) if names else []
    wanted = {t.pk: t.name for t in tags}
    ids = [r.pk for r in records]
    before = _current(ct, ids)
    TaggedRecord.objects.filter(content_type=ct, object_id__in=ids).exclude(
        tag_id__in=list(wanted)
    ).delete()
    TaggedRecord.objects.bulk_create(
        [
            TaggedRecord(tag_id=tag_id, content_type=ct, object_id=pk)
            for pk in ids
            for tag_id in wanted
        ],
        ignore_conflicts=True,
    )
    after = {pk: dict(wanted) for pk in ids}
    return _finish(actor, model, records, before, after)


def with_tags(qs: QuerySet, names: Iterable[str], mode: str = "any") -> QuerySet:
    """``qs`` narrowed to records having any (or all) of the tags; names ignore case.

    One sub-select over TaggedRecord's (content_type, tag, object_id) index; it adds no query
    of its own and never repeats a row. An unknown tag name matches nothing (in "all" mode the
    result is then empty).
    """
    if mode not in ("any", "all"):
        raise ValueError(f"with_tags mode must be 'any' or 'all', not {mode!r}")
    names = [n for n in (" ".join(str(n).split()) for n in names) if n]
    if not names:
        return qs
    ct = ContentType.objects.get_for_model(qs.model)
    links = TaggedRecord.objects.filter(
        content_type=ct, tag__in=Tag.objects.filter(_name_q(names)).values("pk")
    )
    if mode == "any":
        return qs.filter(pk__in=links.values("object_id"))
    wanted = len({n.casefold() for n in names})
    having_all = (
        links.order_by()
        .values("object_id")
        .annotate(n=Count("tag", distinct=True))
        .filter(n=wanted)
        .values("object_id")
    )
    return qs.filter(pk__in=having_all)


def tags_of(record: models.Model) -> list[Tag]:
    """The record's tags, by name (detail pages; lists use ``prefetch_tags``)."""
    ct = ContentType.objects.get_for_model(record)
    return list(Tag.objects.filter(links__content_type=ct, links__object_id=record.pk))


def prefetch_tags(records: Sequence[Record]) -> None:
    """Set ``record.tag_list`` on every record of a page in one query (no N+1 on lists)."""
    if not records:
        return
    ct = ContentType.objects.get_for_model(type(records[0]))
    by_record: dict[int, list[Tag]] = defaultdict(list)
    links = TaggedRecord.objects.filter(
        content_type=ct, object_id__in=[r.pk for r in records]
    ).select_related("tag")
    for link in links:
        by_record[link.object_id].append(link.tag)
    for r in records:
        r.tag_list = sorted(by_record.get(r.pk, []), key=lambda t: t.name.casefold())  # type: ignore[attr-defined]
