"""Attachments (PLT-11): the type comes from the bytes, limits are enforced before anything is
written, files live under random names, downloads carry safe headers, purge removes files."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from huike.core import attachments
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.models_records import Attachment
from tests.testapp import records as r

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 60
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 60
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def office(member: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(member, "<x/>")
    return buf.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (PNG, "a.png", "png"),
        (JPEG, "a.jpg", "jpeg"),
        (GIF, "a.gif", "gif"),
        (WEBP, "a.webp", "webp"),
        (PDF, "a.pdf", "pdf"),
        (PDF, "scan.png", "pdf"),  # the name lies; the bytes win
        (office("word/document.xml"), "a.docx", "docx"),
        (office("xl/workbook.xml"), "report.bin", "xlsx"),
        (office("ppt/presentation.xml"), "a.pptx", "pptx"),
        (office("readme.txt"), "a.zip", "zip"),
        ("名称,电话\n上海浦东,13800138000\n".encode(), "list.csv", "csv"),
        ("名称,电话\n上海浦东\n".encode("gb18030"), "gbk.csv", "csv"),
        (b"\xef\xbb\xbfplain text\r\n", "notes.txt", "text"),
        (ELF, "photo.png", None),
        (EXE, "photo.jpg", None),
        (HTML, "photo.png", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png", None),
        (b"PK\x03\x04broken", "a.docx", None),
    ],
)
def test_sniff_recognises_content_not_names(data, name, kind):
    assert attachments.sniff_bytes(data, name) == kind


def test_a_pdf_named_png_is_stored_and_served_as_pdf(media, english):
    actor = r.editor()
    note = r.note(actor)
    att = attachments.attach(actor, note, upload("scan.png", PDF, "image/png"))

    assert (att.kind, att.mime_type, att.can_preview) == ("pdf", "application/pdf", True)
    assert att.original_name == "scan.png" and att.size == len(PDF)
    assert att.sha256 == hashlib.sha256(PDF).hexdigest()
    assert att.object_id == note.pk and att.uploaded_by == actor
    # random name on disk, with the extension of the content, never the user's name
    assert "scan" not in att.file.name and att.file.name.endswith(".pdf")
    assert stored_files(media)[0].read_bytes() == PDF
    log = OperationLog.objects.get(object_id=str(note.pk))
    assert log.changes[0]["field"] == "attachments" and log.changes[0]["new"] == "scan.png"

    response = attachments.file_response(att)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "scan.png.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_document_downloads_as_attachment_in_a_sandbox(media):
    actor = r.editor()
    att = attachments.attach(actor, r.note(actor), upload("合同.docx", office("word/document.xml")))
    assert att.can_preview is False
    response = attachments.file_response(att)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.mark.parametrize(
    ("name", "data"), [("photo.png", ELF), ("photo.jpg", EXE), ("avatar.png", HTML)]
)
def test_disguised_executables_and_pages_are_refused_and_nothing_is_written(
    media, english, name, data
):
    actor = r.editor()
    with pytest.raises(DomainError, match="content was checked") as exc:
        attachments.attach(actor, r.note(actor), upload(name, data, "image/png"))
    assert exc.value.code == "file_type" and exc.value.field == "file"
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []
    assert OperationLog.objects.count() == 0


def test_oversize_and_empty_files_are_refused(media, settings, english):
    settings.HUIKE_UPLOAD_MAX_MB = 1
    actor = r.editor()
    note = r.note(actor)
    big = upload("big.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(DomainError, match="at most 1 MB") as exc:
        attachments.attach(actor, note, big)
    assert exc.value.code == "file_too_large"
    with pytest.raises(DomainError, match="empty"):
        attachments.attach(actor, note, upload("empty.txt", b""))
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_the_default_limit_is_20_mb(settings):
    if hasattr(settings, "HUIKE_UPLOAD_MAX_MB"):
        del settings.HUIKE_UPLOAD_MAX_MB
    assert attachments.max_upload_bytes() == 20 * 1024 * 1024


def test_allowed_kinds_come_from_settings(media, settings):
    actor = r.editor()
    note = r.note(actor)
    with pytest.raises(DomainError):
        attachments.attach(actor, note, upload("a.zip", office("readme.txt")))
    settings.HUIKE_UPLOAD_KINDS = ["zip"]
    assert attachments.attach(actor, note, upload("a.zip", office("readme.txt"))).kind == "zip"
    with pytest.raises(DomainError):
        attachments.attach(actor, note, upload("a.png", PNG))


def test_names_are_cleaned_of_paths_and_control_characters():
    assert attachments.clean_name("../../etc/passwd") == "passwd"
    assert attachments.clean_name("C:\\Users\\x\\报价单.pdf") == "报价单.pdf"
    assert attachments.clean_name("a\x00b\r\n.pdf") == "ab.pdf"
    assert attachments.clean_name("...") == "file"
    long = attachments.clean_name("x" * 300 + ".xlsx")
    assert len(long) == 200 and long.endswith(".xlsx")


def test_attaching_needs_the_edit_right_and_a_live_record(media, english):
    viewer = r.editor(rights=("memos.view",))
    note = r.note(viewer)
    with pytest.raises(PermissionDenied):
        attachments.attach(viewer, note, upload("a.png", PNG))
    from django.utils import timezone

    editor = r.editor()
    note.deleted_at = timezone.now()
    with pytest.raises(DomainError, match="recycle bin"):
        attachments.attach(editor, note, upload("a.png", PNG))
    assert stored_files(media) == []


def test_remove_deletes_the_row_and_the_file_after_commit(
    media, django_capture_on_commit_callbacks
):
    actor = r.editor()
    note = r.note(actor)
    att = attachments.attach(actor, note, upload("a.png", PNG))
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        attachments.remove(actor, att)
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []
    assert OperationLog.objects.filter(object_id=str(note.pk)).count() == 2


def test_remove_rolled_back_keeps_the_file(media, django_capture_on_commit_callbacks):
    actor = r.editor()
    att = attachments.attach(actor, r.note(actor), upload("a.png", PNG))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                attachments.remove(actor, att)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == []  # the file removal was discarded with the transaction
    assert Attachment.objects.count() == 1 and len(stored_files(media)) == 1
