"""The recycle bin (PLT-13): a delete takes registered dependents along in one entry, restore
brings back exactly that entry, purge removes rows and files, the nightly purge respects the
age, and every action needs its right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huike.core import attachments, recycle, tags
from huike.core.errors import ConflictError, DomainError
from huike.core.models import OperationLog
from huike.core.models_records import Attachment, RecycleEntry, TaggedRecord
from huike.core.tasks_records import purge_recycle_bin
from tests.testapp import records as r
from tests.testapp.models import Note, NoteLine

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def live_lines(note):
    return sorted(NoteLine.objects.filter(note_id=note.pk).values_list("text", flat=True))


def test_delete_bins_the_record_and_its_dependents_in_one_entry(english):
    actor = r.editor()
    note = r.note(actor, "N", lines=2)
    other = r.note(actor, "other", lines=1)

    [entry] = recycle.move_to_bin(actor, [note])

    assert not Note.objects.filter(pk=note.pk).exists()
    assert live_lines(note) == []
    assert live_lines(other) == ["other line 1"]
    assert NoteLine.all_objects.filter(note=note, deleted_at=entry.deleted_at).count() == 2
    assert note.deleted_at == entry.deleted_at and note.deleted_by == actor
    assert (entry.object_repr, entry.module, entry.member_count) == ("N", "memos", 2)
    assert RecycleEntry.objects.count() == 1  # dependents have no entry of their own
    logs = OperationLog.objects.filter(action="delete")
    assert logs.count() == 3
    [note_log] = [log for log in logs if log.target == note]
    assert "2 dependent records" in note_log.message


def test_binning_twice_is_a_no_op():
    actor = r.editor()
    note = r.note(actor)
    recycle.move_to_bin(actor, [note])
    assert recycle.move_to_bin(actor, [note]) == []
    assert RecycleEntry.objects.count() == 1


def test_bulk_delete_makes_one_entry_per_record():
    actor = r.editor()
    notes = [r.note(actor, f"n{i}", lines=1) for i in range(3)]
    entries = recycle.move_to_bin(actor, notes)
    assert sorted(e.object_repr for e in entries) == ["n0", "n1", "n2"]
    assert all(e.member_count == 1 for e in entries)


def test_restore_brings_back_exactly_its_batch_not_an_earlier_separate_delete(english):
    actor = r.editor()
    note = r.note(actor, "N", lines=3)
    first, second, third = NoteLine.objects.filter(note=note).order_by("pk")
    [line_entry] = recycle.move_to_bin(actor, [first])  # deleted on its own, earlier
    [note_entry] = recycle.move_to_bin(actor, [note])
    assert note_entry.member_count == 2

    restored = recycle.restore(actor, note_entry)

    assert restored == note and Note.objects.filter(pk=note.pk).exists()
    assert live_lines(note) == [second.text, third.text]
    assert NoteLine.all_objects.get(pk=first.pk).deleted_at is not None
    assert list(RecycleEntry.objects.all()) == [line_entry]
    assert OperationLog.objects.filter(action="restore").count() == 3

    recycle.restore(actor, line_entry)
    assert live_lines(note) == [first.text, second.text, third.text]
    assert RecycleEntry.objects.count() == 0


def test_a_dependent_cannot_come_back_while_its_parent_is_in_the_bin(english):
    actor = r.editor()
    note = r.note(actor, "N", lines=1)
    [line_entry] = recycle.move_to_bin(actor, [note.lines.get()])
    recycle.move_to_bin(actor, [note])
    with pytest.raises(DomainError, match="Restore “N” first"):
        recycle.restore(actor, line_entry)
    assert RecycleEntry.objects.count() == 2


def test_restore_keeps_tags_and_attachments(media):
    actor = r.editor()
    note = r.note(actor, lines=1)
    tags.add_tags(actor, [note], ["vip"])
    attachments.attach(actor, note, SimpleUploadedFile("a.png", PNG))
    [entry] = recycle.move_to_bin(actor, [note])
    recycle.restore(actor, entry)
    assert [t.name for t in tags.tags_of(note)] == ["vip"]
    assert Attachment.objects.count() == 1


def test_restore_that_would_break_a_unique_rule_is_refused_and_changes_nothing(english):
    actor = r.editor()
    old = r.note(actor, "old", code="K-1", lines=1)
    [entry] = recycle.move_to_bin(actor, [old])
    r.note(actor, "new", code="K-1")  # the code is free while "old" is binned
    with pytest.raises(ConflictError, match="cannot be restored"):
        recycle.restore(actor, entry)
    assert RecycleEntry.objects.filter(pk=entry.pk).exists()
    assert NoteLine.objects.filter(note=old).count() == 0


def test_restoring_an_entry_twice_says_it_is_gone(english):
    actor = r.editor()
    [entry] = recycle.move_to_bin(actor, [r.note(actor)])
    stale = RecycleEntry.objects.get(pk=entry.pk)
    recycle.restore(actor, entry)
    with pytest.raises(ConflictError, match="no longer in the recycle bin"):
        recycle.restore(actor, stale)


def test_purge_removes_rows_links_entries_and_files_after_commit(
    media, django_capture_on_commit_callbacks
):
    actor, admin = r.editor(), r.admin()
    note = r.note(actor, "N", lines=2)
    line = note.lines.order_by("pk").first()
    tags.add_tags(actor, [note], ["vip"])
    attachments.attach(actor, note, SimpleUploadedFile("a.png", PNG))
    attachments.attach(actor, line, SimpleUploadedFile("b.png", PNG))
    recycle.move_to_bin(actor, [line])  # its own entry: goes with the note all the same
    [entry] = recycle.move_to_bin(actor, [note])
    assert len(list(media.rglob("*.png"))) == 2

    with django_capture_on_commit_callbacks(execute=True):
        recycle.purge(admin, entry)

    assert not Note.all_objects.exists() and not NoteLine.all_objects.exists()
    assert RecycleEntry.objects.count() == 0
    assert TaggedRecord.objects.count() == 0 and Attachment.objects.count() == 0
    assert list(media.rglob("*.png")) == []
    assert OperationLog.objects.filter(action="purge").count() == 3


def test_purge_refuses_a_record_that_is_not_binned(english):
    admin = r.admin()
    note = r.note(admin)
    [entry] = recycle.move_to_bin(admin, [note])
    Note.all_objects.filter(pk=note.pk).update(deleted_at=None)
    with pytest.raises(DomainError, match="not in the recycle bin"):
        recycle.purge(admin, entry)
    assert Note.objects.filter(pk=note.pk).exists()


def test_purge_expired_respects_the_age(settings):
    actor = r.editor()
    old, recent = r.note(actor, "old", lines=1), r.note(actor, "recent")
    [old_entry] = recycle.move_to_bin(actor, [old])
    recycle.move_to_bin(actor, [recent])
    RecycleEntry.objects.filter(pk=old_entry.pk).update(
        deleted_at=timezone.now() - timedelta(days=31)
    )

    assert recycle.purge_expired() == 1
    assert list(Note.all_objects.values_list("title", flat=True)) == ["recent"]
    assert not NoteLine.all_objects.exists()

    settings.HUIKE_RECYCLE_BIN_DAYS = 0
    assert purge_recycle_bin.call_local() == 1
    assert not Note.all_objects.exists()


def test_purge_expired_with_explicit_days_keeps_younger_entries():
    actor = r.editor()
    [entry] = recycle.move_to_bin(actor, [r.note(actor)])
    RecycleEntry.objects.filter(pk=entry.pk).update(deleted_at=timezone.now() - timedelta(days=5))
    assert recycle.purge_expired(days=7) == 0
    assert recycle.purge_expired(days=3) == 1


def test_rights_delete_restore_and_purge():
    viewer = r.editor(rights=("memos.view", "memos.edit"))
    deleter = r.editor()
    note = r.note(viewer, lines=1)
    with pytest.raises(PermissionDenied):
        recycle.move_to_bin(viewer, [note])
    assert Note.objects.filter(pk=note.pk).exists()

    [entry] = recycle.move_to_bin(deleter, [note])
    with pytest.raises(PermissionDenied):
        recycle.restore(viewer, entry)
    with pytest.raises(PermissionDenied):
        recycle.purge(deleter, entry)  # purge is for admins (system.manage)
    assert Note.all_objects.filter(pk=note.pk).exists()
    assert RecycleEntry.objects.filter(pk=entry.pk).exists()


def test_the_bin_shows_entries_in_scope_of_modules_with_the_delete_right():
    from django.http import Http404

    mine_only = r.editor("mine", scope="self")
    someone = r.editor("someone", scope="self")
    viewer = r.editor("viewer", rights=("memos.view",))
    admin = r.admin()
    [mine] = recycle.move_to_bin(mine_only, [r.note(mine_only, "mine")])
    [theirs] = recycle.move_to_bin(someone, [r.note(someone, "theirs")])

    assert list(recycle.visible_entries(mine_only)) == [mine]
    assert list(recycle.visible_entries(viewer)) == []
    assert set(recycle.visible_entries(admin)) == {mine, theirs}
    assert recycle.get_entry_or_404(mine_only, mine.pk) == mine
    with pytest.raises(Http404):
        recycle.get_entry_or_404(mine_only, theirs.pk)
    with pytest.raises(Http404):
        recycle.get_entry_or_404(mine_only, "abc")


def test_the_nightly_purge_is_scheduled():
    from huey.contrib.djhuey import HUEY

    assert "purge_recycle_bin" in {t.name.rsplit(".", 1)[-1] for t in HUEY._registry.periodic_tasks}


def test_bin_dependents_are_checked_when_declared():
    from django.core.exceptions import ImproperlyConfigured

    from huike.core.records_registry import register_bin_dependent
    from tests.testapp.models import Memo

    with pytest.raises(ImproperlyConfigured, match="not a Record type"):
        register_bin_dependent(Note, Memo, "owner")
    with pytest.raises(ImproperlyConfigured, match="no field"):
        register_bin_dependent(Note, NoteLine, "nosuch")
    with pytest.raises(ImproperlyConfigured, match="not a foreign key to Note"):
        register_bin_dependent(Note, NoteLine, "owner")
