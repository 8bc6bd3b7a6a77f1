import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from huike.org.models import Role, User
from huike.org.presets import SUPERADMIN, ensure_base_rows, ensure_root_department


@transaction.atomic
def create_admin(username: str, password: str | None, mobile: str | None, name: str) -> User:
    ensure_base_rows()
    if User.objects.filter(username=username).exists():
        raise CommandError(f"User {username!r} already exists")
    if not password:
        password = getpass.getpass("Password: ")
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = User(
        username=username, name=name, mobile=mobile or None, department=ensure_root_department()
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc
    user.set_password(password)
    user.save()
    user.roles.add(Role.objects.get(code=SUPERADMIN))
    return user


class Command(BaseCommand):
    help = "Create a super administrator."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password")
        parser.add_argument("--mobile")
        parser.add_argument("--name", default="管理员")

    def handle(self, *args, **o):
        user = create_admin(o["username"], o["password"], o["mobile"], o["name"])
        self.stdout.write(f"Super administrator {user.username} created")
