"""Forms for the scenario pages, in GOV.UK markup. They turn what a person typed into a scenario's plain `changes`;
checking the changes against the formula is `allocations.scenarios.parse_changes`, called by the selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.boundfield import BoundField

from allocations import formulas
from allocations.formulas import FIXED, WEIGHTED
from allocations.models import Formula, Scenario
from commissioning.forms import GovukFormMixin
from commissioning.money import MoneyFormField, format_pounds

_MONEY_ERRORS = {
    "invalid": "Enter an amount in pounds, such as 12000 or 12,000.00",
    "min_value": "Enter an amount of £0 or more",
    "max_decimal_places": "Enter an amount in pounds and pence, with no more than 2 decimal places",
    "max_digits": "Enter a smaller amount",
    "max_whole_digits": "Enter a smaller amount",
}
_NUMBER_ERRORS = {
    "invalid": "Enter a number, such as 141250 or 2.5",
    "min_value": "Enter a number of 0 or more",
    "max_decimal_places": "Enter a number with no more than 4 decimal places",
    "max_digits": "Enter a smaller number",
    "max_whole_digits": "Enter a smaller number",
}
_WIDTH_10 = {"class": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}


class FormulaChoiceForm(GovukFormMixin, forms.Form):
    """Which formula a 'what if' starts from: the current version of each of the commission's formulas."""

    formula = forms.ModelChoiceField(
        queryset=Formula.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Which formula should the scenario change?",
        error_messages={"required": "Select a formula", "invalid_choice": "Select one of the formulas listed"},
    )

    def __init__(self, *args: Any, formulas_available: list[Formula], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["formula"]  # type: ignore[assignment]
        field.queryset = Formula.objects.filter(pk__in=[formula.pk for formula in formulas_available]).order_by("name")
        field.label_from_instance = lambda formula: (  # type: ignore[method-assign]
            f"{formula.name} (version {formula.version}, {formula.get_method_display().lower()})"
        )


class WhatIfForm(GovukFormMixin, forms.Form):
    """The changes a person can try on a formula, each field showing the live figure it would replace.

    A blank field, or one left at the live figure, is no change. `changes` holds the plain data once valid.
    """

    def __init__(
        self, *args: Any, spec: formulas.FormulaSpec, live: formulas.FormulaResult, target: Decimal, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec, self.live, self.target = spec, live, target
        self.fields["declines"] = forms.MultipleChoiceField(
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Which partners decline?",
            help_text="A partner that declines pays nothing.",
            choices=[
                (str(line.partner_id), f"{line.name} (live plan {format_pounds(line.amount)} a year)")
                for line in live.lines
            ],
        )
        for line in live.lines:
            self.fields[f"pays_{line.partner_id}"] = MoneyFormField(
                required=False,
                min_value=Decimal(0),
                label=line.name,
                help_text=f"Live plan: {format_pounds(line.amount)} a year",
                error_messages=_MONEY_ERRORS,
                widget=forms.TextInput(attrs=_WIDTH_10),
            )
        if spec.method == WEIGHTED:
            for participant in spec.participants:
                self.fields[f"basis_{participant.partner_id}"] = forms.DecimalField(
                    required=False,
                    min_value=Decimal(0),
                    max_digits=20,
                    decimal_places=4,
                    label=participant.name,
                    help_text=f"Live value: {participant.basis_value:f}"
                    if participant.basis_value is not None
                    else "No live value",
                    error_messages=_NUMBER_ERRORS,
                    widget=forms.TextInput(attrs=_WIDTH_10),
                )
        for index, category in enumerate(spec.categories):
            self.fields[f"weight_{index}"] = forms.DecimalField(
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=4,
                label=category.name,
                help_text=f"Live weight: {category.weight:f}",
                error_messages=_NUMBER_ERRORS,
                widget=forms.TextInput(attrs=_WIDTH_10),
            )
        self.fields["total"] = MoneyFormField(
            required=False,
            min_value=Decimal(0),
            label="Yearly target" if spec.method == FIXED else "Yearly total to share out",
            help_text=f"Live plan: {format_pounds(target)} a year",
            error_messages=_MONEY_ERRORS,
            widget=forms.TextInput(attrs=_WIDTH_10),
        )
        self.fields["name"] = forms.CharField(
            required=False,
            max_length=Scenario._meta.get_field("name").max_length,
            label="Scenario name",
            help_text="Needed only to save the scenario, for example 'Preston declines'",
        )
        self.fields["description"] = forms.CharField(
            required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Description (optional)"
        )

    def _group(self, prefix: str) -> list[BoundField]:
        return [self[name] for name in self.fields if name.startswith(prefix)]

    @property
    def pays_fields(self) -> list[BoundField]:
        return self._group("pays_")

    @property
    def basis_fields(self) -> list[BoundField]:
        return self._group("basis_")

    @property
    def weight_fields(self) -> list[BoundField]:
        return self._group("weight_")

    @property
    def changes(self) -> dict[str, Any]:
        """The changes typed, as a scenario keeps them: decimal strings, and only figures that differ from live."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        if data.get("declines"):
            changes["declines"] = sorted(int(pk) for pk in data["declines"])
        pays = {
            str(line.partner_id): str(data[f"pays_{line.partner_id}"])
            for line in self.live.lines
            if data.get(f"pays_{line.partner_id}") is not None and data[f"pays_{line.partner_id}"] != line.amount
        }
        basis = {
            str(p.partner_id): str(data[f"basis_{p.partner_id}"])
            for p in self.spec.participants
            if data.get(f"basis_{p.partner_id}") is not None and data[f"basis_{p.partner_id}"] != p.basis_value
        }
        weights = {
            category.name: str(data[f"weight_{index}"])
            for index, category in enumerate(self.spec.categories)
            if data.get(f"weight_{index}") is not None and data[f"weight_{index}"] != category.weight
        }
        for key, value in (("pays", pays), ("basis_values", basis), ("category_weights", weights)):
            if value:
                changes[key] = value
        if data.get("total") is not None and data["total"] != self.target:
            changes["total"] = str(data["total"])
        return changes


class CompareForm(GovukFormMixin, forms.Form):
    """Two of a commission's scenarios to set side by side."""

    a = forms.ModelChoiceField(
        queryset=Scenario.objects.none(),
        label="First scenario",
        empty_label="Choose a scenario",
        error_messages={"required": "Select the first scenario", "invalid_choice": "Select one of the scenarios"},
    )
    b = forms.ModelChoiceField(
        queryset=Scenario.objects.none(),
        label="Second scenario",
        empty_label="Choose a scenario",
        error_messages={"required": "Select the second scenario", "invalid_choice": "Select one of the scenarios"},
    )

    def __init__(self, *args: Any, scenarios: list[Scenario], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        by_pk = {scenario.pk: scenario for scenario in scenarios}
        for name in ("a", "b"):
            field: forms.ModelChoiceField = self.fields[name]  # type: ignore[assignment]
            field.queryset = Scenario.objects.filter(pk__in=by_pk).order_by("name")
            # The choices come from the list already read, so the page costs no query per scenario.
            field.choices = [("", field.empty_label)] + [
                (scenario.pk, scenario.name) for scenario in sorted(scenarios, key=lambda s: s.name)
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("a") and cleaned.get("b") and cleaned["a"].pk == cleaned["b"].pk:
            self.add_error("b", "Select a different scenario from the first")
        return cleaned
