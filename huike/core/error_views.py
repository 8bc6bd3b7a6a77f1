"""Error pages that explain themselves in the user's language (403 with its reason)."""

from __future__ import annotations

import re

from django.shortcuts import render

#: Permission codes ("users.edit") are for logs, not people; sentences are shown as reasons.
_CODE = re.compile(r"^[\w.]+$")


def permission_denied(request, exception=None):
    message = str(exception or "")
    reason = "" if not message or _CODE.match(message) else message
    return render(request, "403.html", {"reason": reason}, status=403)
