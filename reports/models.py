"""Decision records and their sign-off: the papers a cabinet member or a PCC signs (seeds 001, 002 and 003).

A decision is made from a template of its commission (a cabinet-member report or a PCC decision report), which
gives it a reference pattern and the roles that must sign it off. It moves draft → submitted → signed off →
decided, only through `reports.decision_services`; each move is kept as a `DecisionEvent`.

Numbering: `{number}` counts decisions of the same template within the calendar year of the decision's due date
(today's year when no due date is set at creation), as the PCC's `PCC036/18` counts within 2018. The number and
reference are taken when the decision is created and never change or return to use, even if the due date moves.

The core's reserve drawdowns, carry-forwards and plan versions point here by a string foreign key; a decision
approves them when it is decided and approved (`approves_funding`).
"""

from __future__ import annotations

import string
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from commissioning.history import AuditTrail
from commissioning.models import Commission

_USER = settings.AUTH_USER_MODEL
PATTERN_FIELDS = frozenset({"number", "yy", "yyyy"})


class SignOffRole(models.TextChoices):
    REPORT_AUTHOR = "report_author", "Report author"
    CHIEF_FINANCE_OFFICER = "chief_finance_officer", "Chief finance officer (treasurer)"
    CHIEF_EXECUTIVE = "chief_executive", "Chief executive"
    MONITORING_OFFICER = "monitoring_officer", "Monitoring officer"


def format_reference(pattern: str, *, number: int, year: int) -> str:
    """The reference `pattern` gives decision `number` of calendar `year`: `PCC{number:03d}/{yy}` → `PCC036/18`."""
    return pattern.format(number=number, yy=f"{year % 100:02d}", yyyy=str(year))


def validate_reference_pattern(pattern: str) -> None:
    """A pattern names `{number}` (with an optional format such as `:03d`) and may name `{yy}` or `{yyyy}`."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as error:
        raise ValidationError(f"The reference pattern {pattern!r} cannot be used: {error}.") from None
    if "number" not in names:
        raise ValidationError("The reference pattern must include {number}, for example PCC{number:03d}/{yy}.")
    unknown = names - PATTERN_FIELDS
    if unknown:
        raise ValidationError(
            "The reference pattern may use only {number}, {yy} and {yyyy}; it names "
            + ", ".join("{" + name + "}" for name in sorted(unknown))
            + "."
        )
    try:
        format_reference(pattern, number=1, year=2018)
    except (ValueError, KeyError, IndexError) as error:
        raise ValidationError(f"The reference pattern {pattern!r} cannot be used: {error}.") from None


def validate_sign_off_roles(roles: Any) -> None:
    """An ordered list of known roles, each at most once, at least one."""
    known = set(SignOffRole.values)
    if not isinstance(roles, list) or not roles:
        raise ValidationError("Choose at least one role that signs off the decision.")
    if any(role not in known for role in roles) or len(set(roles)) != len(roles):
        raise ValidationError("Give each sign-off role at most once, from: " + ", ".join(SignOffRole.values) + ".")


def default_sign_off_roles() -> list[str]:
    return [SignOffRole.REPORT_AUTHOR.value, SignOffRole.CHIEF_FINANCE_OFFICER.value]


class DecisionTemplate(models.Model):
    """A kind of decision report of one commission: its reference pattern and who must sign it off, in order."""

    class Kind(models.TextChoices):
        CABINET_MEMBER = "cabinet_member", "Report to the Cabinet Member"
        PCC = "pcc", "PCC decision report"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="decision_templates")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reference_pattern = models.CharField(
        max_length=60,
        validators=[validate_reference_pattern],
        help_text="For example PCC{number:03d}/{yy} or CM{number:03d}/{yy}. {number} counts this template's "
        "decisions within the calendar year of the decision's due date; {yy} is that year's last two digits.",
    )
    classification = models.CharField(
        max_length=100,
        default="Not protectively marked",
        help_text="The security classification its reports print, for example 'Not protectively marked'.",
    )
    sign_off_roles = models.JSONField(
        default=default_sign_off_roles,
        validators=[validate_sign_off_roles],
        help_text="The roles that sign off, in order: report_author, chief_finance_officer, chief_executive, "
        "monitoring_officer.",
    )

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "name"], name="decision_template_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> list[SignOffRole]:
        return [SignOffRole(role) for role in self.sign_off_roles]


class DecisionQuerySet(models.QuerySet["Decision"]):
    def approving_funding(self) -> DecisionQuerySet:
        """Decisions that may approve funding: decided, and approved with or without amendments."""
        return self.filter(
            status__in=(Decision.Status.DECIDED, Decision.Status.PUBLISHED), outcome__in=Decision.APPROVING
        )


class Decision(models.Model):
    """A decision record: what is decided, by whom, when, and how it went through sign-off."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for sign-off"
        SIGNED_OFF = "signed_off", "Signed off"
        DECIDED = "decided", "Decided"
        PUBLISHED = "published", "Published"

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        APPROVED_WITH_AMENDMENTS = "approved_with_amendments", "Approved with amendments"

    APPROVING = (Outcome.APPROVED, Outcome.APPROVED_WITH_AMENDMENTS)

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="decisions")
    template = models.ForeignKey(DecisionTemplate, on_delete=models.PROTECT, related_name="decisions")
    number = models.PositiveIntegerField(help_text="Counts within the template and the reference year.")
    reference_year = models.PositiveSmallIntegerField(help_text="The calendar year the number counts within.")
    reference = models.CharField(max_length=60)
    title = models.CharField(max_length=300)
    decision_maker = models.CharField(
        max_length=300, help_text="For example, 'Cabinet Member for Adult and Community Services'."
    )
    is_key = models.BooleanField("Key decision", default=False)
    key_reason = models.TextField(blank=True, help_text="Why it is a key decision.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    amendments = models.TextField(blank=True, help_text="The amendments, when approved with amendments.")
    notice_published_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    subject_to_call_in = models.BooleanField(default=False)
    divisions_affected = models.CharField(max_length=300, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    reasons = models.TextField(blank=True, help_text="The reasons for the decision.")
    alternatives_rejected = models.TextField(blank=True, help_text="Alternative options considered and rejected.")
    conflicts_of_interest = models.TextField(blank=True, help_text="Conflicts of interest declared.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    schedule_12a_paragraph = models.PositiveSmallIntegerField(
        "Schedule 12A paragraph",
        null=True,
        blank=True,
        help_text="The paragraph (1 to 7) of Schedule 12A to the Local Government Act 1972 under which the exempt "
        "(Part II) sections are withheld.",
    )
    public_interest_reason = models.TextField(
        blank=True, help_text="Why the public interest in withholding the exempt sections outweighs disclosing them."
    )
    published_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = DecisionQuerySet.as_manager()
    history = AuditTrail()

    class Meta:
        ordering = ["commission", "-reference_year", "template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "reference"], name="decision_reference_unique"),
            models.UniqueConstraint(
                fields=["template", "reference_year", "number"], name="decision_number_unique_in_template_year"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="decision_number_positive"),
            models.CheckConstraint(condition=Q(is_key=False) | ~Q(key_reason=""), name="decision_key_has_reason"),
            models.CheckConstraint(
                condition=~Q(status__in=["decided", "published"]) | (~Q(outcome="") & Q(decided_on__isnull=False)),
                name="decision_decided_has_outcome_and_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["decided", "published"]) | Q(outcome=""),
                name="decision_outcome_only_when_decided",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_on__isnull=False), name="decision_published_has_date"
            ),
            models.CheckConstraint(
                condition=Q(schedule_12a_paragraph__isnull=True)
                | Q(schedule_12a_paragraph__gte=1, schedule_12a_paragraph__lte=7),
                name="decision_schedule_12a_paragraph_1_to_7",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="approved_with_amendments") | ~Q(amendments=""),
                name="decision_amendments_stated",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["decided", "published"], subject_to_call_in=True)
                | Q(effective_from__gt=models.F("decided_on")),
                name="decision_call_in_effective_after_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def approves_funding(self) -> bool:
        """Whether it may approve a reserve drawdown, a carry-forward or a plan version: decided and approved
        (with or without amendments). The core's approval services ask this, so they need not know the states."""
        return self.status in (self.Status.DECIDED, self.Status.PUBLISHED) and self.outcome in self.APPROVING

    @property
    def is_decided(self) -> bool:
        """Decided, whether or not published since."""
        return self.status in (self.Status.DECIDED, self.Status.PUBLISHED)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class DecisionRecommendation(models.Model):
    """One numbered recommendation, shown as (i), (ii), (iii); its result is recorded when the decision is made."""

    class Result(models.TextChoices):
        APPROVED = "approved", "Approved"
        NOT_APPROVED = "not_approved", "Not approved"
        AMENDED = "amended", "Approved as amended"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    result = models.CharField(max_length=20, choices=Result.choices, blank=True)
    amendment = models.TextField(blank=True, help_text="The recommendation as amended.")

    history = AuditTrail()

    class Meta:
        ordering = ["decision", "number"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "number"], name="recommendation_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="recommendation_number_positive"),
            models.CheckConstraint(
                condition=~Q(result="amended") | ~Q(amendment=""), name="recommendation_amendment_stated"
            ),
        ]

    def __str__(self) -> str:
        return f"({self.numeral}) {self.text[:60]}"

    @property
    def numeral(self) -> str:
        return roman(self.number)


def roman(number: int) -> str:
    """Lower-case Roman numerals, as reports number recommendations: 1 → i, 4 → iv, 9 → ix, 14 → xiv."""
    out = ""
    for value, letters in _NUMERALS:
        count, number = divmod(number, value)
        out += letters * count
    return out


_NUMERALS = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


class DecisionSignOff(models.Model):
    """One role's sign-off of a submitted decision: who signed, the name as printed, and when."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="sign_offs")
    role = models.CharField(max_length=30, choices=SignOffRole.choices)
    signed_by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    printed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    comment = models.TextField(blank=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "decision sign-off"
        ordering = ["decision", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "role"], name="decision_sign_off_once_per_role"),
            models.CheckConstraint(condition=~Q(printed_name=""), name="decision_sign_off_printed_name"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.printed_name}"


class DecisionEvent(models.Model):
    """One step of a decision's workflow: what happened, who did it, when, the states before and after, a note."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        SUBMITTED = "submitted", "Submitted for sign-off"
        SIGNED = "signed", "Signed"
        SIGNED_OFF = "signed_off", "Signed off by every required role"
        DECIDED = "decided", "Decided"
        RETURNED = "returned", "Returned to draft"
        PUBLISHED = "published", "Published"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField()
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "decision event"
        ordering = ["decision", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.decision.reference}: {self.get_action_display()}"

    @property
    def from_label(self) -> str:
        return Decision.Status(self.from_status).label if self.from_status else ""

    @property
    def to_label(self) -> str:
        return Decision.Status(self.to_status).label


class SectionKey(models.TextChoices):
    """The prose sections of the decision reports. Which a report has, in its order and under its own headings, is
    `REPORT_SECTIONS` of the template's kind; the tables between them are generated from the ledger."""

    EXECUTIVE_SUMMARY = "executive_summary", "Executive summary"
    BACKGROUND = "background", "Background and advice"
    SERVICE_MODEL = "service_model", "The service model"
    CONSULTATIONS = "consultations", "Consultations"
    LEGAL_IMPLICATIONS = "legal_implications", "Legal implications"
    FINANCIAL_IMPLICATIONS = "financial_implications", "Financial implications"
    BACKGROUND_PAPERS = "background_papers", "List of background papers"
    PURPOSE = "purpose", "Purpose of report"
    BENEFITS = "benefits", "Benefits of proposal"
    PROPOSAL = "proposal", "Background and proposal"
    POLICE_AND_CRIME_PLAN = "police_and_crime_plan", "Police and Crime Plan"
    OPERATIONAL_IMPLICATIONS = "operational_implications", "Police operational implications"
    STAFFING_IMPLICATIONS = "staffing_implications", "Staffing and other resource implications"
    EQUALITY_IMPLICATIONS = "equality_implications", "Equality and diversity implications"


# Each kind's prose sections in the order its report prints them, with the heading it gives each. The cabinet report
# (seed 002) heads its implications "Legal and procurement" and "Financial" under "Implications"; the PCC report
# (seed 003) numbers its sections 1 to 10, with the recommendations (not prose) as section 2.
REPORT_SECTIONS: dict[str, tuple[tuple[SectionKey, str], ...]] = {
    DecisionTemplate.Kind.CABINET_MEMBER: (
        (SectionKey.EXECUTIVE_SUMMARY, "Executive summary"),
        (SectionKey.BACKGROUND, "Background and advice"),
        (SectionKey.SERVICE_MODEL, "The service model"),
        (SectionKey.CONSULTATIONS, "Consultations"),
        (SectionKey.LEGAL_IMPLICATIONS, "Legal and procurement"),
        (SectionKey.FINANCIAL_IMPLICATIONS, "Financial"),
        (SectionKey.BACKGROUND_PAPERS, "List of background papers"),
    ),
    DecisionTemplate.Kind.PCC: (
        (SectionKey.PURPOSE, "Purpose of report"),
        (SectionKey.BENEFITS, "Benefits of proposal"),
        (SectionKey.PROPOSAL, "Background and proposal"),
        (SectionKey.POLICE_AND_CRIME_PLAN, "Police and Crime Plan"),
        (SectionKey.OPERATIONAL_IMPLICATIONS, "Police operational implications"),
        (SectionKey.FINANCIAL_IMPLICATIONS, "Financial implications"),
        (SectionKey.LEGAL_IMPLICATIONS, "Legal implications"),
        (SectionKey.STAFFING_IMPLICATIONS, "Staffing and other resource implications"),
        (SectionKey.EQUALITY_IMPLICATIONS, "Equality and diversity implications"),
    ),
}


def report_sections(kind: str) -> tuple[tuple[SectionKey, str], ...]:
    """The prose sections of a report of `kind`, in order, each with its heading."""
    return REPORT_SECTIONS[kind]


def section_keys(kind: str) -> list[str]:
    return [key.value for key, _ in REPORT_SECTIONS[kind]]


class DecisionSection(models.Model):
    """One prose section of a decision's report, in Markdown written by an officer; rendered without raw HTML
    (`reports.markdown`). An exempt (Part II) section is withheld from the published report."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="sections")
    key = models.CharField(max_length=30, choices=SectionKey.choices)
    body = models.TextField(blank=True, help_text="Markdown: paragraphs, lists, emphasis and links; no HTML.")
    exempt = models.BooleanField(
        "Exempt (Part II)", default=False, help_text="Withheld from the published report under Schedule 12A."
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "decision section"
        ordering = ["decision", "key"]
        constraints = [models.UniqueConstraint(fields=["decision", "key"], name="decision_section_once")]

    def __str__(self) -> str:
        return f"{self.decision.reference}: {self.get_key_display()}"


class DecisionRedaction(models.Model):
    """Text removed from the published report wherever it appears, with the reason printed in its place."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="redactions")
    text = models.TextField(help_text="The exact words to remove from the published report.")
    reason = models.CharField(max_length=200, help_text="Printed in place of the words, for example 'personal data'.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    history = AuditTrail()

    class Meta:
        verbose_name = "decision redaction"
        ordering = ["decision", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="decision_redaction_text"),
            models.CheckConstraint(condition=~Q(reason=""), name="decision_redaction_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.decision.reference}: redaction ({self.reason})"


class DecisionSnapshot(models.Model):
    """A published report, frozen: every figure and text its PDF shows (`data`), the PDF itself and its SHA-256.
    A PDF cannot print the hash of its own bytes, so its footer prints the hash of `data` instead. Append-only
    (the database refuses UPDATE and DELETE); a version number is never used twice for a decision."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    pdf = models.BinaryField()
    sha256 = models.CharField("SHA-256", max_length=64, help_text="Of the PDF's bytes.")
    data_sha256 = models.CharField(
        "data SHA-256", max_length=64, help_text="Of `data` as canonical JSON; printed in the PDF's footer."
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "decision snapshot"
        ordering = ["decision", "version"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "version"], name="decision_snapshot_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="decision_snapshot_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.decision.reference} version {self.version}"
