"""Attachments on records (PLT-11): checks by content, storage and download.

The type of a file is what its bytes say, never its name or the browser's Content-Type: a
"photo.png" that is an executable or an HTML page is refused, and a "scan.png" that is a PDF
is stored and served as a PDF. Checks run before anything is written, so a refused upload
leaves no file and no row behind. Files are stored under a random name
(``models_records.attachment_path``); the user's name is only shown and offered on download.

Limits (Django settings): ``HUIKE_UPLOAD_MAX_MB`` (default 20) and ``HUIKE_UPLOAD_KINDS`` (the
allowed kinds, default ``DEFAULT_KINDS``).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from . import oplog
from .errors import DomainError
from .models import OperationLog
from .models_records import Attachment
from .permissions import check_perm
from .records import Record

HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Kind:
    mime: str
    extensions: tuple[str, ...]
    previewable: bool = False


KINDS: dict[str, Kind] = {
    "png": Kind("image/png", (".png",), previewable=True),
    "jpeg": Kind("image/jpeg", (".jpg", ".jpeg"), previewable=True),
    "gif": Kind("image/gif", (".gif",), previewable=True),
    "webp": Kind("image/webp", (".webp",), previewable=True),
    "pdf": Kind("application/pdf", (".pdf",), previewable=True),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
    ),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "pptx": Kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
    ),
    "zip": Kind("application/zip", (".zip",)),
    "text": Kind("text/plain", (".txt",)),
    "csv": Kind("text/csv", (".csv",)),
}
DEFAULT_KINDS = ("png", "jpeg", "gif", "webp", "pdf", "docx", "xlsx", "pptx", "text", "csv")

#: Members that identify an Office Open XML package, checked in this order.
_OOXML = (
    ("word/document.xml", "docx"),
    ("xl/workbook.xml", "xlsx"),
    ("ppt/presentation.xml", "pptx"),
)
#: Text that a browser (or a user double-clicking the download) would treat as a page.
_MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe", b"<head")


def max_upload_bytes() -> int:
    return int(getattr(settings, "HUIKE_UPLOAD_MAX_MB", 20)) * 1024 * 1024


def allowed_kinds() -> tuple[str, ...]:
    return tuple(getattr(settings, "HUIKE_UPLOAD_KINDS", DEFAULT_KINDS))


def _read_head(f: Any) -> bytes:
    f.seek(0)
    head = f.read(HEAD_BYTES)
    f.seek(0)
    return head


def _zip_kind(f: Any) -> str | None:
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        f.seek(0)
    if "[Content_Types].xml" in names:
        for member, kind in _OOXML:
            if member in names:
                return kind
    return "zip"


def _decodes_as_text(head: bytes, complete: bool) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Not final unless the whole file is here: a character cut at the end of the head
            # is not an error.
            codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _text_kind(head: bytes, complete: bool, name: str) -> str | None:
    if not _decodes_as_text(head, complete):
        return None
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in lowered[:1024] for marker in _MARKUP):
        return None
    if not all(
        ch in "\t\r\n\f" or unicodedata.category(ch) != "Cc"
        for ch in head[:4096].decode("utf-8", "ignore")
    ):
        return None  # control characters: a binary format that happens to decode
    return "csv" if name.lower().endswith(".csv") else "text"


def sniff(f: Any, name: str = "") -> str | None:
    """The kind of file ``f`` (a file object) by its bytes, or None when unrecognised.

    ``name`` only tells CSV from plain text, which no byte can.
    """
    head = _read_head(f)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(f)
    size = getattr(f, "size", None)
    complete = size is not None and size <= len(head)
    return _text_kind(head, complete, name)


def clean_name(name: str) -> str:
    """The name shown and offered on download: no directories, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "file"


def download_name(attachment: Attachment) -> str:
    """The original name, with an extension that matches the content appended when it does
    not (a PDF uploaded as "scan.png" downloads as "scan.png.pdf" and opens as a PDF)."""
    kind = KINDS.get(attachment.kind)
    name = attachment.original_name
    if kind and not name.lower().endswith(kind.extensions):
        name += kind.extensions[0]
    return name


def check_upload(uploaded: Any) -> str:
    """Validate an uploaded file; return its kind or raise DomainError. Writes nothing."""
    size = uploaded.size
    if not size:
        raise DomainError(_("The file is empty."), code="empty_file", field="file")
    limit = max_upload_bytes()
    if size > limit:
        raise DomainError(
            _("The file is %(size)s MB; files may be at most %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": limit // (1024 * 1024)},
            code="file_too_large",
            field="file",
        )
    kind = sniff(uploaded, uploaded.name or "")
    if kind is None or kind not in allowed_kinds():
        allowed = ", ".join(
            ext.lstrip(".") for k in allowed_kinds() if k in KINDS for ext in KINDS[k].extensions
        )
        raise DomainError(
            _(
                "This type of file cannot be attached (its content was checked, not its "
                "name). Allowed: %(allowed)s."
            )
            % {"allowed": allowed},
            code="file_type",
            field="file",
        )
    return kind


def _sha256(f: Any) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    for chunk in iter(lambda: f.read(1024 * 1024), b""):
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


def _module(record: Record) -> str:
    from .fields import module_of

    return module_of(type(record))


def attach(actor: Any, record: Record, uploaded: Any, *, module: str | None = None) -> Attachment:
    """Store ``uploaded`` (a Django UploadedFile or File) on ``record``.

    The caller has found ``record`` through ``scopes.visible()``; attaching is editing, so the
    actor needs "<module>.edit". If the transaction rolls back after the file was written, the
    file stays as an orphan on the storage (never a row without its file).
    """
    module = module or _module(record)
    check_perm(actor, f"{module}.edit")
    if record.is_binned:
        raise DomainError(_("This record is in the recycle bin; restore it first."), code="binned")
    kind = check_upload(uploaded)
    from django.contrib.contenttypes.models import ContentType

    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        original_name=clean_name(uploaded.name or ""),
        size=uploaded.size,
        kind=kind,
        mime_type=KINDS[kind].mime,
        sha256=_sha256(uploaded),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    with transaction.atomic():
        attachment.file.save(attachment.original_name, uploaded, save=False)
        try:
            attachment.save()
        except Exception:
            if attachment.file.name:
                attachment.file.storage.delete(attachment.file.name)
            raise
        oplog.log(
            actor,
            OperationLog.Action.UPDATE,
            record,
            changes=[
                {
                    "field": "attachments",
                    "label": str(Attachment._meta.verbose_name_plural),
                    "old": "",
                    "new": attachment.original_name,
                }
            ],
        )
    return attachment


def delete_files_on_commit(names: list[tuple[Any, str | None]]) -> None:
    """Remove stored files once the rows are gone for good (a rollback keeps both)."""

    def remove() -> None:
        for storage, name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(remove)


@transaction.atomic
def remove(actor: Any, attachment: Attachment, *, module: str | None = None) -> None:
    """Delete an attachment and, after commit, its file."""
    record = attachment.target
    if record is None:
        raise DomainError(_("The record of this attachment no longer exists."), code="gone")
    module = module or _module(record)
    check_perm(actor, f"{module}.edit")
    delete_files_on_commit([(attachment.file.storage, attachment.file.name)])
    name = attachment.original_name
    attachment.delete()
    oplog.log(
        actor,
        OperationLog.Action.UPDATE,
        record,
        changes=[
            {
                "field": "attachments",
                "label": str(Attachment._meta.verbose_name_plural),
                "old": name,
                "new": "",
            }
        ],
    )


def file_response(attachment: Attachment) -> FileResponse:
    """The response a download view returns, after it has checked the record is visible.

    Images and PDFs open inline (preview); every other kind is a download. ``nosniff`` makes
    the browser trust the content type we detected rather than guess its own.
    """
    kind = KINDS.get(attachment.kind)
    inline = bool(kind and kind.previewable)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=download_name(attachment),
        content_type=attachment.mime_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    if not inline:
        # Even if something made a browser render it, it could not run scripts.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def sniff_bytes(data: bytes, name: str = "") -> str | None:
    """``sniff()`` for bytes in memory (imports, tests)."""
    f = io.BytesIO(data)
    f.size = len(data)  # type: ignore[attr-defined]
    return sniff(f, name)
