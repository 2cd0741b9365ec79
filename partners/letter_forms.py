"""Forms of the officer's letter pages: issuing requests, moving a deadline, and querying a return."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

from commissioning.forms import GovukFormMixin

DATE_EXAMPLE = "for example, 27 3 2026"


class LetterIssueForm(GovukFormMixin, forms.Form):
    """What the officer chooses when issuing: which partners, the deadline (a GOV.UK date input: day, month and
    year), the grace period, the reminder days and who signs. The service checks the rest (a deadline after the
    letter's date, reminders before the deadline) and its reasons are shown as they are."""

    partners = forms.TypedMultipleChoiceField(
        label="Partners to issue to",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one partner to issue a request to."},
    )
    deadline_day = forms.CharField(label="Day", required=False, max_length=2)
    deadline_month = forms.CharField(label="Month", required=False, max_length=2)
    deadline_year = forms.CharField(label="Year", required=False, max_length=4)
    grace_days = forms.IntegerField(
        label="Grace period, in days",
        help_text="How many days after the deadline the partner's secure link still opens; then it expires.",
        min_value=0,
        max_value=365,
        initial=14,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the grace period in days, from 0 to 365.",
            "invalid": "Enter the grace period as a whole number of days, from 0 to 365.",
            "min_value": "The grace period must be between 0 and 365 days.",
            "max_value": "The grace period must be between 0 and 365 days.",
        },
    )
    reminder_days = forms.CharField(
        label="Send reminders this many days before the deadline",
        help_text="Whole numbers separated by commas, for example 14, 7, 1. Leave empty for no reminders.",
        required=False,
        initial="14, 7, 1",
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    sender_name = forms.CharField(
        label="Letter from",
        help_text="The name the letter is signed with.",
        max_length=200,
        error_messages={"required": "Enter who the letter is from."},
    )
    sender_position = forms.CharField(label="Their position", required=False, max_length=200)
    message = forms.CharField(
        label="Message to add to the letter (optional)",
        help_text="A paragraph printed in every letter, after the request.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, partner_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].choices = partner_choices
        if not self.is_bound:
            self.initial.setdefault("partners", [pk for pk, _ in partner_choices])
        for name in ("deadline_day", "deadline_month", "deadline_year"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
        self.fields["sender_name"].widget.attrs.update({"autocomplete": "name", "spellcheck": "false"})

    def clean_reminder_days(self) -> tuple[int, ...]:
        text = self.cleaned_data.get("reminder_days", "").strip()
        if not text:
            return ()
        parts = [part for part in re.split(r"[,\s]+", text) if part]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(
                "Enter the reminder days as whole numbers separated by commas, for example 14, 7, 1."
            )
        return tuple(sorted({int(part) for part in parts}, reverse=True))

    def clean(self) -> dict[str, Any]:
        return _clean_deadline(self, super().clean())


def _clean_deadline(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    """Read the GOV.UK date input's three boxes into `deadline`, or put the error on the day box."""
    day, month, year = (data.get(f"deadline_{part}", "").strip() for part in ("day", "month", "year"))
    if not (day or month or year):
        form.add_error("deadline_day", f"Enter the deadline, {DATE_EXAMPLE}.")
    elif not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        form.add_error("deadline_day", f"Enter the deadline as a real date, {DATE_EXAMPLE}.")
    else:
        try:
            data["deadline"] = date(int(year), int(month), int(day))
        except ValueError:
            form.add_error("deadline_day", f"Enter the deadline as a real date, {DATE_EXAMPLE}.")
    return data


class DeadlineChangeForm(GovukFormMixin, forms.Form):
    """A new deadline and grace period for one request, and why."""

    deadline_day = forms.CharField(label="Day", required=False, max_length=2)
    deadline_month = forms.CharField(label="Month", required=False, max_length=2)
    deadline_year = forms.CharField(label="Year", required=False, max_length=4)
    grace_days = LetterIssueForm.base_fields["grace_days"]
    reason = forms.CharField(
        label="Why the deadline changes",
        help_text="For example, the partner's cabinet meets after the deadline. Kept in the request's history.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the deadline changes; it is kept in the request's history."},
    )

    def clean(self) -> dict[str, Any]:
        return _clean_deadline(self, super().clean())


# Where a service's field error belongs on the form.
ISSUE_FIELD_FOR = {"deadline": "deadline_day"}


class ReturnQueryForm(GovukFormMixin, forms.Form):
    message = forms.CharField(
        label="What the partner needs to change",
        help_text="This is e-mailed to the partner's finance lead with a new link, and kept in the request's history.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what the partner needs to change."},
    )
