"""Forms of the decision pages (GOV.UK markup via GovukFormMixin). They check the shape of the input; the rules
(a key decision's reason, call-in dates, who may sign) are the services', whose messages the views show."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.forms import GovukFormMixin
from commissioning.models import Commission
from reports.decision_services import INPUT_FIELDS, DecisionInput, RecommendationResult
from reports.models import Decision, DecisionRecommendation, DecisionTemplate, report_sections, section_keys
from reports.publication_services import SectionInput

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"]
DATE_HINT = "For example, 12/11/2013"


def date_field(label: str, *, required: bool = False, help_text: str = DATE_HINT) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
        error_messages={"invalid": "Enter a real date, like 12/11/2013"},
    )


def text_area(label: str, help_text: str = "", *, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=False, widget=forms.Textarea(attrs={"rows": rows})
    )


class DecisionDraftForm(GovukFormMixin, forms.Form):
    """A draft decision's text and dates; the template is chosen only when the decision is created."""

    template = forms.ModelChoiceField(
        label="Kind of decision report",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="It sets the reference and who signs the decision off.",
        error_messages={"required": "Choose the kind of decision report"},
    )
    title = forms.CharField(label="Title", max_length=300, error_messages={"required": "Enter the title"})
    decision_maker = forms.CharField(
        label="Decision-maker",
        max_length=300,
        help_text="For example, Cabinet Member for Adult and Community Services (County Councillor Tony Martin)",
        error_messages={"required": "Enter who makes the decision"},
    )
    is_key = forms.BooleanField(label="This is a key decision", required=False)
    key_reason = text_area("Why it is a key decision", "Needed for a key decision.", rows=2)
    notice_published_on = date_field("Notice of proposed decision first published")
    due_on = date_field("Decision due")
    subject_to_call_in = forms.BooleanField(
        label="Subject to call-in (it takes effect on a later date, given when it is decided)", required=False
    )
    divisions_affected = forms.CharField(
        label="Divisions or areas affected", max_length=300, required=False, help_text="For example, All divisions"
    )
    contact_name = forms.CharField(label="Contact name", max_length=200, required=False)
    contact_email = forms.EmailField(
        label="Contact e-mail address",
        required=False,
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"invalid": "Enter an e-mail address in the right form, like name@example.gov.uk"},
    )
    contact_phone = forms.CharField(
        label="Contact telephone", max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    reasons = text_area("Reasons for the decision")
    alternatives_rejected = text_area("Alternative options considered and rejected")
    conflicts_of_interest = text_area("Conflicts of interest declared", "Write 'None' if none were declared.", rows=2)

    def __init__(self, *args: Any, commission: Commission, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["template"].queryset = commission.decision_templates.order_by("name")  # type: ignore[attr-defined]
            self.fields["template"].label_from_instance = lambda t: f"{t.name} (reference {t.reference_pattern})"
        else:
            del self.fields["template"]

    def decision_input(self) -> DecisionInput:
        return DecisionInput(**{name: self.cleaned_data[name] for name in INPUT_FIELDS})

    @staticmethod
    def initial_for(decision: Decision) -> dict[str, Any]:
        return {name: getattr(decision, name) for name in INPUT_FIELDS}


class RecommendationForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label="Recommendation",
        help_text="As the decision-maker is recommended to act, for example 'Approve the use of the reserve …'.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the recommendation"},
    )


class ReturnForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why it is returned to draft",
        help_text="This is kept in the decision's history. Any sign-offs are cleared and must be given again.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the decision is returned to draft"},
    )


class DecideForm(GovukFormMixin, forms.Form):
    """The outcome, the date, and a result for each recommendation (with its amended wording where amended)."""

    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Decision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    amendments = text_area("Amendments (when approved with amendments)")
    decided_on = date_field("Date of the decision", required=True)
    effective_from = date_field(
        "Takes effect from (optional unless subject to call-in)",
        help_text="A decision subject to call-in takes effect after the date it is made. For example, 20/11/2013",
    )

    def __init__(self, *args: Any, recommendations: list[DecisionRecommendation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recommendations = recommendations
        for recommendation in recommendations:
            n = recommendation.number
            self.fields[f"recommendation_{n}"] = forms.ChoiceField(
                label=f"Recommendation ({recommendation.numeral})",
                help_text=recommendation.text,
                choices=DecisionRecommendation.Result.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Give the result of recommendation ({recommendation.numeral})"},
            )
            self.fields[f"amendment_{n}"] = forms.CharField(
                label=f"Recommendation ({recommendation.numeral}) as amended (when amended)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def results(self) -> dict[int, RecommendationResult]:
        return {
            r.number: RecommendationResult(
                result=self.cleaned_data[f"recommendation_{r.number}"],
                amendment=self.cleaned_data.get(f"amendment_{r.number}", ""),
            )
            for r in self.recommendations
        }


class SectionsForm(GovukFormMixin, forms.Form):
    """Every prose section of the report of `kind` (Markdown), in its order and under its headings, each with an
    exempt (Part II) box, then Part II."""

    schedule_12a_paragraph = forms.TypedChoiceField(
        label="Schedule 12A paragraph (when any section is exempt)",
        choices=[("", "Not exempt")] + [(str(n), f"Paragraph {n}") for n in range(1, 8)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The paragraph of Schedule 12A to the Local Government Act 1972 the exempt sections fall under.",
    )
    public_interest_reason = text_area(
        "Public-interest reason (when any section is exempt)",
        "Why the public interest in withholding the exempt sections outweighs disclosing them.",
        rows=3,
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = section_keys(kind)
        hints = {**SECTION_HINTS, **(PCC_SECTION_HINTS if kind == DecisionTemplate.Kind.PCC else {})}
        part_two = {name: self.fields.pop(name) for name in ("schedule_12a_paragraph", "public_interest_reason")}
        for key, title in report_sections(kind):
            self.fields[key.value] = text_area(
                title, hints.get(key.value, "Markdown: blank lines between paragraphs."), rows=8
            )
            self.fields[f"{key.value}_exempt"] = forms.BooleanField(
                label=f"{title} is exempt (Part II): withhold it from the published report", required=False
            )
        self.fields.update(part_two)

    def section_inputs(self) -> dict[str, SectionInput]:
        return {key: SectionInput(self.cleaned_data[key], self.cleaned_data[f"{key}_exempt"]) for key in self.keys}

    @staticmethod
    def initial_for(decision: Decision) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "schedule_12a_paragraph": decision.schedule_12a_paragraph,
            "public_interest_reason": decision.public_interest_reason,
        }
        for section in decision.sections.all():  # type: ignore[attr-defined]
            initial[section.key] = section.body
            initial[f"{section.key}_exempt"] = section.exempt
        return initial


SECTION_HINTS = {
    "service_model": "The introduction; the work-stream allocation table is generated from the allocations plan.",
    "financial_implications": "The prose; the reserve, carry-forward and Year 1 tables are generated from the ledger.",
    "background_papers": "One paper a line, starting each with '- ': title, date, contact.",
}
PCC_NUMBERING = (
    "Each paragraph and each '- ' list item is numbered in the report (3.1, 3.2, …); items of a list indented under "
    "an item are numbered 3.2.1, 3.2.2, …"
)
PCC_SECTION_HINTS = {
    "purpose": PCC_NUMBERING,
    "financial_implications": "The prose; the partner contributions table is generated from the ledger. "
    + PCC_NUMBERING,
}


class RedactionForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label="Words to remove",
        help_text="Exactly as they appear; every occurrence is removed from the published report.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter the words to remove from the published report"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=200,
        help_text="Printed in their place, for example 'personal data'.",
        error_messages={"required": "Give the reason for the redaction"},
    )


class DecisionFilterForm(GovukFormMixin, forms.Form):
    """Narrow a commission's decision list by status, kind of report and words; an empty field narrows nothing."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All statuses"), *Decision.Status.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    kind = forms.ChoiceField(
        label="Kind of report",
        required=False,
        choices=[("", "All kinds"), *DecisionTemplate.Kind.choices],
        error_messages={"invalid_choice": "Select a kind of report from the list"},
    )
    q = forms.CharField(
        label="Reference or words of the title",
        required=False,
        max_length=100,
        error_messages={"max_length": "Reference or words must be 100 characters or fewer"},
    )

    def filters(self) -> dict[str, str]:
        """The cleaned filters as `decision_selectors.decision_list` takes them."""
        data = self.cleaned_data
        return {"status": data["status"], "kind": data["kind"], "text": data["q"].strip()}
