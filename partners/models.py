"""Partners of a commission, their people, and how organisations succeed one another."""

from __future__ import annotations

from datetime import date

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
        ]

    def __str__(self) -> str:
        return f"{self.partner_name} {self.financial_year}: {self.amount}"
