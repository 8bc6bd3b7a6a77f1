"""Forms of the sign-in and personal-settings pages. They only parse input; the rules live in
login_guard and account_services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from huike.core.notify import KINDS

from .models import User

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

if TYPE_CHECKING:
    # The mixin only ever sits in front of a Form; this tells the type checker so.
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class BootstrapMixin(_FormBase):
    """Gives every widget the Tabler/Bootstrap class it needs, so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                css = "form-check-input"  # CheckboxSelectMultiple is a RadioSelect too
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_domain_error(self, error) -> None:
        """Show a service's DomainError next to the field it names (or on top)."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class LoginForm(BootstrapMixin, forms.Form):
    identifier = forms.CharField(
        label=_("Username, mobile or e-mail"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={"required": _("Enter your username, mobile number or e-mail.")},
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    captcha = forms.CharField(
        label=_("Characters in the picture"),
        required=False,
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class OtpForm(BootstrapMixin, forms.Form):
    code = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={
            "required": _("Type the 6-digit code your authenticator app shows."),
            "invalid": _("The code is 6 digits, e.g. 123456."),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "maxlength": 7,
            }
        ),
    )


class ProfileForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    email = forms.EmailField(label=_("E-mail"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=User.Gender.choices, required=False)


class PasswordForm(BootstrapMixin, forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm_password = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("new_password")
            and data.get("confirm_password")
            and data["new_password"] != data["confirm_password"]
        ):
            self.add_error("confirm_password", _("The two new passwords are not the same."))
        return data


class PresenceForm(BootstrapMixin, forms.Form):
    presence = forms.ChoiceField(
        label=_("Status"), choices=User.Presence.choices, widget=forms.RadioSelect
    )


class ColleaguesField(forms.ModelMultipleChoiceField):
    """Colleagues labelled with their department, so namesakes can be told apart."""

    def label_from_instance(self, obj: User) -> str:
        department = obj.department  # selected with the user: no extra query
        return f"{obj.name} · {department.name}" if department else obj.name


class FrequentContactsForm(BootstrapMixin, forms.Form):
    contacts = ColleaguesField(
        label=_("Frequent contacts"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Hold Ctrl (or ⌘) to pick several colleagues."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        cast(ColleaguesField, self.fields["contacts"]).queryset = (
            User.objects.filter(is_active=True)
            .exclude(pk=user.pk)
            .select_related("department")
            .order_by("department__path", "name")
        )


class NotificationPrefsForm(BootstrapMixin, forms.Form):
    """One in-app and one e-mail checkbox per notification kind (``<kind>__in_app``...)."""

    CHANNELS = ("in_app", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in KINDS.items():
            for channel in self.CHANNELS:
                self.fields[f"{kind}__{channel}"] = forms.BooleanField(label=label, required=False)

    def rows(self):
        return [
            {
                "label": label,
                "in_app": self[f"{kind}__in_app"],
                "email": self[f"{kind}__email"],
            }
            for kind, label in KINDS.items()
        ]

    def prefs(self) -> dict[str, dict[str, bool]]:
        data = self.cleaned_data
        return {
            kind: {channel: data.get(f"{kind}__{channel}", False) for channel in self.CHANNELS}
            for kind in KINDS
        }


class AppearanceForm(BootstrapMixin, forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Follow the browser")), *settings.LANGUAGES],
        required=False,
    )
    theme = forms.ChoiceField(
        label=_("Theme"), choices=User.Theme.choices, widget=forms.RadioSelect
    )


class DelegationForm(BootstrapMixin, forms.Form):
    delegate = forms.ModelChoiceField(
        label=_("Delegate"),
        queryset=User.objects.none(),
        empty_label=_("Choose a colleague"),
        error_messages={"required": _("Choose the colleague who acts for you.")},
    )
    starts_at = forms.DateTimeField(
        label=_("From"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"required": _("Enter when the delegation starts.")},
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"required": _("Enter when the delegation ends.")},
    )
    approvals = forms.BooleanField(label=_("Approvals"), required=False, initial=True)
    tasks = forms.BooleanField(label=_("Tasks"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["delegate"]).queryset = (
            User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("name")
        )
