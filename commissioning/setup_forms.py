"""Forms for setting up a commission and its work-streams. They parse what a person typed; the services decide
what is allowed (a duplicate name, a target of £0 or less, shares that do not sum to 100%)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from commissioning import financial_years
from commissioning.contract_forms import DATE_FORMATS, DATE_HINT
from commissioning.forms import GovukFormMixin
from commissioning.models import Commission, WorkStream
from commissioning.money import MoneyFormField

# The first year is a calendar year (2013) shown as its financial year (2013/14). The model allows 2000 to 2100;
# the list offers what a commission set up now could plausibly start in.
FIRST_YEAR_FROM = 2000


def _first_year_choices() -> list[tuple[int, str]]:
    last = financial_years.start_year_of(timezone.localdate()) + 10
    return [(year, financial_years.label(year)) for year in range(FIRST_YEAR_FROM, last + 1)]


def _host_queryset() -> Any:
    # The host is a partner; the core names no other app, so the model comes from the foreign key.
    partner = Commission._meta.get_field("host").related_model
    return partner._default_manager.filter(valid_to__isnull=True).order_by("name")  # type: ignore[union-attr]


class CommissionForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    host = forms.ModelChoiceField(
        label="Host partner",
        queryset=Commission.objects.none(),
        help_text="The partner that holds the pool, such as the county council.",
    )
    target = MoneyFormField(
        label="Target, in pounds",
        help_text="The total the commission sets out to pool over all its years, for example 3,500,000.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    first_year = forms.TypedChoiceField(label="First financial year", coerce=int, choices=())
    number_of_years = forms.IntegerField(
        label="Number of years",
        min_value=1,
        max_value=10,
        help_text="From 1 to 10.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = _host_queryset()
        self.fields["first_year"].choices = _first_year_choices()
        self.fields["first_year"].initial = financial_years.start_year_of(timezone.localdate())


class CommissionChangeForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    target = CommissionForm.base_fields["target"]
    status = forms.ChoiceField(label="Status", choices=Commission.Status.choices, widget=forms.RadioSelect)
    first_year = forms.TypedChoiceField(
        label="First financial year",
        coerce=int,
        choices=(),
        help_text="The years can change only before any contribution request is made.",
    )
    number_of_years = CommissionForm.base_fields["number_of_years"]

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": commission.name,
                "target": commission.target,
                "status": commission.status,
                "first_year": commission.first_year,
                "number_of_years": commission.number_of_years,
            },
        )
        super().__init__(*args, **kwargs)
        choices = _first_year_choices()
        if commission.first_year not in dict(choices):
            choices.insert(0, (commission.first_year, financial_years.label(commission.first_year)))
        self.fields["first_year"].choices = choices


class WorkStreamForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcomes = forms.CharField(
        label="Outcomes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The outcomes the work-stream is commissioned to achieve.",
    )
    position = forms.IntegerField(
        label="Position (optional)",
        required=False,
        min_value=0,
        max_value=32767,
        help_text="Order on pages and in reports, lowest first. Leave empty to put it last.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3", "spellcheck": "false"}),
    )


class EndForm(GovukFormMixin, forms.Form):
    on = forms.DateField(
        label="Last day",
        help_text=DATE_HINT,
        input_formats=DATE_FORMATS,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )


class WorkStreamSharesForm(GovukFormMixin, forms.Form):
    """A share for each current work-stream; empty means not pooled. The sum is checked by the service."""

    def __init__(self, *args: Any, streams: list[WorkStream], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {f"share_{stream.pk}": stream.pooled_share for stream in streams})
        super().__init__(*args, **kwargs)
        self.streams = streams
        for stream in streams:
            self.fields[f"share_{stream.pk}"] = forms.DecimalField(
                label=f"{stream.name}, percent of the pool",
                required=False,
                min_value=Decimal("0.01"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
                help_text="Leave empty if it is not pooled.",
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "class": "govuk-input--width-4", "spellcheck": "false"}
                ),
            )

    def shares(self) -> dict[int, Decimal | None]:
        return {stream.pk: self.cleaned_data.get(f"share_{stream.pk}") for stream in self.streams}
