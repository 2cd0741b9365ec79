"""Forms of the ledger's pages: the filters of the transaction list."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.forms import GovukFormMixin
from commissioning.models import FinancialYear, LedgerTransaction, WorkStream


def _choice(label: str, all_label: str, choices: list[tuple[Any, str]], what: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", all_label), *choices],
        # Words, not SQL: bandit's B608 takes any "select … from" for a query.
        error_messages={"invalid_choice": f"Select {what} from the list"},  # nosec B608
    )


class TransactionFilterForm(GovukFormMixin, forms.Form):
    """Narrow the transaction list by year, kind, words or number, partner and work-stream; an empty field narrows
    nothing."""

    def __init__(
        self,
        *args: Any,
        years: list[FinancialYear],
        work_streams: list[WorkStream],
        partners: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"] = _choice(
            "Financial year", "All years", [(year.start_year, year.label) for year in years], "a financial year"
        )
        self.fields["kind"] = forms.ChoiceField(
            label="Kind",
            required=False,
            choices=[("", "All kinds"), *LedgerTransaction.Kind.choices],
            error_messages={"invalid_choice": "Select a kind of transaction from the list"},
        )
        self.fields["q"] = forms.CharField(
            label="Number or words",
            required=False,
            max_length=100,
            error_messages={"max_length": "Number or words must be 100 characters or fewer"},
        )
        self.fields["partner"] = _choice("Partner", "All partners", partners, "a partner")
        self.fields["work_stream"] = _choice(
            "Work-stream", "All work-streams", [(stream.pk, stream.name) for stream in work_streams], "a work-stream"
        )

    def filters(self) -> dict[str, Any]:
        """The cleaned filters as `ledger_selectors.transaction_list` takes them."""
        data = self.cleaned_data
        return {
            "start_year": data.get("year"),
            "kind": data.get("kind") or "",
            "partner_id": data.get("partner"),
            "work_stream_id": data.get("work_stream"),
            "text": (data.get("q") or "").strip(),
        }
