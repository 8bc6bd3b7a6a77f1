"""`make run` serves hashed, compressed static files; collecting them must work with the
production storage (a broken reference inside a vendor file would stop the server start)."""

from django.core.management import call_command
from django.test import override_settings


def test_production_collectstatic_succeeds(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/tabler/tabler.min.*.css"))
