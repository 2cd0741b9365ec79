"""Providers, and the contracts under which the pool pays them to deliver a work-stream.

A contract belongs to one commission and one of its work-streams, serves some district councils, runs between two
dates, and carries a value per financial year (`ContractValue`: what is committed). Spend is recorded against it a
quarter at a time (`ContractSpend`); recording spend posts to the ledger, where it rolls up to the work-stream (see
`commissioning.contract_services`). All writes go through that module.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from commissioning.history import AuditTrail
from commissioning.models.core import Commission, FinancialYear, WorkStream
from commissioning.money import MoneyField


class Provider(models.Model):
    """An organisation the pool pays to deliver services. Ended (`valid_to`), never deleted."""

    class Kind(models.TextChoices):
        VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary, community or faith sector organisation"
        CHARITY = "charity", "Registered charity"
        COMPANY = "company", "Company"
        PUBLIC_BODY = "public_body", "Public body"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(
        max_length=20, choices=Kind.choices, blank=True, help_text="Leave empty where the source does not say."
    )
    registered_number = models.CharField(
        max_length=40, blank=True, help_text="Charity or company number, where it has one."
    )
    contact_email = models.EmailField(blank=True, help_text="Where contract correspondence goes.")
    note = models.TextField(blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text="Set when the provider ends; it is never deleted.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = AuditTrail()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("provider-detail", args=[self.pk])


class Contract(models.Model):
    """An agreement under which a provider delivers a work-stream of a commission for some districts."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended early"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="contracts")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    work_stream = models.ForeignKey(WorkStream, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(
        max_length=50, blank=True, help_text="The commission's own reference for the contract, if it has one."
    )
    title = models.CharField(max_length=200)
    districts = models.ManyToManyField(
        "partners.Partner",
        blank=True,
        related_name="contracts_serving",
        limit_choices_to={"kind": "district_council"},
        help_text="The district councils whose residents the contract serves.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day of the contract as agreed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.TextField(blank=True, help_text="Where the contract's details come from, and what is not known.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Stamped by `contract_end`, the one transition out of `active`.
    ended_on = models.DateField(null=True, blank=True, help_text="The last day of service, when ended early.")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    history = AuditTrail(m2m_fields=["districts"])

    class Meta:
        ordering = ["commission", "work_stream__position", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["commission", "reference"], condition=~Q(reference=""), name="contract_reference_unique"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_dates_in_order"),
            models.CheckConstraint(
                condition=Q(status="active", ended_on__isnull=True)
                | Q(status="ended", ended_on__isnull=False, ended_on__gte=F("starts_on"), ended_on__lte=F("ends_on")),
                name="contract_ended_within_its_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}" if self.reference else self.title

    def get_absolute_url(self) -> str:
        return reverse("contract-detail", args=[self.commission_id, self.pk])

    @property
    def last_day(self) -> date:
        """The last day of service: the agreed end, or the day it ended early."""
        return self.ended_on or self.ends_on


class ContractValue(models.Model):
    """What a contract is worth in one financial year: the money committed to its work-stream that year."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="values")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="contract_values")
    value = MoneyField()
    set_at = models.DateTimeField(auto_now=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["contract", "financial_year__number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "financial_year"], name="contract_value_one_per_year"),
            models.CheckConstraint(condition=Q(value__gte=0), name="contract_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.contract}, {self.financial_year}"


class ContractSpend(models.Model):
    """One quarter of a contract: the contract's full-year forecast outturn as at the quarter's end, and the
    actual spend paid in the quarter (a flow, not a running total). Recorded once; its ledger postings are
    linked to it as their source."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="spend")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="contract_spend")
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    forecast = MoneyField(help_text="The contract's forecast outturn for the whole financial year.")
    actual = MoneyField(null=True, blank=True, help_text="Spend paid in this quarter; empty when not yet known.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["contract", "financial_year__number", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "financial_year", "quarter"], name="contract_spend_one_per_quarter"
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="contract_spend_quarter_1_to_4"),
            models.CheckConstraint(condition=Q(forecast__gte=0), name="contract_spend_forecast_not_negative"),
            models.CheckConstraint(
                condition=Q(actual__isnull=True) | Q(actual__gte=0), name="contract_spend_actual_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["financial_year", "contract", "quarter"], name="contract_spend_year")]

    def __str__(self) -> str:
        return f"{self.contract}, {self.financial_year} Q{self.quarter}"
