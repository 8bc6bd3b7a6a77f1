"""Forms of the customer action pages (transfer, team, merge). They only read input; the
rules (rights, limits, locks) live in ``actions`` and come back as ``DomainError``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from huike.org.forms_admin import StyledForm
from huike.org.models import User

from .models import Customer, CustomerMember

KEEP_CHOICES = (
    ("", _("No")),
    (CustomerMember.Access.READ, _("Yes, read only")),
    (CustomerMember.Access.READ_WRITE, _("Yes, read and write")),
)


class UserChoiceField(forms.ModelChoiceField):
    """Active users as "name · department"; a searching picker (Tom Select) filters them in
    the page (``data-picker`` without a URL: the options are all there)."""

    def __init__(self, **kwargs: Any) -> None:
        queryset = (
            User.objects.filter(is_active=True).select_related("department").order_by("name", "pk")
        )
        super().__init__(queryset=queryset, **kwargs)
        self.widget.attrs["data-picker"] = ""
        self.widget.attrs["placeholder"] = _("Type a name to search")

    def label_from_instance(self, obj: Any) -> str:
        department = getattr(obj.department, "name", "")
        return f"{obj} · {department}" if department else str(obj)


class TransferForm(StyledForm):
    field_aliases = {"keep_old_owner_as_member": "keep_old_owner"}

    owner = UserChoiceField(
        label=_("New owner"),
        error_messages={
            "required": _("Choose the new owner."),
            "invalid_choice": _("Choose an active user as the new owner."),
        },
    )
    move_contacts = forms.BooleanField(
        label=_("Move the customers' contacts to the new owner too"), required=False
    )
    keep_old_owner = forms.ChoiceField(
        label=_("Keep the previous owner in the team"),
        choices=KEEP_CHOICES,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class MemberForm(StyledForm):
    """Add a member, or change one's access and end date (the service updates in place)."""

    user = UserChoiceField(
        label=_("Colleague"),
        error_messages={
            "required": _("Choose an active user."),
            "invalid_choice": _("Choose an active user."),
        },
    )
    access = forms.ChoiceField(label=_("Access"), choices=CustomerMember.Access.choices)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: no end date."),
    )


class MemberChangeForm(StyledForm):
    access = forms.ChoiceField(label=_("Access"), choices=CustomerMember.Access.choices)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


KEEP_THIS, KEEP_OTHER = "this", "other"


class MergeForm(StyledForm):
    """The other customer (among those the user may edit) and which of the two is kept."""

    other = forms.ModelChoiceField(
        label=_("Customer to merge with"),
        queryset=Customer.objects.none(),
        error_messages={
            "required": _("Choose the other customer."),
            "invalid_choice": _("Choose another customer you may edit."),
        },
    )
    keep = forms.ChoiceField(
        label=_("Which customer is kept"),
        choices=((KEEP_THIS, _("This customer")), (KEEP_OTHER, _("The other customer"))),
        initial=KEEP_THIS,
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: Any, candidates: Any, shown: list[Customer], picker_url: str, **kwargs: Any
    ) -> None:
        """``candidates`` is what the input accepts; only ``shown`` (a first page and the
        chosen one) is rendered: the picker fetches the rest as the user types."""
        super().__init__(*args, **kwargs)
        other = self.model_choice("other")
        other.queryset = candidates
        other.widget.choices = [("", "---------"), *((c.pk, str(c)) for c in shown)]
        other.widget.attrs["data-picker"] = picker_url
        other.widget.attrs["placeholder"] = _("Type a name, number or phone to search")
        self.fields["keep"].widget.attrs["class"] = "form-check-input"
