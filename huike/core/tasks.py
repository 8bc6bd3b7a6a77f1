"""Background jobs of the core (run by the Huey worker; immediately in tests)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from huey.contrib.djhuey import db_task


@db_task(retries=3, retry_delay=60)
def send_notification_email(addresses: list[str], title: str, body: str, url: str) -> None:
    text = body + (f"\n\n{url}" if url else "")
    send_mail(title, text, settings.DEFAULT_FROM_EMAIL, addresses)


from .tasks_imports import run_import  # noqa: E402,F401  (registers the import job)
from .tasks_records import purge_recycle_bin  # noqa: E402,F401  (registers the periodic job)
