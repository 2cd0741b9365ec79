"""Forms for the officer pages: formulas, year budgets, allocation overrides and monitoring returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from allocations.models import BasisDataset, Formula, RoundingUnit
from commissioning.forms import GovukFormMixin
from commissioning.models import Commission, WorkStream
from commissioning.money import MoneyFormField
from partners.models import Partner

# The cost categories of Walby's cost of domestic violence, and the kinds of partner that bear each by default.
# Weights are typed by the officer with their source; the mapping can be changed per category in the admin.
WALBY_CATEGORIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("criminal_justice", "Criminal justice", (Partner.Kind.POLICE_AND_CRIME_COMMISSIONER, Partner.Kind.PROBATION)),
    ("health", "Health care", (Partner.Kind.HEALTH_BODY,)),
    ("social_services", "Social services", (Partner.Kind.COUNTY_COUNCIL, Partner.Kind.UNITARY_AUTHORITY)),
    ("housing", "Housing and refuges", (Partner.Kind.DISTRICT_COUNCIL, Partner.Kind.UNITARY_AUTHORITY)),
    ("civil_legal", "Civil legal services", (Partner.Kind.COUNTY_COUNCIL, Partner.Kind.UNITARY_AUTHORITY)),
)


def _money(label: str, *, required: bool = True, help_text: str = "") -> MoneyFormField:
    return MoneyFormField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10", "spellcheck": "false"}),
    )


class YearBudgetForm(GovukFormMixin, forms.Form):
    amount = _money("Pooled budget for the year, in pounds", help_text="For example, 1,502,449")
    rounding_unit = forms.ChoiceField(
        label="Split to",
        choices=RoundingUnit.choices,
        initial=RoundingUnit.POUND,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AllocationOverrideForm(GovukFormMixin, forms.Form):
    amount = _money("New allocation, in pounds")
    reason = forms.CharField(
        label="Why the allocation differs from the formula",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="This is kept with the allocation and shown to auditors.",
    )


class MonitoringReturnForm(GovukFormMixin, forms.Form):
    work_stream = forms.ModelChoiceField(label="Work-stream", queryset=WorkStream.objects.none())
    quarter = forms.TypedChoiceField(
        label="Quarter",
        coerce=int,
        choices=[
            (1, "Quarter 1 (April to June)"),
            (2, "Quarter 2 (July to September)"),
            (3, "Quarter 3 (October to December)"),
            (4, "Quarter 4 (January to March)"),
        ],
        widget=forms.RadioSelect,
    )
    forecast = _money("Full-year forecast outturn, in pounds")
    actual = _money("Actual spend to the end of the quarter, in pounds", required=False)

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_stream"].queryset = commission.work_streams.filter(pooled_share__isnull=False).order_by(
            "position", "name"
        )


class FormulaCreateForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200, help_text="For example, 'Contributions 2013 to 2016'.")
    method = forms.ChoiceField(label="Method", choices=Formula.Method.choices, widget=forms.RadioSelect)
    total = _money(
        "Yearly total to share out, in pounds",
        required=False,
        help_text="Weighted and cost-model formulas only. Fixed formulas start from the amounts in the request letter.",
    )
    rounding_unit = forms.ChoiceField(
        label="Round each request to",
        choices=RoundingUnit.choices,
        initial=RoundingUnit.POUND,
        widget=forms.RadioSelect,
    )
    basis_dataset = forms.ModelChoiceField(
        label="Weight partners by (weighted formulas; spreads housing in cost-model formulas)",
        queryset=BasisDataset.objects.order_by("name"),
        required=False,
    )
    participants = forms.ModelMultipleChoiceField(
        label="Partners to ask", queryset=Partner.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    weights_source = forms.CharField(
        label="Source of the cost-category weights (cost-model formulas)",
        required=False,
        max_length=300,
        help_text="For example, 'Walby (2009), The cost of domestic violence: up-date 2009'.",
    )

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = Partner.objects.filter(memberships__commission=commission).distinct()
        for key, label, _ in WALBY_CATEGORIES:
            self.fields[f"weight_{key}"] = forms.DecimalField(
                label=f"Weight of {label.lower()} (cost-model formulas)",
                required=False,
                min_value=Decimal("0"),
                max_digits=14,
                decimal_places=4,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        method = cleaned.get("method")
        if method in {Formula.Method.WEIGHTED, Formula.Method.COST_MODEL} and cleaned.get("total") is None:
            self.add_error("total", "Enter the yearly total to share out.")
        if method == Formula.Method.WEIGHTED and not cleaned.get("basis_dataset"):
            self.add_error("basis_dataset", "Choose the dataset that weights the partners.")
        if method == Formula.Method.COST_MODEL:
            if not any(cleaned.get(f"weight_{key}") for key, _, _ in WALBY_CATEGORIES):
                self.add_error(f"weight_{WALBY_CATEGORIES[0][0]}", "Enter the weight of at least one cost category.")
            if not cleaned.get("weights_source"):
                self.add_error("weights_source", "Say where the weights come from.")
        return cleaned


class FixedAmountsForm(GovukFormMixin, forms.Form):
    """One amount per participant of a fixed formula; saving makes the next version."""

    def __init__(self, *args: Any, formula: Formula, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.participants = list(formula.participants.select_related("partner").order_by("partner__name"))
        for participant in self.participants:
            field = _money(participant.partner.name)
            field.initial = participant.fixed_amount
            self.fields[f"amount_{participant.partner_id}"] = field

    def amounts(self) -> list[tuple[Partner, Decimal]]:
        return [(p.partner, self.cleaned_data[f"amount_{p.partner_id}"]) for p in self.participants]


class CategoryWeightsForm(GovukFormMixin, forms.Form):
    """The weight and source of each cost category, and the yearly total; saving makes the next version."""

    def __init__(self, *args: Any, formula: Formula, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = list(formula.cost_categories.order_by("position", "name"))
        self.fields["total"] = _money("Yearly total to share out, in pounds")
        self.fields["total"].initial = formula.total
        for category in self.categories:
            self.fields[f"weight_{category.pk}"] = forms.DecimalField(
                label=f"Weight of {category.name.lower()}",
                min_value=Decimal("0"),
                max_digits=14,
                decimal_places=4,
                initial=category.weight,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
            )
            self.fields[f"source_{category.pk}"] = forms.CharField(
                label=f"Source of the {category.name.lower()} weight", max_length=300, initial=category.source
            )
