"""Forms for the partner pages: filtering the list, partners, contacts and membership of a commission. They parse
what a person typed; partners/partner_services.py decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.contract_forms import DATE_FORMATS, DATE_HINT
from commissioning.forms import GovukFormMixin
from commissioning.models import Commission
from commissioning.money import MoneyFormField
from partners import selectors
from partners.models import Contact, Partner


def _date(label: str, *, required: bool = True, help_text: str = DATE_HINT) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )


class PartnerFilterForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name contains", required=False, max_length=200)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *Partner.Kind.choices])
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Current and ended"), (selectors.ACTIVE, "Current"), (selectors.ENDED, "Ended")],
    )
    commission = forms.ModelChoiceField(
        label="Member of",
        required=False,
        queryset=Commission.objects.none(),
        empty_label="Any commission or none",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commission"].queryset = Commission.objects.order_by("name")

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.partner_list`."""
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "commission": data.get("commission"),
        }


class PartnerForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind of organisation", choices=Partner.Kind.choices, widget=forms.RadioSelect)
    valid_from = _date("Date established (optional)", required=False)


class PartnerEndForm(GovukFormMixin, forms.Form):
    on = _date("Date the organisation ended", help_text=f"When it was abolished or merged. {DATE_HINT}")


class ContactForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    position = forms.CharField(label="Position", max_length=200, help_text="For example, Head of Finance.")
    role = forms.ChoiceField(label="Role", choices=Contact.Role.choices, widget=forms.RadioSelect)
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "class": "govuk-input--width-20"}),
    )


class ContactEndForm(GovukFormMixin, forms.Form):
    on = _date("Date they left the role")


class MembershipForm(GovukFormMixin, forms.Form):
    partner = forms.ModelChoiceField(label="Partner", queryset=Partner.objects.none())
    joined_on = _date("Date it joined")
    requested_per_year = MoneyFormField(
        label="Contribution requested per year, in pounds (optional)",
        required=False,
        help_text="As stated in the request letter, for example 7,000. Leave empty if none was stated.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(valid_to__isnull=True).order_by("name")


class MembershipLeaveForm(GovukFormMixin, forms.Form):
    left_on = _date("Date it left", help_text=f"The first day it is no longer a member. {DATE_HINT}")
