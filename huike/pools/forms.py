"""Forms of the pool pages; they only read input, the services and models keep the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from huike.org.forms_admin import StyledForm
from huike.org.models import Department, User

from .models import HoldingLimit, Pool, RecycleRule

#: Customer fields a pool may hide (POOL-07).
PRIVATE_FIELDS = (
    ("mobile", _("Mobile")),
    ("office_phone", _("Office phone")),
    ("home_phone", _("Home phone")),
    ("email", _("E-mail")),
    ("wechat", _("WeChat")),
    ("qq", _("QQ")),
    ("address", _("Address")),
    ("city", _("City")),
)


def _style(form: forms.BaseForm) -> None:
    StyledForm.style_fields(form)  # type: ignore[arg-type]


class ReturnForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    pool = forms.ModelChoiceField(label=_("Pool"), queryset=Pool.objects.all(), required=False)


class PoolSettingsForm(forms.ModelForm):
    hidden_fields = forms.MultipleChoiceField(
        label=_("Fields hidden in the pool"),
        choices=PRIVATE_FIELDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Pool
        fields = ("name", "claim_cooldown_days", "hidden_fields", "departments", "users", "admins")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.order_by("path")
        active = User.objects.filter(is_active=True).order_by("name")
        self.fields["users"].queryset = active
        self.fields["admins"].queryset = active
        for name in ("departments", "users", "admins"):
            self.fields[name].widget.attrs["size"] = 6
        _style(self)


class RuleForm(forms.ModelForm):
    levels = forms.CharField(
        label=_("Only these levels"),
        required=False,
        help_text=_("Level codes separated by commas; empty = every level."),
    )

    class Meta:
        model = RecycleRule
        fields = ("name", "no_follow_up_days", "no_deal_days", "levels", "warn_days")

    def clean_levels(self) -> list[str]:
        return [v.strip() for v in self.cleaned_data["levels"].split(",") if v.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("no_follow_up_days") is None and data.get("no_deal_days") is None:
            raise forms.ValidationError(
                _("Give the days without follow-up, without a deal, or both.")
            )
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class LimitForm(forms.ModelForm):
    class Meta:
        model = HoldingLimit
        fields = ("role", "user", "max_customers", "max_claims_per_day")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("role")) == bool(data.get("user")):
            raise forms.ValidationError(_("Choose a role (its default) or a user (an override)."))
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("name")
        _style(self)
