"""The company password policy (ORG-10) as a Django password validator."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from huike.core.models import SystemSettings


class PolicyValidator:
    def validate(self, password: str, user=None) -> None:
        policy = SystemSettings.get()
        problems = []
        if len(password) < policy.password_min_length:
            problems.append(_("Use at least %(n)d characters.") % {"n": policy.password_min_length})
        if policy.password_require_digit and not re.search(r"\d", password):
            problems.append(_("Include a digit."))
        if policy.password_require_letter and not re.search(r"[A-Za-z]", password):
            problems.append(_("Include a letter."))
        if policy.password_require_symbol and not re.search(r"[^A-Za-z0-9]", password):
            problems.append(_("Include a symbol such as ! or #."))
        if user is not None:
            for attr in ("username", "mobile"):
                value = getattr(user, attr, None)
                if value and value.lower() in password.lower():
                    problems.append(_("Do not use your username or mobile number in it."))
                    break
        if problems:
            raise ValidationError(problems, code="password_policy")

    def get_help_text(self) -> str:
        policy = SystemSettings.get()
        return _("At least %(n)d characters.") % {"n": policy.password_min_length}
