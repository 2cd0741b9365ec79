"""Partners of a commission, their people, and how organisations succeed one another."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from commissioning.history import AuditTrail
from commissioning.models import Commission
from commissioning.money import MoneyField


class Partner(models.Model):
    """An organisation that may contribute to a commission."""

    class Kind(models.TextChoices):
        COUNTY_COUNCIL = "county_council", "County council"
        DISTRICT_COUNCIL = "district_council", "District council"
        UNITARY_AUTHORITY = "unitary_authority", "Unitary authority"
        POLICE_AND_CRIME_COMMISSIONER = "pcc", "Police and crime commissioner"
        HEALTH_BODY = "health_body", "Health body (PCT, CCG or ICB)"
        FIRE_AND_RESCUE = "fire_and_rescue", "Fire and rescue"
        PROBATION = "probation", "Probation"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    valid_from = models.DateField(null=True, blank=True, help_text="When the organisation was established, if known.")
    valid_to = models.DateField(
        null=True, blank=True, help_text="When the organisation was abolished or merged; partners are never deleted."
    )

    history = AuditTrail()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="partner_valid_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partner-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": f"{self.name} cannot end ({self.valid_to}) before it began ({self.valid_from})."}
            )


class PartnerSuccession(models.Model):
    """One organisation taking over from another, so history survives reorganisations (PCT → CCG → ICB).

    Several predecessors may merge into one successor, and one may split into several.
    """

    predecessor = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="successions")
    successor = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="predecessions")
    effective_on = models.DateField(help_text="The day the successor took over.")
    note = models.CharField(max_length=300, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["effective_on"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="partner_succession_unique"),
            models.CheckConstraint(condition=~Q(predecessor=F("successor")), name="partner_succession_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on})"

    def clean(self) -> None:
        super().clean()
        if not (self.predecessor_id and self.successor_id):
            return
        if self.predecessor_id == self.successor_id:
            raise ValidationError(f"{self.predecessor} cannot succeed itself.")
        # Walking forward from the successor must never reach the predecessor, or history would loop.
        seen = {self.successor_id}
        frontier = [self.successor_id]
        while frontier:
            later = list(
                PartnerSuccession.objects.filter(predecessor_id__in=frontier)
                .exclude(pk=self.pk)
                .values_list("successor_id", flat=True)
            )
            if self.predecessor_id in later:
                raise ValidationError(
                    f"{self.successor} already comes before {self.predecessor}; succession cannot go in a circle."
                )
            frontier = [pk for pk in later if pk not in seen]
            seen.update(frontier)


class Membership(models.Model):
    """A partner's dated membership of a commission: partners join and leave."""

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="memberships")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    requested_per_year = MoneyField(
        null=True,
        blank=True,
        help_text="The yearly contribution the request letter asked of this partner, in pounds, as stated there.",
    )

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "partner__name", "joined_on"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "partner", "joined_on"], name="membership_unique_start"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gt=F("joined_on")), name="membership_left_after_joined"
            ),
            models.CheckConstraint(
                condition=Q(requested_per_year__isnull=True) | Q(requested_per_year__gte=0),
                name="membership_request_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} in {self.commission}"

    def clean(self) -> None:
        super().clean()
        if self.left_on and self.joined_on and self.left_on <= self.joined_on:
            raise ValidationError({"left_on": f"A partner must leave after it joins ({self.joined_on})."})
        if not (self.commission_id and self.partner_id and self.joined_on):
            return
        far_future = date.max
        overlapping = (
            Membership.objects.filter(commission_id=self.commission_id, partner_id=self.partner_id)
            .exclude(pk=self.pk)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=self.joined_on))
            .filter(joined_on__lt=self.left_on or far_future)
        )
        other = overlapping.first()
        if other:
            ends = f"to {other.left_on}" if other.left_on else "with no end date"
            raise ValidationError(
                f"{self.partner} is already a member of {self.commission} from {other.joined_on} {ends}."
            )

    def is_current(self, on: date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on < self.left_on)


class Contact(models.Model):
    """A person at a partner. Personal data: only what the work needs (no home details, no notes)."""

    class Role(models.TextChoices):
        FINANCE_LEAD = "finance_lead", "Finance lead"
        CHIEF_EXECUTIVE = "chief_executive", "Chief executive"
        COMMISSIONING_LEAD = "commissioning_lead", "Commissioning lead"
        OTHER = "other", "Other"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    position = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    valid_to = models.DateField(null=True, blank=True, help_text="Set when the person leaves the role.")

    history = AuditTrail()

    class Meta:
        ordering = ["partner__name", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.position} ({self.partner})"


class ContributionRequest(models.Model):
    """What the commission asks one partner to pay in one financial year, computed by a formula.

    A draft request can be recomputed; the partner's name and the formula's inputs are copied onto it
    (`partner_name`, `provenance`) so that a later change of either does not rewrite what was asked.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="contribution_requests")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contribution_requests")
    financial_year = models.ForeignKey(
        "commissioning.FinancialYear", on_delete=models.PROTECT, related_name="contribution_requests"
    )
    formula = models.ForeignKey(
        "allocations.Formula", on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    partner_name = models.CharField(max_length=200, help_text="The partner's name when the request was made.")
    amount = MoneyField()
    provenance = models.JSONField(
        default=dict, help_text="How the amount was computed: method, inputs, weights and the rounding step."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    letter = models.ForeignKey(
        "RequestLetter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        help_text="The letter that issued this request; its amount is frozen from then on.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "commissioning.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "financial_year", "partner_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["formula", "partner", "financial_year"], name="contribution_request_once_per_formula_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contribution_request_not_negative"),
            models.CheckConstraint(
                condition=Q(status="draft", letter__isnull=True) | Q(status="issued", letter__isnull=False),
                name="contribution_request_issued_by_a_letter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_name} {self.financial_year}: {self.amount}"


class RequestLetter(models.Model):
    """One partner's issued request: the letter with its pro-forma and allocation table, the yearly contribution
    requests it covers (frozen when it is issued), the deadline, and where the partner's reply has got to.

    issued → viewed → returned → accepted | declined; an officer may query a return, which sends the request back
    (queried) for one more return. Every change of status is kept as a `RequestEvent`, with who and when.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        VIEWED = "viewed", "Viewed"
        RETURNED = "returned", "Returned"
        QUERIED = "queried", "Queried"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    # The partner can still reply in these.
    AWAITING_REPLY = (Status.ISSUED, Status.VIEWED, Status.QUERIED)

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="request_letters")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="request_letters")
    number = models.PositiveIntegerField(help_text="The letter's number within its commission, from 1.")
    partner_name = models.CharField(max_length=200, help_text="The partner's name when the letter was issued.")
    formula = models.ForeignKey(
        "allocations.Formula", on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ISSUED)
    deadline = models.DateField(help_text="The day the pro-forma should be returned by.")
    grace_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days after the deadline the secure link still opens; then it expires."
    )
    reminder_days = models.JSONField(
        default=list, blank=True, help_text="Days before the deadline a reminder is e-mailed, e.g. [14, 7, 1]."
    )
    recipient_name = models.CharField(max_length=200, blank=True, help_text="The finance lead it was sent to.")
    recipient_email = models.EmailField(blank=True)
    sender_name = models.CharField(max_length=200, help_text="Who the letter is from, as signed.")
    sender_position = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True, max_length=4000, help_text="An optional paragraph added to the letter.")
    issued_on = models.DateField(help_text="The date the letter bears.")
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        "commissioning.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    letter_pdf = models.BinaryField(null=True, blank=True, editable=False)
    letter_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    history = AuditTrail(excluded_fields=["letter_pdf"])

    class Meta:
        ordering = ["commission", "partner_name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "number"], name="request_letter_number_unique"),
            models.CheckConstraint(condition=Q(grace_days__lte=365), name="request_letter_grace_at_most_a_year"),
        ]
        indexes = [models.Index(fields=["commission", "status"], name="request_letter_status")]

    def __str__(self) -> str:
        return f"Request {self.number} to {self.partner_name}"

    def get_absolute_url(self) -> str:
        return reverse("request-letter-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"R{self.commission_id}/{self.number:03d}"

    @property
    def closes_on(self) -> date:
        """The last day the secure link opens: the deadline plus the grace period."""
        return self.deadline + timedelta(days=self.grace_days)

    def is_open(self, today: date) -> bool:
        return self.status in self.AWAITING_REPLY and today <= self.closes_on

    def is_overdue(self, today: date) -> bool:
        return self.status in self.AWAITING_REPLY and today > self.deadline


class RequestLink(models.Model):
    """A secure link to one request letter. Only the SHA-256 of its token is kept; the token is in the e-mail alone.

    A reminder or a query sends a new link; earlier ones keep working until the letter closes, unless revoked.
    """

    letter = models.ForeignKey(RequestLetter, on_delete=models.PROTECT, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["letter", "created_at"]

    def __str__(self) -> str:
        return f"Link {self.pk} to {self.letter}"


class ProFormaReturn(models.Model):
    """A partner's completed pro-forma: immutable once submitted (a change needs the officer to query it).

    `digest` is the SHA-256 of the return's canonical content, printed on the receipt.
    """

    class Option(models.TextChoices):
        AGREE = "agree", "Option 1: agree to contribute"
        DECLINE = "decline", "Option 2: do not agree and will not contribute"

    class Via(models.TextChoices):
        LINK = "link", "Secure link"
        LOGIN = "login", "Partner login"
        API = "api", "API"

    letter = models.ForeignKey(RequestLetter, on_delete=models.PROTECT, related_name="returns")
    number = models.PositiveSmallIntegerField(help_text="1 for the first return; 2 after a query, and so on.")
    option = models.CharField(max_length=10, choices=Option.choices)
    years_agreed = models.PositiveSmallIntegerField(null=True, blank=True)
    counter_offer = models.BooleanField(
        default=False, help_text="Agreed, but for fewer years or a different amount than was asked."
    )
    organisation = models.CharField(max_length=200)
    signed_on = models.DateField()
    signatory_name = models.CharField(max_length=200)
    signatory_position = models.CharField(max_length=200)
    signature = models.CharField(max_length=200, help_text="The signatory's name, typed as a signature.")
    authority_confirmed = models.BooleanField(
        help_text="The signatory confirmed they have authority to commit the organisation."
    )
    comment = models.TextField(blank=True, max_length=4000)
    in_kind_description = models.TextField(blank=True, max_length=2000)
    in_kind_value = MoneyField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        "commissioning.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="pro_forma_return_number_unique"),
            models.CheckConstraint(condition=Q(authority_confirmed=True), name="pro_forma_return_has_authority"),
            models.CheckConstraint(
                condition=Q(option="decline", years_agreed__isnull=True, counter_offer=False)
                | Q(option="agree", years_agreed__gte=1),
                name="pro_forma_return_years_match_option",
            ),
            models.CheckConstraint(
                condition=Q(in_kind_value__isnull=True) | Q(in_kind_value__gte=0), name="pro_forma_in_kind_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Return {self.number} to {self.letter}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ValidationError("A submitted return cannot be changed; query it so the partner can return it again.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError("A submitted return is kept for good and cannot be deleted.")


class ProFormaReturnLine(models.Model):
    """What a return offers for one financial year, beside what was asked."""

    pro_forma_return = models.ForeignKey(ProFormaReturn, on_delete=models.PROTECT, related_name="lines")
    financial_year = models.ForeignKey("commissioning.FinancialYear", on_delete=models.PROTECT, related_name="+")
    requested = MoneyField()
    offered = MoneyField()

    class Meta:
        ordering = ["pro_forma_return", "financial_year__number"]
        constraints = [
            models.UniqueConstraint(fields=["pro_forma_return", "financial_year"], name="return_line_once_per_year"),
            models.CheckConstraint(condition=Q(requested__gte=0, offered__gte=0), name="return_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.financial_year}: {self.offered}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ValidationError("A submitted return cannot be changed.")
        super().save(*args, **kwargs)


class RequestEvent(models.Model):
    """One thing that happened to a request letter or its return: who did it, when, and any message."""

    class Action(models.TextChoices):
        ISSUED = "issued", "Issued"
        LETTER_RENDERED = "letter_rendered", "Letter PDF produced"
        EMAILED = "emailed", "Request e-mailed"
        EMAIL_FAILED = "email_failed", "E-mail could not be sent"
        LINK_SENT = "link_sent", "New link e-mailed"
        VIEWED = "viewed", "Opened by the partner"
        REMINDED = "reminded", "Reminder e-mailed"
        RETURNED = "returned", "Pro-forma returned"
        QUERIED = "queried", "Return queried"
        ACCEPTED = "accepted", "Return accepted"
        DECLINED = "declined", "Decline recorded"
        DEADLINE_CHANGED = "deadline_changed", "Deadline changed"

    letter = models.ForeignKey(RequestLetter, on_delete=models.PROTECT, related_name="events")
    pro_forma_return = models.ForeignKey(
        ProFormaReturn, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    status_from = models.CharField(max_length=20, blank=True)
    status_to = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey("commissioning.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by_description = models.CharField(
        max_length=200, blank=True, help_text="Who acted when no one was signed in: the secure link, the worker."
    )
    note = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["letter", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.letter}: {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class OutgoingEmail(models.Model):
    """One e-mail the service means to send, keyed by what it is (`letter-7:issue`, `letter-7:reminder-7`).

    It is claimed (saved) before it is sent, so a job run twice, or two workers at once, can never send it twice:
    the second finds the key taken. An e-mail that fails is marked failed and never retried by itself; an officer
    can send a new link. The body is not kept: it holds the secure link.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not needed"

    key = models.CharField(max_length=100, unique=True)
    letter = models.ForeignKey(RequestLetter, on_delete=models.PROTECT, null=True, blank=True, related_name="emails")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLAIMED)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["claimed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.key} to {self.to} ({self.get_status_display()})"


class RejectedLinkAttempt(models.Model):
    """A secure-link attempt that matched no open request, for rate limiting.

    Kept in the database, not a per-process cache, so every web worker counts the same attempts. The client is an
    HMAC of its address, not the address itself.
    """

    client = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"Rejected link attempt at {self.at:%Y-%m-%d %H:%M}"


class Pledge(models.Model):
    """An accepted commitment of cash from one partner for one financial year, posted to the ledger as it is made.

    Most come from an accepted pro-forma return; a pledge recorded directly (the host's own, say) gives its reason.
    """

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="pledges")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="pledges")
    financial_year = models.ForeignKey("commissioning.FinancialYear", on_delete=models.PROTECT, related_name="pledges")
    amount = MoneyField()
    pro_forma_return = models.ForeignKey(
        ProFormaReturn, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges"
    )
    transaction = models.OneToOneField(
        "commissioning.LedgerTransaction", on_delete=models.PROTECT, related_name="pledge"
    )
    note = models.CharField(max_length=500, blank=True)
    accepted_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(
        "commissioning.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "financial_year__number", "partner__name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_positive"),
            models.UniqueConstraint(
                fields=["pro_forma_return", "financial_year"],
                condition=Q(pro_forma_return__isnull=False),
                name="pledge_once_per_return_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.financial_year}: {self.amount}"


class InKindPledge(models.Model):
    """An accepted offer in kind (staff time, premises…): described, optionally valued, never cash in the ledger."""

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="in_kind_pledges")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="in_kind_pledges")
    description = models.TextField(max_length=2000)
    value = MoneyField(null=True, blank=True)
    pro_forma_return = models.OneToOneField(
        ProFormaReturn, on_delete=models.PROTECT, null=True, blank=True, related_name="in_kind_pledge"
    )
    accepted_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(
        "commissioning.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "partner__name"]
        constraints = [
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="in_kind_value_not_negative")
        ]

    def __str__(self) -> str:
        return f"In kind from {self.partner}: {self.description[:60]}"
