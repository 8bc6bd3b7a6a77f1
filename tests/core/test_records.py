"""The Record base: live and all managers, the operation-log diff (custom fields included)
and the list indexes every record type must declare."""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huike.core import oplog
from huike.core.models import OperationLog
from huike.core.records import Record, check_record_indexes, record_indexes
from tests.testapp import records as r
from tests.testapp.models import Note, NoteLine

pytestmark = pytest.mark.django_db


def test_default_manager_hides_binned_rows_and_all_objects_shows_them():
    owner = r.editor()
    live = r.note(owner, "live")
    gone = r.note(owner, "gone")
    Note.all_objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    assert list(Note.objects.values_list("title", flat=True)) == ["live"]
    assert set(Note.all_objects.values_list("title", flat=True)) == {"live", "gone"}
    assert list(Note.all_objects.binned().values_list("title", flat=True)) == ["gone"]
    assert Note._default_manager.filter(pk=gone.pk).exists() is False
    assert live.is_binned is False


def test_reverse_relation_shows_live_rows_but_a_forward_relation_reaches_a_binned_parent():
    owner = r.editor()
    n = r.note(owner, "n", lines=2)
    first = n.lines.order_by("pk").first()
    NoteLine.all_objects.filter(pk=first.pk).update(deleted_at=timezone.now())
    assert n.lines.count() == 1  # reverse managers use the live default manager
    Note.all_objects.filter(pk=n.pk).update(deleted_at=timezone.now())
    line = NoteLine.all_objects.get(pk=first.pk)
    assert line.note.title == "n"  # the base manager (all_objects) serves forward relations


def test_log_changes_reports_fields_choices_and_custom_data_in_one_row(english):
    owner, other = r.editor("owner"), r.editor("other")
    n = r.note(owner, "Old title", custom_data={"budget": "100", "region": "east"})
    before = n.snapshot_fields()
    n.title = "New title"
    n.priority = Note.Priority.HIGH
    n.owner = other
    n.custom_data["budget"] = "250"
    del n.custom_data["region"]
    n.custom_data["source"] = "fair"
    n.stamp(other)
    n.save()

    row = n.log_changes(other, before)

    assert row is not None and row.action == OperationLog.Action.UPDATE
    by_field = {c["field"]: (c["old"], c["new"]) for c in row.changes}
    assert by_field == {
        "title": ("Old title", "New title"),
        "priority": ("Low", "High"),
        "owner": (str(owner), str(other)),
        "custom_data.budget": ("100", "250"),
        "custom_data.region": ("east", ""),
        "custom_data.source": ("", "fair"),
    }
    assert list(oplog.history(n)) == [row]
    assert n.updated_by == other and n.created_by == owner


def test_log_changes_writes_nothing_when_nothing_changed():
    n = r.note(r.editor())
    before = n.snapshot_fields()
    n.save()
    assert n.log_changes(None, before) is None
    assert OperationLog.objects.count() == 0


def test_custom_data_mutation_in_place_is_still_seen():
    # The snapshot must copy custom_data: the same dict changed in place is a change.
    n = r.note(r.editor(), custom_data={"tags": ["a"]})
    before = n.snapshot_fields()
    n.custom_data["tags"].append("b")
    changes = n.changes_since(before)
    assert changes == [{"field": "custom_data.tags", "label": "tags", "old": "a", "new": "a, b"}]


def test_every_record_type_declares_the_list_indexes():
    assert check_record_indexes() == []
    names = {i.name for i in Note._meta.indexes}
    assert {"tnote_live_upd", "tnote_live_crt", "tnote_live_own"} <= names


def test_a_record_type_without_the_list_indexes_fails_the_system_check():
    from django.apps import apps
    from django.db import models

    class Bare(Record):
        title = models.CharField(max_length=10)

        class Meta:
            app_label = "testapp"

    try:
        errors = check_record_indexes()
        assert [e.id for e in errors if e.obj is Bare] == ["huike.E101"]
        assert all(isinstance(e, checks.Error) for e in errors)
    finally:
        del apps.all_models["testapp"]["bare"]
        apps.clear_cache()


def test_record_indexes_refuses_a_prefix_too_long_for_index_names():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        record_indexes("a_prefix_much_too_long_for_it")


def test_live_list_ordered_by_updated_at_uses_the_partial_index():
    owner = r.editor()
    for i in range(30):
        r.note(owner, f"n{i}")
    qs = Note.objects.order_by("-updated_at", "-id")[:10]
    with CaptureQueriesContext(connection):
        plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "tnote_live_upd" in plan
    else:
        # A 30-row table is seq-scanned by PostgreSQL's planner; forbid that to see the index.
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
        assert "tnote_live_upd" in qs.explain()
