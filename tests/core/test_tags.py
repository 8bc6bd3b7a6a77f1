"""Tags (PLT-14): case-insensitive names, bulk add/remove/set with one log line per changed
record and a fixed number of queries, and the any/all filter."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from huike.core import tags
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.models_records import Tag, TaggedRecord
from tests.testapp import records as r
from tests.testapp.models import Memo, Note

pytestmark = pytest.mark.django_db


def names_of(note):
    return sorted(t.name for t in tags.tags_of(note))


def test_tag_names_are_unique_ignoring_case():
    Tag.objects.create(name="VIP")
    with pytest.raises(IntegrityError):
        Tag.objects.create(name="vip")


def test_add_tags_reuses_existing_tag_whatever_the_case_and_logs_each_record(english):
    actor = r.editor()
    a, b = r.note(actor, "a"), r.note(actor, "b")
    Tag.objects.create(name="VIP")

    changed = tags.add_tags(actor, [a, b], ["vip", " Key   account ", "KEY ACCOUNT"])

    assert changed == 2
    assert Tag.objects.count() == 2
    assert names_of(a) == names_of(b) == ["Key account", "VIP"]
    logs = OperationLog.objects.filter(action="update").order_by("object_id")
    assert [(log.object_id, log.changes) for log in logs] == [
        (str(n.pk), [{"field": "tags", "label": "tags", "old": "", "new": "Key account, VIP"}])
        for n in (a, b)
    ]
    assert logs[0].actor == actor
    a.refresh_from_db()
    assert a.updated_by == actor


def test_adding_a_tag_a_record_already_has_changes_and_logs_nothing():
    actor = r.editor()
    n = r.note(actor)
    tags.add_tags(actor, [n], ["x"])
    OperationLog.objects.all().delete()
    assert tags.add_tags(actor, [n], ["X"]) == 0
    assert OperationLog.objects.count() == 0
    assert TaggedRecord.objects.count() == 1


def test_bulk_tagging_costs_the_same_for_one_or_fifty_records():
    actor = r.editor()
    tags.add_tags(actor, [r.note(actor, "warm-up")], ["a"])  # rights and content type cached
    one = [r.note(actor, "solo")]
    many = [r.note(actor, f"n{i}") for i in range(50)]
    Tag.objects.create(name="b")

    def cost(action, records):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert action(actor, records, ["a", "b"]) == len(records)
        return len(ctx.captured_queries)

    assert cost(tags.add_tags, one) == cost(tags.add_tags, many) <= 7
    assert cost(tags.remove_tags, one) == cost(tags.remove_tags, many) <= 6
    assert cost(tags.set_tags, one) == cost(tags.set_tags, many) <= 8


def test_remove_tags_and_set_tags():
    actor = r.editor()
    a, b = r.note(actor, "a"), r.note(actor, "b")
    tags.add_tags(actor, [a, b], ["x", "y", "z"])

    assert tags.remove_tags(actor, [a], ["Y", "unknown"]) == 1
    assert names_of(a) == ["x", "z"]
    assert names_of(b) == ["x", "y", "z"]

    assert tags.set_tags(actor, [a, b], ["z", "new"]) == 2
    assert names_of(a) == names_of(b) == ["new", "z"]
    last = OperationLog.objects.filter(object_id=str(a.pk)).order_by("-id").first()
    assert last.changes[0]["old"] == "x, z" and last.changes[0]["new"] == "new, z"


def test_with_tags_any_and_all_in_one_query(django_assert_num_queries):
    actor = r.editor()
    both, only_x, only_y, none = (r.note(actor, t) for t in ("both", "x", "y", "none"))
    tags.add_tags(actor, [both, only_x], ["X"])
    tags.add_tags(actor, [both, only_y], ["Y"])
    # a Memo with the same id and tag must not leak into Note's result
    memo = Memo.objects.create(title="m", owner=actor)
    TaggedRecord.objects.create(
        tag=Tag.objects.get(name="X"),
        content_type=ContentType.objects.get_for_model(Memo),
        object_id=none.pk,
    )
    assert memo.pk

    def titles(mode, names):
        with django_assert_num_queries(1):
            return set(
                tags.with_tags(Note.objects.all(), names, mode).values_list("title", flat=True)
            )

    assert titles("any", ["x", "y"]) == {"both", "x", "y"}
    assert titles("all", ["x", "Y"]) == {"both"}
    assert titles("all", ["x", "x"]) == {"both", "x"}
    assert titles("all", ["x", "nosuch"]) == set()
    assert titles("any", ["nosuch"]) == set()
    assert set(tags.with_tags(Note.objects.all(), [], "all")) == {both, only_x, only_y, none}


def test_prefetch_tags_sets_tag_list_in_one_query(django_assert_num_queries):
    actor = r.editor()
    notes = [r.note(actor, f"n{i}") for i in range(5)]
    tags.add_tags(actor, notes[:3], ["b", "a"])
    with django_assert_num_queries(1):
        tags.prefetch_tags(notes)
    assert [[t.name for t in n.tag_list] for n in notes] == [["a", "b"]] * 3 + [[], []]


def test_tagging_needs_the_edit_right():
    viewer = r.editor(rights=("memos.view",))
    n = r.note(viewer)
    with pytest.raises(PermissionDenied):
        tags.add_tags(viewer, [n], ["x"])
    with pytest.raises(PermissionDenied):
        tags.set_tags(viewer, [n], [])
    assert TaggedRecord.objects.count() == 0


def test_bad_tag_names_are_refused_with_a_message(english):
    actor = r.editor()
    n = r.note(actor)
    with pytest.raises(DomainError, match="at most 30 characters"):
        tags.add_tags(actor, [n], ["x" * 31])
    with pytest.raises(DomainError, match="at most 20 tags"):
        tags.add_tags(actor, [n], [f"t{i}" for i in range(21)])
    assert Tag.objects.count() == 0


def test_purging_a_record_drops_its_tag_links():
    actor = r.editor()
    n = r.note(actor)
    tags.add_tags(actor, [n], ["x"])
    Note.all_objects.filter(pk=n.pk).delete()
    assert TaggedRecord.objects.count() == 0
    assert Tag.objects.filter(name="x").exists()
