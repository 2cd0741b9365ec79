"""The pooled fund's book of record: a double-entry ledger.

Every transaction has two or more postings that sum to zero; an amount is positive for a debit and negative
for a credit. Transactions and postings are append-only: the database refuses UPDATE and DELETE on them
(triggers installed by migration 0004), and a mistake is corrected by a reversing transaction. Each
commission's transactions form a hash chain (`digest`), so `manage.py ledger_check` can tell if a posted row
was ever altered behind the triggers' back.

All writes go through `commissioning.ledger`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from commissioning.history import AuditTrail
from commissioning.models.core import Commission, FinancialYear, Reserve, WorkStream
from commissioning.money import ZERO, MoneyField


class Account(models.Model):
    """A place money sits in one commission's pooled fund. Its `balance` is the sum of its postings, kept as
    a cached figure that every posting updates under a row lock (and `ledger_check` verifies)."""

    class Kind(models.TextChoices):
        CASH = "cash", "Cash held by the host"
        PLEDGED = "pledged", "Pledged, not yet invoiced"
        INVOICED = "invoiced", "Invoiced, not yet received"
        POOL = "pool", "Pool, not yet allocated"
        WORK_STREAM = "work_stream", "Work-stream budget"
        SPEND = "spend", "Spend"
        FORECAST = "forecast", "Forecast outturn (memorandum)"
        FORECAST_CONTRA = "forecast_contra", "Forecast outturn (memorandum contra)"
        RESERVE = "reserve", "Earmarked reserve"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=100, help_text="What the account is for, in one string: kind and its parts.")
    name = models.CharField(max_length=300)
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, null=True, blank=True)
    work_stream = models.ForeignKey(WorkStream, on_delete=models.PROTECT, null=True, blank=True)
    reserve = models.ForeignKey(Reserve, on_delete=models.PROTECT, null=True, blank=True)
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts"
    )
    balance = MoneyField(default=ZERO, help_text="Sum of the account's postings: positive is a debit balance.")

    history = AuditTrail(excluded_fields=["balance"])

    class Meta:
        ordering = ["commission", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["commission", "key"], name="account_key_unique")]

    def __str__(self) -> str:
        return self.name


class LedgerHead(models.Model):
    """The end of a commission's hash chain. Locked by every posting, so a commission's transactions are
    numbered and chained one at a time."""

    commission = models.OneToOneField(Commission, on_delete=models.PROTECT, related_name="ledger_head")
    count = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.commission}: {self.count} transactions"


class LedgerTransaction(models.Model):
    """One event in the pooled fund, as two or more postings that sum to zero."""

    class Kind(models.TextChoices):
        PLEDGE_ACCEPTED = "pledge_accepted", "Pledge accepted"
        CONTRIBUTION_INVOICED = "contribution_invoiced", "Contribution invoiced"
        CONTRIBUTION_RECEIVED = "contribution_received", "Contribution received"
        RESERVE_OPENING = "reserve_opening", "Reserve opening balance"
        RESERVE_DRAWDOWN = "reserve_drawdown", "Reserve drawdown"
        ALLOCATION = "allocation", "Allocation to a work-stream"
        FORECAST = "forecast", "Forecast spend"
        ACTUAL_SPEND = "actual_spend", "Actual spend"
        CARRY_FORWARD = "carry_forward", "Carry-forward"
        REVERSAL = "reversal", "Reversal"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="ledger_transactions")
    number = models.PositiveBigIntegerField(help_text="Position in the commission's ledger, from 1.")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="ledger_transactions")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    date = models.DateField(help_text="The day the event belongs to.")
    narrative = models.CharField(max_length=500)
    posted_at = models.DateTimeField(auto_now_add=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    # Where the transaction comes from: an accepted return, a decision, a carry-forward, an import batch…
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_reference = models.CharField(
        max_length=200, blank=True, help_text="The source in words, e.g. a decision reference such as PCC036/18."
    )
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the previous digest and this transaction.")

    class Meta:
        ordering = ["commission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "number"], name="ledger_transaction_number_unique"),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False) | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="ledger_reversal_names_what_it_reverses",
            ),
        ]
        indexes = [
            models.Index(fields=["commission", "financial_year", "kind"], name="ledger_tx_year_kind"),
            models.Index(fields=["source_type", "source_id"], name="ledger_tx_source"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_kind_display()}: {self.narrative}"


class Posting(models.Model):
    """One line of a transaction: an amount to one account, positive for a debit, negative for a credit."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = MoneyField()

    class Meta:
        ordering = ["transaction", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.account}: {self.amount}"
