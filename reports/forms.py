"""Forms of the fund statement and plan-version pages."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.forms import GovukFormMixin
from commissioning.funding_forms import approving_decisions
from commissioning.models import Commission, FinancialYear, FundingPlanVersion
from reports.selectors import ANNUAL, CURRENT, QUARTER_MONTHS, ReportPeriod
from reports.services import LABEL_MAX, REFERENCE_MAX


class StatementYearForm(GovukFormMixin, forms.Form):
    """Which year of the statement to show in detail."""

    def __init__(self, *args: Any, years: list[FinancialYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = {year.start_year: year for year in years}
        self.fields["year"] = forms.TypedChoiceField(
            label="Financial year",
            coerce=int,
            choices=[(year.start_year, year.label) for year in years],
            error_messages={
                "required": "Select a financial year",
                "invalid_choice": "Select one of the commission's financial years",
            },
        )

    def year(self) -> FinancialYear:
        return self.years[self.cleaned_data["year"]]


class ReportPackForm(StatementYearForm):
    """The year of "Download all reports"; labelled apart from the year form on the same page."""

    def __init__(self, *args: Any, years: list[FinancialYear], **kwargs: Any) -> None:
        super().__init__(*args, years=years, **kwargs)
        self.fields["year"].label = "Financial year of the reports"


class StatementReportForm(GovukFormMixin, forms.Form):
    """A fund statement report to download: a financial year, and the whole year or one of its quarters."""

    period = forms.ChoiceField(
        label="Period to report on",
        widget=forms.RadioSelect,
        choices=[(ANNUAL, "The whole year")]
        + [(f"q{number}", f"Q{number}: {first} to {last}") for number, (first, last) in QUARTER_MONTHS.items()],
        error_messages={
            "required": "Select the whole year or a quarter",
            "invalid_choice": "Select the whole year or a quarter from Q1 to Q4",
        },
    )

    def __init__(self, *args: Any, years: list[FinancialYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = {year.start_year: year for year in years}
        self.fields["year"] = forms.TypedChoiceField(
            label="Financial year to report on",
            coerce=int,
            choices=[(year.start_year, year.label) for year in years],
            error_messages={
                "required": "Select a financial year",
                "invalid_choice": "Select one of the commission's financial years",
            },
        )
        self.order_fields(["year", "period"])

    def report_period(self) -> ReportPeriod:
        period = self.cleaned_data["period"]
        quarter = None if period == ANNUAL else int(period.removeprefix("q"))
        return ReportPeriod(year=self.years[self.cleaned_data["year"]], quarter=quarter)


class PlanVersionFreezeForm(GovukFormMixin, forms.Form):
    label = forms.CharField(
        label="Label",
        max_length=LABEL_MAX,
        help_text="What this version of the plan is, for example 'Initial approval' or 'After the November report'.",
        error_messages={"required": "Enter a label for the version"},
    )
    decision = forms.ModelChoiceField(
        label="Decision record (optional)",
        queryset=None,
        required=False,
        empty_label="None",
        help_text="A decided and approved decision of this commission that the plan is frozen for.",
    )
    decision_reference = forms.CharField(
        label="Decision reference (optional)",
        max_length=REFERENCE_MAX,
        required=False,
        help_text="The decision the plan is frozen for, for example PCC036/18.",
    )

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        decisions = approving_decisions(commission)
        if decisions.exists():
            self.fields["decision"].queryset = decisions
            self.fields["decision_reference"].label = "Decision reference (if the decision is not recorded here)"
        else:
            del self.fields["decision"]


class MovementsForm(GovukFormMixin, forms.Form):
    """Two plans to compare: two frozen versions, or a version and the plan as it stands now."""

    before = forms.ChoiceField(
        label="From",
        error_messages={"required": "Select the version to compare from", "invalid_choice": "Select a version"},
    )
    after = forms.ChoiceField(
        label="To",
        error_messages={"required": "Select the version to compare to", "invalid_choice": "Select a version"},
    )

    def __init__(self, *args: Any, versions: list[FundingPlanVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(version.number), str(version)) for version in versions]
        self.fields["before"].choices = [("", "Choose a version"), *choices]
        self.fields["after"].choices = [("", "Choose a version"), *choices, (CURRENT, "The plan as it stands now")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("before") and cleaned.get("before") == cleaned.get("after"):
            self.add_error("after", "Select a different version from the first")
        return cleaned
