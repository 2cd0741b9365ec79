"""The form that proposes a carry-forward from a year's underspends."""

from __future__ import annotations

from typing import Any

from django import forms

from allocations.year_end_selectors import YearEnd
from commissioning.forms import GovukFormMixin
from commissioning.funding_forms import money_field, reason_field


class CarryForwardProposeForm(GovukFormMixin, forms.Form):
    to_year = forms.ModelChoiceField(
        label="Year to carry it into", queryset=None, widget=forms.RadioSelect, empty_label=None
    )
    amount = money_field(
        "Amount to carry forward, in pounds",
        help_text="It is split across the work-streams by their underspends, so the parts add up to it exactly.",
    )
    reason = reason_field("Why the underspend arose and what it will fund")

    def __init__(self, *args: Any, year_end: YearEnd, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_year"]
        field.queryset = year_end.year.commission.years.filter(number__gt=year_end.year.number).order_by("number")
        field.label_from_instance = lambda year: f"{year.label} (year {year.number})"
