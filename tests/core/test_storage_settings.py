"""Where uploaded files live: local disk under the data directory by default, an
S3-compatible bucket (private, signed URLs, never overwriting) when HUIKE_S3_BUCKET is set.

Settings are evaluated once per process, so each configuration is read in a fresh
interpreter with its own environment. Nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from huike.core import attachments
from tests.testapp import records as r

ROOT = Path(__file__).resolve().parents[2]

PRINT_STORAGES = """
import json
from django.conf import settings
from django.core.files.storage import storages
default = storages["default"]
print(json.dumps({
    "storages": settings.STORAGES,
    "media_root": str(settings.MEDIA_ROOT),
    "class": type(default).__module__ + "." + type(default).__name__,
    "bucket": getattr(default, "bucket_name", None),
    "endpoint": getattr(default, "endpoint_url", None),
    "acl": getattr(default, "default_acl", None),
    "signed": getattr(default, "querystring_auth", None),
    "overwrite": getattr(default, "file_overwrite", None),
    "location": str(getattr(default, "location", "")),
}, default=str))
"""

S3_ENV = {
    "HUIKE_S3_BUCKET": "huike-files",
    "HUIKE_S3_ENDPOINT_URL": "https://oss-cn-shanghai.aliyuncs.com",
    "HUIKE_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "HUIKE_S3_SECRET_ACCESS_KEY": "not-a-real-secret",
    "HUIKE_S3_REGION": "oss-cn-shanghai",
    "HUIKE_S3_ADDRESSING_STYLE": "virtual",
}


def storage_config(tmp_path: Path, extra: dict[str, str]) -> dict:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HUIKE_S3_") and not k.startswith("AWS_")
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "huike.settings",
            "HUIKE_DATA_DIR": str(tmp_path),
            "HUIKE_SECRET_KEY": "storage-settings-test",
            **extra,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + PRINT_STORAGES],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_bucket_files_stay_on_local_disk_under_the_data_dir(tmp_path):
    config = storage_config(tmp_path, {})
    assert config["storages"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert config["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert config["media_root"] == str((tmp_path / "media").resolve())
    assert config["location"] == str((tmp_path / "media").resolve())


def test_a_bucket_switches_uploads_to_private_s3_storage(tmp_path):
    config = storage_config(tmp_path, S3_ENV)
    default = config["storages"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "huike-files"
    assert options["endpoint_url"] == "https://oss-cn-shanghai.aliyuncs.com"
    assert options["access_key"] == "AKIDEXAMPLE"
    assert options["secret_key"] == "not-a-real-secret"
    assert options["region_name"] == "oss-cn-shanghai"
    assert options["addressing_style"] == "virtual"
    assert options["custom_domain"] is None
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    # The backend accepts these options (constructing it opens no connection).
    assert config["class"] == "storages.backends.s3.S3Storage"
    assert config["bucket"] == "huike-files"
    assert config["endpoint"] == "https://oss-cn-shanghai.aliyuncs.com"
    assert (config["acl"], config["signed"], config["overwrite"]) == ("private", True, False)


def test_static_files_keep_their_own_storage_when_a_bucket_is_set(tmp_path):
    local = storage_config(tmp_path, {})
    s3 = storage_config(tmp_path, S3_ENV)
    assert s3["storages"]["staticfiles"] == local["storages"]["staticfiles"]


class BucketLikeStorage(InMemoryStorage):
    """Files without a local path, like an S3 bucket (``path()`` is what a bucket lacks)."""

    def path(self, name: str) -> str:
        raise NotImplementedError("a bucket has no local paths")

    def _relative_path(self, name: str) -> str:
        # The in-memory tree still needs its own key for a name.
        return os.path.relpath(super().path(name), self.location)


@pytest.mark.django_db
def test_downloads_stream_from_a_storage_without_local_paths(settings):
    """A bucket has no file paths: downloads must read through storage.open()."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.BucketLikeStorage"},
    }
    actor = r.editor()
    pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
    attachment = attachments.attach(
        actor, r.note(actor), SimpleUploadedFile("报价单.pdf", pdf, "application/pdf")
    )
    assert attachment.file.storage.exists(attachment.file.name)
    response = attachments.file_response(attachment)
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(pdf))
