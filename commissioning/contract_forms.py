"""Forms for the provider and contract pages. They parse what a person typed; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning import contract_selectors
from commissioning.forms import GovukFormMixin
from commissioning.models import Commission, Contract, FinancialYear, Provider, WorkStream
from commissioning.money import MoneyFormField

# Dates are typed, not picked: GOV.UK advises against browsers' date pickers, and these are the ways people write them.
DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"]
DATE_HINT = "For example, 31/3/2015 or 31 March 2015"
QUARTERS = [
    (1, "Quarter 1 (April to June)"),
    (2, "Quarter 2 (July to September)"),
    (3, "Quarter 3 (October to December)"),
    (4, "Quarter 4 (January to March)"),
]


def _money(label: str, *, required: bool = True, help_text: str = "") -> MoneyFormField:
    return MoneyFormField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10", "spellcheck": "false"}),
    )


def _date(label: str, help_text: str = DATE_HINT) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )


def _value_fields(form: forms.Form, years: list[FinancialYear], *, hint: str) -> None:
    for year in years:
        form.fields[f"value_{year.pk}"] = _money(f"Value in {year.label}, in pounds", required=False, help_text=hint)


def _values(form: forms.Form, years: list[FinancialYear]) -> dict[FinancialYear, Any]:
    return {
        year: form.cleaned_data[f"value_{year.pk}"]
        for year in years
        if form.cleaned_data.get(f"value_{year.pk}") is not None
    }


class ProviderForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=[("", "Not known"), *Provider.Kind.choices],
        required=False,
    )
    registered_number = forms.CharField(
        label="Charity or company number (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    contact_email = forms.EmailField(
        label="Contact e-mail address (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ProviderEndForm(GovukFormMixin, forms.Form):
    on = _date("Last day as a provider")


class ContractForm(GovukFormMixin, forms.Form):
    provider = forms.ModelChoiceField(label="Provider", queryset=Provider.objects.none())
    work_stream = forms.ModelChoiceField(label="Work-stream", queryset=WorkStream.objects.none())
    title = forms.CharField(label="Title", max_length=200, help_text="What the contract delivers, and where.")
    reference = forms.CharField(
        label="Reference (optional)",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    districts = forms.ModelMultipleChoiceField(
        label="Districts served",
        queryset=contract_selectors.district_choices().none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = _date("First day of service")
    ends_on = _date("Last day of service, as agreed")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where the contract's details come from, and anything not known.",
    )

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = list(commission.years.order_by("number"))
        self.fields["provider"].queryset = Provider.objects.filter(valid_to__isnull=True).order_by("name")
        self.fields["work_stream"].queryset = commission.work_streams.filter(
            pooled_share__isnull=False, valid_to__isnull=True
        ).order_by("position", "name")
        self.fields["districts"].queryset = contract_selectors.district_choices()
        _value_fields(self, self.years, hint="Leave empty for a year the contract has no agreed value.")

    def values(self) -> dict[FinancialYear, Any]:
        return _values(self, self.years)


class ContractValuesForm(GovukFormMixin, forms.Form):
    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = [
            year
            for year in contract.commission.years.order_by("number")
            if year.starts_on <= contract.last_day and year.ends_on >= contract.starts_on
        ]
        _value_fields(self, self.years, hint="Leave empty to keep the year as it is.")

    def values(self) -> dict[FinancialYear, Any]:
        return _values(self, self.years)


class ContractSpendForm(GovukFormMixin, forms.Form):
    financial_year = forms.ModelChoiceField(label="Financial year", queryset=FinancialYear.objects.none())
    quarter = forms.TypedChoiceField(label="Quarter", coerce=int, choices=QUARTERS, widget=forms.RadioSelect)
    forecast = _money(
        "Forecast outturn for the whole year, in pounds", help_text="What the contract will cost in the year."
    )
    actual = _money(
        "Actual spend in the quarter, in pounds (optional)",
        required=False,
        help_text="Paid to the provider in this quarter only. Leave empty if not yet known.",
    )

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["financial_year"]
        field.queryset = contract.commission.years.order_by("number")
        field.label_from_instance = lambda year: year.label


class ContractEndForm(GovukFormMixin, forms.Form):
    ended_on = _date("Last day of service")
    reason = forms.CharField(label="Why the contract ends early", widget=forms.Textarea(attrs={"rows": 3}))
