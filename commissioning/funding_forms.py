"""Forms for reserves, drawdowns, carry-forward decisions and pool rules (GOV.UK markup via GovukFormMixin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from commissioning.forms import GovukFormMixin
from commissioning.models import Commission, PoolRules, ReserveDrawdown
from commissioning.money import MoneyFormField


def money_field(label: str, *, help_text: str = "", required: bool = True) -> MoneyFormField:
    return MoneyFormField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10", "spellcheck": "false"}),
    )


def reason_field(label: str, help_text: str = "", *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=required, widget=forms.Textarea(attrs={"rows": 4})
    )


def decision_field() -> forms.CharField:
    return forms.CharField(
        label="Decision reference",
        max_length=200,
        help_text="For example, 'Cabinet Member decision, 12 November 2013' or PCC036/18.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )


class DrawdownProposeForm(GovukFormMixin, forms.Form):
    financial_year = forms.ModelChoiceField(
        label="Year the money goes into", queryset=None, widget=forms.RadioSelect, empty_label=None
    )
    amount = money_field("Amount to draw, in pounds", help_text="For example, 321,000")
    reason = reason_field("Why the reserve is drawn on", "Say how this use meets the reserve's protocol.")

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].queryset = commission.years.order_by("number")
        self.fields["financial_year"].label_from_instance = lambda year: f"{year.label} (year {year.number})"


def approving_decisions(commission: Commission) -> QuerySet[Any]:
    """The commission's decision records that may approve funding (decided and approved). The core reaches the
    `reports.Decision` model through its string foreign key, so it imports no other app."""
    model: Any = ReserveDrawdown._meta.get_field("decision").related_model
    return model.objects.approving_funding().filter(commission=commission).order_by("-decided_on", "-pk")


class DecisionForm(GovukFormMixin, forms.Form):
    """Approval on a decision: a decided and approved decision record of the commission when there is one, or the
    reference of a decision made elsewhere; and a note if there is one."""

    decision = forms.ModelChoiceField(
        label="Decision record",
        queryset=None,
        required=False,
        empty_label="None of these: give the decision's reference below",
        help_text="A decided and approved decision of this commission. Its reference is recorded with the approval.",
    )
    decision_reference = decision_field()
    note = reason_field("Note (optional)", required=False)

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        decisions = approving_decisions(commission)
        if decisions.exists():
            self.fields["decision"].queryset = decisions
            reference = self.fields["decision_reference"]
            reference.required = False
            reference.label = "Decision reference (if no decision record is chosen)"
        else:
            del self.fields["decision"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "decision" in self.fields and not cleaned.get("decision") and not cleaned.get("decision_reference"):
            self.add_error("decision", "Choose the decision record, or give the reference of the decision.")
        return cleaned


class ReasonForm(GovukFormMixin, forms.Form):
    reason = reason_field("Reason", "This is kept with the record and shown to auditors.")


class ConfirmForm(GovukFormMixin, forms.Form):
    reference = forms.CharField(
        label="Confirmation reference (optional)",
        required=False,
        max_length=200,
        help_text="For example, the County Treasurer's letter or e-mail. Left empty, the decision's reference is used.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )


_STEP_CHOICES = [("", "No further step"), *PoolRules.Step.choices]


class PoolRulesForm(GovukFormMixin, forms.Form):
    first_step = forms.ChoiceField(label="First, an overspend is met from", choices=PoolRules.Step.choices)
    second_step = forms.ChoiceField(label="Then from", choices=_STEP_CHOICES, required=False)
    third_step = forms.ChoiceField(label="Then from", choices=_STEP_CHOICES, required=False)
    reserve = forms.ModelChoiceField(
        label="Reserve an overspend may draw on",
        queryset=None,
        required=False,
        empty_label="No reserve",
    )
    reductions_limit = money_field(
        "Most that reductions in service may meet in a year, in pounds", help_text="Enter 0 if there is no such step."
    )
    cap_at_contribution = forms.BooleanField(
        label="No partner bears more of the remaining risk than it contributed that year", required=False
    )
    underspends_stay_in_pool = forms.BooleanField(label="Underspends stay in the pool", required=False)
    agreement = reason_field(
        "The clause of the partnership agreement (optional)", "As the agreement words it.", required=False
    )

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reserve"].queryset = commission.reserves.order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        steps = [cleaned.get(name) for name in ("first_step", "second_step", "third_step")]
        order = [step for step in steps if step]
        if len(set(order)) != len(order):
            raise forms.ValidationError("Name each step once.")
        if not steps[1] and steps[2]:
            self.add_error("third_step", "Choose the second step before the third.")
        cleaned["overspend_order"] = order
        return cleaned

    @staticmethod
    def initial_for(rules: PoolRules) -> dict[str, Any]:
        order = [*rules.overspend_order, "", "", ""]
        return {
            "first_step": order[0],
            "second_step": order[1],
            "third_step": order[2],
            "reserve": rules.reserve_id,
            "reductions_limit": rules.reductions_limit,
            "cap_at_contribution": rules.cap_at_contribution,
            "underspends_stay_in_pool": rules.underspends_stay_in_pool,
            "agreement": rules.agreement,
        }
