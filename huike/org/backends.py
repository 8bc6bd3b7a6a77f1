"""Authentication by username, mobile number or e-mail (PLT-02)."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from .models import User


class LoginIdentifierBackend(BaseBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = User.objects.find_by_identifier(username or "")
        if user is None:
            # Spend the same time as a real check so timing does not reveal who exists.
            User().set_password(password)
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()
