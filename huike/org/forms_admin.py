"""Forms of the organisation administration pages.

They only parse and shape input; every rule (uniqueness, supervisor cycles, password policy,
what may be granted) is checked by the service the view calls, whose errors come back onto
the form through ``show_error``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from ipaddress import ip_address
from typing import Any, cast

from django import forms
from django.core.validators import validate_ipv46_address
from django.db.models import Q, QuerySet
from django.forms.models import fields_for_model, model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huike.core.errors import DomainError
from huike.core.fields import FieldRule
from huike.core.models import OperationLog, SystemSettings
from huike.core.permissions import is_superadmin
from huike.core.registry import ACTIONS, registry
from huike.core.scopes import Scope

from .models import Department, LoginLog, Role, User
from .services import SECURITY_FIELDS, USER_FIELDS, InvalidInput


class StyledForm(forms.Form):
    """Gives every widget its Tabler/Bootstrap class, so templates stay loops."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def model_choice(self, name: str) -> forms.ModelChoiceField:
        """The named input as the model choice field it is (``fields`` holds plain Fields)."""
        return cast(forms.ModelChoiceField, self.fields[name])

    #: Service field name -> this form's input, where they differ.
    field_aliases: dict[str, str] = {}

    def _input_for(self, name: str | None) -> str | None:
        name = self.field_aliases.get(name or "", name)
        return name if name in self.fields else None

    def show_error(self, error: DomainError) -> None:
        """Put a service's refusal next to the input at fault (or on top of the form)."""
        if isinstance(error, InvalidInput):
            for name, messages in error.errors.items():
                for message in messages:
                    self.add_error(self._input_for(name), message)
            return
        self.add_error(self._input_for(error.field), error.message)


#: An ideographic space: indents a department name by one level in a select.
INDENT = "\u3000"


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments indented by depth, so the select reads like the tree."""

    def label_from_instance(self, obj: Department) -> str:
        return INDENT * obj.depth + obj.name


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.name} ({obj.username})"


def active_users(*keep: int | None) -> QuerySet[User]:
    """Enabled users, plus the ones already chosen (a disabled head stays selectable)."""
    ids = [pk for pk in keep if pk]
    return User.objects.filter(Q(is_active=True) | Q(pk__in=ids)).order_by("name", "id")


# -- departments -----------------------------------------------------------------------------
class DepartmentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = DepartmentChoiceField(
        label=_("Parent department"), queryset=Department.objects.none(), empty_label=None
    )
    head = UserChoiceField(label=_("Department head"), queryset=User.objects.none(), required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)

    def __init__(self, *args: Any, instance: Department | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Department.objects.order_by("path")
        if instance is not None:
            # Offer only valid targets; the service refuses the others anyway.
            parents = parents.exclude(path__startswith=instance.path)
            self.initial.update(
                name=instance.name,
                parent=instance.parent_id,
                head=instance.head_id,
                sort_order=instance.sort_order,
            )
            if instance.is_root():
                del self.fields["parent"]
        if "parent" in self.fields:
            self.model_choice("parent").queryset = parents
        self.model_choice("head").queryset = active_users(instance.head_id if instance else None)


# -- users -----------------------------------------------------------------------------------
class UserForm(StyledForm):
    """Profile and roles of a user; with ``creating`` also the initial password."""

    field_aliases = {"password": "password1"}

    password1 = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Repeat the password"), widget=forms.PasswordInput)

    def __init__(
        self,
        *args: Any,
        actor: User,
        instance: User | None = None,
        creating: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(User, fields=[*USER_FIELDS, "roles"])
        if not creating:
            del self.fields["password1"], self.fields["password2"]
        else:
            from .passwords import PolicyValidator

            self.fields["password1"].help_text = PolicyValidator().get_help_text()
        ordered = {name: model_fields[name] for name in [*USER_FIELDS, "roles"]}
        ordered.update(self.fields)
        self.fields = ordered
        self.fields["department"] = DepartmentChoiceField(
            label=_("Department"),
            queryset=Department.objects.order_by("path"),
            required=False,
        )
        supervisors = active_users(instance.supervisor_id if instance else None)
        if instance is not None:
            supervisors = supervisors.exclude(pk=instance.pk)
        self.fields["supervisor"] = UserChoiceField(
            label=_("Direct supervisor"), queryset=supervisors, required=False
        )
        roles = Role.objects.all()
        if not is_superadmin(actor):
            roles = roles.exclude(is_superadmin=True)
        self.fields["roles"] = forms.ModelMultipleChoiceField(
            label=_("Roles"),
            queryset=roles,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        for name in ("mobile", "email"):
            self.fields[name].required = False
        if instance is not None:
            self.initial.update(model_to_dict(instance, fields=USER_FIELDS))
            self.initial["roles"] = [r.pk for r in instance.roles.all()]
        self.style_fields()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "password1" in self.fields and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data

    def user_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) for name in USER_FIELDS}
        values["mobile"] = values["mobile"] or None
        values["email"] = values["email"] or None
        values["gender"] = values["gender"] or ""
        return values


class DisableUserForm(StyledForm):
    successor = UserChoiceField(
        label=_("Hand the records over to"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model_choice("successor").queryset = active_users().exclude(pk=user.pk)


class PasswordForm(StyledForm):
    field_aliases = {"password": "password1"}

    password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Repeat the password"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .passwords import PolicyValidator

        self.fields["password1"].help_text = PolicyValidator().get_help_text()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


def all_permission_choices() -> list[tuple[str, str]]:
    return [
        (f"{m.key}.{a}", f"{m.label} · {ACTIONS[a]}")
        for m in registry.sorted_modules()
        for a in m.actions
    ]


class PermissionMatrixForm(StyledForm):
    """The module-by-action checkboxes, shown one module per row (wraps on a phone)."""

    permissions = forms.MultipleChoiceField(
        label=_("Operation permissions"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    #: Rights the user already has some other way (their roles), shown as a hint.
    inherited: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.MultipleChoiceField, self.fields["permissions"]
        ).choices = all_permission_choices()

    def permission_rows(self) -> list[dict[str, Any]]:
        selected = set(self["permissions"].value() or [])
        rows = []
        for module in registry.sorted_modules():
            cells = []
            for action in module.actions:
                code = f"{module.key}.{action}"
                cells.append(
                    {
                        "code": code,
                        "label": ACTIONS[action],
                        "checked": code in selected,
                        "inherited": code in self.inherited,
                        "id": f"perm-{module.key}-{action}",
                    }
                )
            rows.append({"module": module, "cells": cells})
        return rows


class GrantsForm(PermissionMatrixForm):
    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("permissions", list(user.extra_permissions or []))
        inherited: set[str] = set()
        for role in user.roles.all():
            if role.is_superadmin:
                inherited.update(code for code, _label in all_permission_choices())
            inherited.update(role.permissions or [])
        self.inherited = frozenset(inherited)


class RoleForm(PermissionMatrixForm):
    """Name, rights, a data scope per scoped module and a rule per protected field."""

    name = forms.CharField(label=_("Name"), max_length=50)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    require_2fa = forms.BooleanField(label=_("Require two-factor sign-in"), required=False)

    field_order = ["name", "description", "require_2fa", "permissions"]

    def __init__(self, *args: Any, instance: Role | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scopes = dict(instance.data_scopes or {}) if instance else {}
        rules = dict(instance.field_policies or {}) if instance else {}
        if instance is not None:
            self.initial.update(
                name=instance.name,
                description=instance.description,
                require_2fa=instance.require_2fa,
                permissions=list(instance.permissions or []),
            )
        for module in registry.sorted_modules():
            if module.scoped:
                self.fields[f"scope__{module.key}"] = forms.ChoiceField(
                    label=_("Data scope"),
                    choices=Scope.choices,
                    initial=scopes.get(module.key, Scope.SELF),
                    # A module the role cannot view needs no scope; one it can view without
                    # a chosen scope sees the user's own records (core.scopes.scopes_for).
                    required=False,
                )
            for name, label in module.policy_fields:
                self.fields[f"rule__{module.key}__{name}"] = forms.ChoiceField(
                    label=label,
                    choices=[("", _("No restriction")), *FieldRule.choices],
                    required=False,
                    initial=(rules.get(module.key) or {}).get(name, ""),
                )
        self.style_fields()

    def permission_rows(self) -> list[dict[str, Any]]:
        rows = super().permission_rows()
        for row in rows:
            module = row["module"]
            row["scope"] = self[f"scope__{module.key}"] if module.scoped else None
            row["rules"] = [
                self[f"rule__{module.key}__{name}"] for name, _label in module.policy_fields
            ]
        return rows

    def role_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        scopes: dict[str, str] = {}
        rules: dict[str, dict[str, str]] = {}
        for module in registry.sorted_modules():
            if module.scoped and data.get(f"scope__{module.key}"):
                scopes[module.key] = data[f"scope__{module.key}"]
            for name, _label in module.policy_fields:
                rule = data.get(f"rule__{module.key}__{name}")
                if rule:
                    rules.setdefault(module.key, {})[name] = rule
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "require_2fa": bool(data.get("require_2fa")),
            "permissions": list(data.get("permissions") or []),
            "data_scopes": scopes,
            "field_policies": rules,
        }


# -- settings --------------------------------------------------------------------------------
class SecuritySettingsForm(StyledForm):
    def __init__(self, *args: Any, instance: SystemSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(SystemSettings, fields=SECURITY_FIELDS))
        self.fields["trusted_ip_ranges"].widget.attrs.update(
            rows=4, placeholder="192.168.1.0/24\n10.0.0.0/8"
        )
        self.initial.update(model_to_dict(instance, fields=SECURITY_FIELDS))
        self.style_fields()


class CompanySettingsForm(StyledForm):
    company_name = forms.CharField(label=_("Company name"), max_length=100)
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, WebP or GIF, at most 2 MB."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args: Any, instance: SystemSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("company_name", instance.company_name)


# -- list filters ----------------------------------------------------------------------------
def day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class DateRangeMixin(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter_dates(self, qs: QuerySet, field: str = "created_at") -> QuerySet:
        """Whole days in the company time zone; bounds on the indexed column itself."""
        data = self.cleaned_data
        if data.get("date_from"):
            qs = qs.filter(**{f"{field}__gte": day_start(data["date_from"])})
        if data.get("date_to"):
            qs = qs.filter(**{f"{field}__lt": day_start(data["date_to"] + timedelta(days=1))})
        return qs

    def filter_ip(self, qs: QuerySet) -> QuerySet:
        """A full address matches exactly; a beginning ("192.168.") matches the range."""
        ip = (self.cleaned_data.get("ip") or "").strip()
        if not ip:
            return qs
        try:
            validate_ipv46_address(ip)
        except forms.ValidationError:
            return qs.filter(ip__startswith=ip)
        return qs.filter(ip=str(ip_address(ip)))


class UserFilterForm(StyledForm):
    STATUS_CHOICES = [
        ("", _("Enabled and disabled")),
        ("enabled", _("Enabled")),
        ("disabled", _("Disabled")),
    ]
    q = forms.CharField(label=_("Search"), required=False)
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("path"),
        required=False,
        empty_label=_("All departments"),
    )
    role = forms.ModelChoiceField(
        label=_("Role"), queryset=Role.objects.all(), required=False, empty_label=_("All roles")
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, username, mobile or e-mail")

    def filter(self, qs: QuerySet[User]) -> QuerySet[User]:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if q := data.get("q", "").strip():
            qs = qs.filter(
                Q(name__icontains=q)
                | Q(username__icontains=q)
                | Q(mobile__contains=q)
                | Q(email__icontains=q)
            )
        if data.get("department"):
            # The department and everything under it.
            qs = qs.filter(department__path__startswith=data["department"].path)
        if data.get("role"):
            qs = qs.filter(roles=data["role"])
        if data.get("status") == "enabled":
            qs = qs.filter(is_active=True)
        elif data.get("status") == "disabled":
            qs = qs.filter(is_active=False)
        return qs


class LoginLogFilterForm(DateRangeMixin, StyledForm):
    user = forms.CharField(label=_("User"), required=False)
    ip = forms.CharField(label=_("IP address"), required=False, max_length=45)
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("All results")), *LoginLog.Result.choices],
    )
    q = forms.CharField(label=_("Search"), required=False)

    field_order = ["user", "ip", "result", "date_from", "date_to", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Sign-in name or browser")

    def filter(self, qs: QuerySet[LoginLog]) -> QuerySet[LoginLog]:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if who := data.get("user", "").strip():
            qs = qs.filter(
                Q(identifier__icontains=who)
                | Q(user__name__icontains=who)
                | Q(user__username__icontains=who)
            )
        if data.get("result"):
            qs = qs.filter(result=data["result"])
        if q := data.get("q", "").strip():
            qs = qs.filter(Q(identifier__icontains=q) | Q(user_agent__icontains=q))
        return self.filter_dates(self.filter_ip(qs))


class SystemLogFilterForm(DateRangeMixin, StyledForm):
    actor = forms.CharField(label=_("By"), required=False)
    ip = forms.CharField(label=_("IP address"), required=False, max_length=45)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *OperationLog.Action.choices],
    )
    q = forms.CharField(label=_("Search"), required=False)

    field_order = ["actor", "ip", "action", "date_from", "date_to", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Record or detail")

    def filter(self, qs: QuerySet[OperationLog]) -> QuerySet[OperationLog]:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if who := data.get("actor", "").strip():
            qs = qs.filter(Q(actor__name__icontains=who) | Q(actor__username__icontains=who))
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if q := data.get("q", "").strip():
            qs = qs.filter(Q(object_repr__icontains=q) | Q(message__icontains=q))
        return self.filter_dates(self.filter_ip(qs))
