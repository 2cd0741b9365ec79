"""Funding movements decided outside the ledger and posted into it: reserve drawdowns and carry-forwards, each a
small state machine with a history, and the commission's pool rules.

A drawdown is proposed, approved by a decision, then posted; a carry-forward is proposed, outline approved by a
decision, then confirmed by a finance approver (the County Treasurer), which posts it. Every change of state is
made by a service in `commissioning.funding_services`, which stamps `<verb>_at` and `<verb>_by` (and a reason
where one applies) and writes a history row in the same database transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from commissioning.history import AuditTrail
from commissioning.models.core import Commission, FinancialYear, Reserve, WorkStream
from commissioning.models.ledger import LedgerTransaction
from commissioning.money import MoneyField

_USER = settings.AUTH_USER_MODEL


def _stamp_user(related_name: str = "+") -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name=related_name)


class ReserveDrawdown(models.Model):
    """Money drawn from an earmarked reserve into one financial year's pool."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        POSTED = "posted", "Posted"
        REJECTED = "rejected", "Rejected"

    reserve = models.ForeignKey(Reserve, on_delete=models.PROTECT, related_name="drawdowns")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="reserve_drawdowns")
    amount = MoneyField(help_text="Pounds drawn from the reserve into the year's pool.")
    reason = models.TextField(help_text="Why the reserve is drawn on, in the words of its protocol.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decision_reference = models.CharField(
        max_length=200, blank=True, help_text="The decision that approved it, e.g. 'Cabinet Member decision, 12 …'."
    )
    decision = models.ForeignKey(
        "reports.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reserve_drawdowns",
        help_text="The decision record that approved it; its reference fills decision_reference.",
    )
    proposed_at = models.DateTimeField()
    proposed_by = _stamp_user()
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = _stamp_user()
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = _stamp_user()
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = _stamp_user()
    rejection_reason = models.TextField(blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="reserve_drawdown"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["reserve", "financial_year__number", "proposed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reserve_drawdown_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "posted"]) | ~Q(decision_reference=""),
                name="reserve_drawdown_approval_has_decision",
            ),
            models.CheckConstraint(
                condition=Q(status="posted", transaction__isnull=False) | (~Q(status="posted") & Q(transaction=None)),
                name="reserve_drawdown_posted_has_transaction",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="reserve_drawdown_rejection_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Drawdown from {self.reserve} into {self.financial_year}"

    def clean(self) -> None:
        super().clean()
        if (
            self.reserve_id
            and self.financial_year_id
            and self.reserve.commission_id != self.financial_year.commission_id
        ):
            raise ValidationError(
                {"financial_year": f"{self.financial_year} is not a year of {self.reserve.commission}."}
            )


class CarryForward(models.Model):
    """A year's underspend moved to a later year, as parts per work-stream that sum exactly to `amount`.

    Only a confirmed carry-forward is posted to the ledger (secured money); an outline-approved one counts as
    provisional funding of the later year.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        OUTLINE_APPROVED = "outline_approved", "Outline approved"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"
        LAPSED = "lapsed", "Lapsed"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="carry_forwards")
    from_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="carry_forwards_out")
    to_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="carry_forwards_in")
    amount = MoneyField(help_text="The total carried forward, as the proposal and the decision state it.")
    reason = models.TextField(help_text="Why the underspend arose and what it will fund.")
    basis = models.CharField(
        max_length=300, blank=True, help_text="Which figures the parts were split by, e.g. 'allocation − forecast, Q2'."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    decision_reference = models.CharField(max_length=200, blank=True, help_text="The decision giving outline approval.")
    decision = models.ForeignKey(
        "reports.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carry_forwards",
        help_text="The decision record giving outline approval; its reference fills decision_reference.",
    )
    confirmation_reference = models.CharField(
        max_length=200, blank=True, help_text="The finance approver's confirmation, if it has a reference."
    )
    proposed_at = models.DateTimeField()
    proposed_by = _stamp_user()
    outline_approved_at = models.DateTimeField(null=True, blank=True)
    outline_approved_by = _stamp_user()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = _stamp_user()
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = _stamp_user()
    rejection_reason = models.TextField(blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)
    lapsed_by = _stamp_user()
    lapse_reason = models.TextField(blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="carry_forward"
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "carry-forward"
        ordering = ["commission", "from_year__number", "proposed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="carry_forward_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=["outline_approved", "confirmed"]) | ~Q(decision_reference=""),
                name="carry_forward_approval_has_decision",
            ),
            models.CheckConstraint(
                condition=Q(status="confirmed", transaction__isnull=False)
                | (~Q(status="confirmed") & Q(transaction=None)),
                name="carry_forward_confirmed_has_transaction",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="carry_forward_rejection_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="lapsed") | ~Q(lapse_reason=""), name="carry_forward_lapse_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Carry-forward from {self.from_year} to {self.to_year}"


class CarryForwardPart(models.Model):
    """One work-stream's part of a carry-forward, with the underspend it was measured against when proposed
    (copied, so a later monitoring return does not rewrite what the proposal said)."""

    carry_forward = models.ForeignKey(CarryForward, on_delete=models.CASCADE, related_name="parts")
    work_stream = models.ForeignKey(WorkStream, on_delete=models.PROTECT, related_name="carry_forward_parts")
    amount = MoneyField()
    underspend = MoneyField(help_text="The work-stream's underspend available when the carry-forward was proposed.")
    took_rounding = models.BooleanField(default=False, help_text="This part received a unit in the split.")

    history = AuditTrail()

    class Meta:
        verbose_name = "carry-forward part"
        ordering = ["carry_forward", "work_stream__position", "work_stream__name"]
        constraints = [
            models.UniqueConstraint(fields=["carry_forward", "work_stream"], name="carry_forward_part_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="carry_forward_part_positive"),
            models.CheckConstraint(
                condition=Q(amount__lte=models.F("underspend")), name="carry_forward_part_within_underspend"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_stream}: {self.amount}"


class FundingEvent(models.Model):
    """The common shape of a history row: one change of state, who made it, when, and why."""

    class Action(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        OUTLINE_APPROVED = "outline_approved", "Outline approved"
        CONFIRMED = "confirmed", "Confirmed and posted"
        POSTED = "posted", "Posted"
        REJECTED = "rejected", "Rejected"
        LAPSED = "lapsed", "Lapsed"

    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField()
    by = _stamp_user()
    reason = models.TextField(blank=True)
    reference = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class ReserveDrawdownEvent(FundingEvent):
    drawdown = models.ForeignKey(ReserveDrawdown, on_delete=models.CASCADE, related_name="events")

    class Meta:
        ordering = ["drawdown", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.drawdown}: {self.action}"


class CarryForwardEvent(FundingEvent):
    carry_forward = models.ForeignKey(CarryForward, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = "carry-forward event"
        ordering = ["carry_forward", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.carry_forward}: {self.action}"


def default_overspend_order() -> list[str]:
    """Underspends elsewhere in the pool, then the reserve, then reductions: the order DESIGN.md states."""
    return ["underspends", "reserve", "reductions"]


class PoolRules(models.Model):
    """How a commission's pool treats underspends and overspends (the partnership agreement's risk-share clause).

    The host holds the pool. An overspend in a year is met step by step in `overspend_order`: underspends of the
    other work-streams that year, then `reserve`, then reductions in service (up to `reductions_limit` a year);
    what remains is shared among the partners pro rata to their contributions to that year, each capped at its
    contribution when `cap_at_contribution` is set. See `commissioning.pool_rules` for the arithmetic.
    """

    class Step(models.TextChoices):
        UNDERSPENDS = "underspends", "Underspends elsewhere in the pool"
        RESERVE = "reserve", "The named reserve"
        REDUCTIONS = "reductions", "Reductions in service"

    commission = models.OneToOneField(Commission, on_delete=models.PROTECT, related_name="pool_rules")
    underspends_stay_in_pool = models.BooleanField(
        default=True, help_text="A work-stream's underspend stays in the pool rather than returning to partners."
    )
    overspend_order = models.JSONField(
        default=default_overspend_order,
        help_text="The steps that meet an overspend, in order: underspends, reserve, reductions.",
    )
    reserve = models.ForeignKey(
        Reserve,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The reserve an overspend may draw on, once underspends are used.",
    )
    reductions_limit = MoneyField(
        default=0, help_text="The most that reductions in service may meet of a year's overspend, in pounds."
    )
    cap_at_contribution = models.BooleanField(
        default=True, help_text="No partner bears more of the remaining risk than it contributed that year."
    )
    agreement = models.TextField(blank=True, help_text="The clause of the partnership agreement, as written.")
    set_at = models.DateTimeField(null=True, blank=True)
    set_by = _stamp_user()

    history = AuditTrail()

    class Meta:
        verbose_name_plural = "pool rules"
        constraints = [
            models.CheckConstraint(condition=Q(reductions_limit__gte=0), name="pool_rules_reductions_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Pool rules of {self.commission}"

    def clean(self) -> None:
        super().clean()
        order = self.overspend_order
        known = set(self.Step.values)
        if not isinstance(order, list) or any(step not in known for step in order) or len(set(order)) != len(order):
            raise ValidationError(
                {"overspend_order": "Give each step at most once, from: " + ", ".join(self.Step.values) + "."}
            )
        if self.reserve_id and self.commission_id and self.reserve.commission_id != self.commission_id:
            raise ValidationError({"reserve": f"{self.reserve} is not a reserve of {self.commission}."})

    @property
    def steps(self) -> list[Step]:
        return [self.Step(step) for step in self.overspend_order]
