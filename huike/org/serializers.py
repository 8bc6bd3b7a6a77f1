"""What the REST API shows and accepts for departments, users, roles and the signed-in user.

Read serializers describe a record as GET returns it; the *Write / *Input serializers only
parse and type-check a request, then the view hands the cleaned values to a service. None of
them saves anything itself.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from huike.core.permissions import rights
from huike.core.registry import registry
from huike.core.scopes import Scope, scopes_for

from .models import Department, Role, User
from .services import USER_FIELDS


# -- departments -----------------------------------------------------------------------------
class DepartmentSerializer(serializers.ModelSerializer):
    depth = serializers.IntegerField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    child_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Department
        fields = [
            "id",
            "name",
            "parent",
            "path",
            "depth",
            "head",
            "sort_order",
            "member_count",
            "child_count",
            "created_at",
        ]
        read_only_fields = fields


class DepartmentWriteSerializer(serializers.ModelSerializer):
    """Create: name and parent are required. Update: the parent is changed with ``move``."""

    parent = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())

    class Meta:
        model = Department
        fields = ["name", "parent", "head", "sort_order"]
        # Sibling names are checked by the service, which says which name clashes.
        validators: list = []


class DepartmentUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["name", "head", "sort_order"]
        validators: list = []


class DepartmentMoveSerializer(serializers.Serializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), help_text=_("The new parent department.")
    )


# -- users -----------------------------------------------------------------------------------
#: What an administrator sets on a user: the profile the service accepts, then the rights.
ADMIN_USER_FIELDS = [*USER_FIELDS, "roles", "extra_permissions"]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    is_locked = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            *ADMIN_USER_FIELDS,
            "is_active",
            "is_locked",
            "locked_until",
            "date_joined",
            "last_login",
            "language",
            "theme",
            "presence",
        ]
        read_only_fields = fields


class UserWriteSerializer(serializers.ModelSerializer):
    """The fields an administrator sets on create and edit; ``password`` only on create
    (afterwards: the ``reset-password`` action)."""

    roles = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Role.objects.all(), required=False
    )
    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        trim_whitespace=False,
        help_text=_("The initial password (create only); the password policy applies."),
    )

    class Meta:
        model = User
        fields = [*ADMIN_USER_FIELDS, "password"]
        extra_kwargs = {
            "mobile": {"allow_null": True, "required": False},
            "email": {"allow_null": True, "required": False},
        }
        # Uniqueness is the service's (and finally the database's) job, answered as a field
        # error; checking it here too would be a racy read-then-write.
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        for name in ("username", "mobile", "email"):
            fields[name].validators = [
                v for v in fields[name].validators if not hasattr(v, "queryset")
            ]
        if self.instance is not None:
            fields.pop("password")
        return fields


class DisableUserSerializer(serializers.Serializer):
    successor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Who takes over the user's records; required while they own any."),
    )


class DisableResultSerializer(serializers.Serializer):
    user = UserSerializer()
    moved = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Records handed over, per record type.")
    )


class ResetPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(
        style={"input_type": "password"},
        trim_whitespace=False,
        help_text=_("The new initial password; the password policy applies."),
    )


# -- roles -----------------------------------------------------------------------------------
class RoleSerializer(serializers.ModelSerializer):
    user_count = serializers.IntegerField(read_only=True)
    permissions = serializers.ListField(child=serializers.CharField(), required=False)
    data_scopes = serializers.DictField(
        child=serializers.ChoiceField(choices=Scope.choices), required=False
    )
    field_policies = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()), required=False
    )

    class Meta:
        model = Role
        fields = [
            "id",
            "name",
            "code",
            "description",
            "is_superadmin",
            "is_builtin",
            "permissions",
            "data_scopes",
            "field_policies",
            "require_2fa",
            "sort_order",
            "user_count",
        ]
        # The code and order of preset roles are fixed; roles made by hand have none.
        read_only_fields = ["id", "code", "is_superadmin", "is_builtin", "sort_order", "user_count"]
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        fields["name"].validators = [
            v for v in fields["name"].validators if not hasattr(v, "queryset")
        ]
        return fields


# -- the signed-in user ----------------------------------------------------------------------
class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user's own profile; only personal settings are writable."""

    department = NamedRefSerializer(read_only=True, allow_null=True)
    roles = NamedRefSerializer(many=True, read_only=True)
    permissions = serializers.SerializerMethodField()
    data_scopes = serializers.SerializerMethodField()
    requires_2fa = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "mobile",
            "name",
            "email",
            "gender",
            "title",
            "department",
            "roles",
            "permissions",
            "data_scopes",
            "requires_2fa",
            "language",
            "theme",
            "presence",
        ]
        read_only_fields = ["id", "username", "mobile", "title"]
        extra_kwargs = {"email": {"allow_null": True, "required": False}}
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        fields["email"].validators = [
            v for v in fields["email"].validators if not hasattr(v, "queryset")
        ]
        return fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_permissions(self, user: User) -> list[str]:
        r = rights(user)
        if r.is_superadmin:
            return sorted(registry.all_permission_codes())
        return sorted(r.codes)

    @extend_schema_field(
        serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    )
    def get_data_scopes(self, user: User) -> dict[str, list[str]]:
        """For each record module, the scopes the user's roles give (several roles: union)."""
        return {
            module.key: sorted(str(s) for s in scopes_for(user, module.key))
            for module in registry.sorted_modules()
            if module.scoped and scopes_for(user, module.key)
        }
