"""The online pro-forma a partner returns. The form only parses what was typed; whether the return is acceptable
(an option chosen, years in range, a signature that matches the name, authority confirmed, a date that is not in the
future) is decided by `services.return_submit`, whose messages the page shows as they are."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commissioning.forms import GovukFormMixin
from commissioning.money import MoneyFormField
from partners import services
from partners.models import ContributionRequest, ProFormaReturn

AMOUNT_MESSAGE = "Enter an amount in pounds, like 7000 or 7,000.50."


class ProFormaForm(GovukFormMixin, forms.Form):
    # Hand-rendered radios (the Option 1 extras sit under Option 1), so a plain field that the service checks.
    option = forms.ChoiceField(
        label="Your response",
        required=False,
        choices=[
            (ProFormaReturn.Option.AGREE, "Option 1: we agree to contribute, as asked"),
            (ProFormaReturn.Option.DECLINE, "Option 2: we do not agree and will not contribute"),
        ],
        widget=forms.RadioSelect,
    )
    years_agreed = forms.CharField(label="For how many years?", required=False, widget=forms.RadioSelect)
    different_amount = MoneyFormField(
        label="A different yearly amount (£)",
        required=False,
        help_text="Leave this empty to agree to the amounts asked.",
        widget=forms.TextInput,
        error_messages={"invalid": AMOUNT_MESSAGE},
    )
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    signed_on_day = forms.CharField(label="Day", max_length=2, required=False)
    signed_on_month = forms.CharField(label="Month", max_length=2, required=False)
    signed_on_year = forms.CharField(label="Year", max_length=4, required=False)
    signatory_name = forms.CharField(label="Signatory's full name", max_length=200, required=False)
    signatory_position = forms.CharField(label="Position", max_length=200, required=False)
    signature = forms.CharField(
        label="Type your full name as your signature",
        max_length=200,
        required=False,
        help_text="Type the signatory's full name exactly as above. This is your signature.",
    )
    authority_confirmed = forms.BooleanField(required=False)
    comment = forms.CharField(
        label="Comment (optional)", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    in_kind_description = forms.CharField(
        label="An offer in kind (optional)",
        max_length=2000,
        required=False,
        help_text="For example staff time, premises or training you would provide instead of, or as well as, money.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    in_kind_value = MoneyFormField(
        label="The offer's value in pounds (optional)",
        required=False,
        widget=forms.TextInput,
        error_messages={"invalid": AMOUNT_MESSAGE},
    )

    def __init__(
        self, *args: Any, requests: list[ContributionRequest], organisation: str, today: date, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "organisation": organisation,
                "years_agreed": len(requests),
                "signed_on_day": today.day,
                "signed_on_month": today.month,
                "signed_on_year": today.year,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["years_agreed"].widget.choices = year_choices(requests)
        self.fields[
            "authority_confirmed"
        ].label = f"I confirm I have authority to commit {organisation} to this response"
        for name in ("different_amount", "in_kind_value"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "class": "govuk-input--width-10"})
        for name in ("signatory_name", "signature"):
            self.fields[name].widget.attrs.update({"autocomplete": "name", "spellcheck": "false"})
        self.fields["signatory_position"].widget.attrs["autocomplete"] = "organization-title"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"

    def clean_years_agreed(self) -> int | None:
        # Out of range is the service's to say; anything but a whole number is simply no choice.
        value = (self.cleaned_data.get("years_agreed") or "").strip()
        return int(value) if value.isdigit() else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parts = [(data.get(f"signed_on_{part}") or "").strip() for part in ("day", "month", "year")]
        if not any(parts):
            self.add_error("signed_on_day", "Enter the date of this response.")
        else:
            try:
                day, month, year = (int(part) for part in parts)
                data["signed_on"] = date(year, month, day)
            except ValueError:
                self.add_error("signed_on_day", "The date must be a real date, like 28 1 2013.")
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors on the fields they are about (the date's on its day box)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, messages in error.message_dict.items():
            field = "signed_on_day" if field == "signed_on" else field
            self.add_error(field if field in self.fields else None, messages)

    def return_input(self) -> services.ReturnInput:
        data = self.cleaned_data
        agree = data["option"] == ProFormaReturn.Option.AGREE
        return services.ReturnInput(
            option=data["option"],
            organisation=data["organisation"],
            signed_on=data["signed_on"],
            signatory_name=data["signatory_name"],
            signatory_position=data["signatory_position"],
            signature=data["signature"],
            authority_confirmed=data["authority_confirmed"],
            years_agreed=data["years_agreed"] if agree else None,
            different_amount=data["different_amount"] if agree else None,
            comment=data["comment"],
            in_kind_description=data["in_kind_description"],
            in_kind_value=data["in_kind_value"],
        )

    @property
    def counter_offer_chosen(self) -> bool:
        """Whether what was typed would be a counter-offer (fewer years, or a different amount)."""
        if not self.is_bound or self.data.get("option") != ProFormaReturn.Option.AGREE:
            return False
        years = self.data.get("years_agreed")
        asked = len(self.fields["years_agreed"].widget.choices)
        return bool(self.data.get("different_amount", "").strip()) or (years is not None and years != str(asked))


def year_choices(requests: list[ContributionRequest]) -> list[tuple[int, str]]:
    """All N years first (what was asked), then fewer: 1 … N−1, each naming the years it covers."""
    labels = [request.financial_year.label for request in requests]
    count = len(labels)
    if not count:
        return []
    everything = f"All {count} years ({labels[0]} to {labels[-1]})" if count > 1 else f"1 year ({labels[0]})"
    fewer = [
        (years, f"{years} year{'s' if years != 1 else ''} only ({_span(labels[:years])})") for years in range(1, count)
    ]
    return [(count, everything), *fewer]


def _span(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
