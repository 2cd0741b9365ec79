"""Year-end: each pooled work-stream's underspend for a year, from the plan and from the ledger.

Two figures are worked out for each work-stream and year, and the year-end page shows both:

- **plan**: the allocation in force (`WorkStreamAllocation.amount`) less the latest monitoring return's forecast
  outturn, or its actual spend to date where that is higher. This is the figure carry-forwards are *proposed*
  from, because it exists as soon as a quarter's return is in, long before the year's budgets and spend are
  posted, and it is the figure decision reports state (seed 002's Year 1 table is allocation − forecast at Q2).
- **ledger**: the work-stream's budget in the ledger (allocations less carry-forwards already posted) less its
  forecast or actual spend there (`ledger.underspend`). This is the figure a carry-forward is *confirmed*
  against: confirming posts through the ledger, which refuses to carry more than it. It is shown only where the
  ledger holds an allocation for the work-stream that year, and a difference from the plan is flagged.

What other live carry-forwards (proposed, outline approved or confirmed) already claim of a year's underspend is
set against the plan figure, so two proposals cannot carry the same underspend.

This lives in allocations, not the core, because the plan figures are allocations' models and the core imports
no other app; the core's carry-forward services take the parts worked out here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from allocations.models import MonitoringReturn, WorkStreamAllocation
from commissioning import funding_selectors
from commissioning.funding_selectors import LedgerStreamPosition
from commissioning.funding_services import CarryForwardPartInput
from commissioning.models import Commission, FinancialYear, WorkStream
from commissioning.money import PENNY, POUND, ZERO, format_pounds, split, to_money


@dataclass(frozen=True)
class UnderspendLine:
    """One pooled work-stream's year-end position: plan, claims by carry-forwards, and the ledger's figure."""

    work_stream: WorkStream
    allocation: Decimal | None
    latest_return: MonitoringReturn | None
    claimed: Decimal
    ledger: LedgerStreamPosition | None

    @property
    def forecast(self) -> Decimal | None:
        return self.latest_return.forecast if self.latest_return else None

    @property
    def actual(self) -> Decimal | None:
        return self.latest_return.actual if self.latest_return else None

    @property
    def outturn(self) -> Decimal | None:
        """The forecast outturn, or the actual spend to date where that is higher."""
        if self.latest_return is None:
            return None
        return max(self.latest_return.forecast, self.latest_return.actual or ZERO)

    @property
    def plan_underspend(self) -> Decimal | None:
        """Allocation − outturn; negative is an overspend. None until there is an allocation and a return."""
        if self.allocation is None or self.outturn is None:
            return None
        return self.allocation - self.outturn

    @property
    def available(self) -> Decimal:
        """The plan underspend not yet claimed by a live carry-forward; never below £0."""
        if self.plan_underspend is None:
            return ZERO
        return max(self.plan_underspend - self.claimed, ZERO)

    @property
    def ledger_underspend(self) -> Decimal | None:
        """The ledger's underspend (budget − forecast or spend), where the ledger holds an allocation."""
        if self.ledger is None or not self.ledger.allocated:
            return None
        return self.ledger.underspend


@dataclass(frozen=True)
class YearEnd:
    year: FinancialYear
    lines: list[UnderspendLine]
    later_years: list[FinancialYear]

    def _total(self, values: list[Decimal | None]) -> Decimal | None:
        present = [value for value in values if value is not None]
        return sum(present, ZERO) if present else None

    @property
    def total_allocation(self) -> Decimal | None:
        return self._total([line.allocation for line in self.lines])

    @property
    def total_outturn(self) -> Decimal | None:
        return self._total([line.outturn for line in self.lines])

    @property
    def total_plan_underspend(self) -> Decimal | None:
        return self._total([line.plan_underspend for line in self.lines])

    @property
    def total_claimed(self) -> Decimal:
        return sum((line.claimed for line in self.lines), ZERO)

    @property
    def total_available(self) -> Decimal:
        return sum((line.available for line in self.lines), ZERO)

    @property
    def total_ledger_underspend(self) -> Decimal | None:
        return self._total([line.ledger_underspend for line in self.lines])

    @property
    def quarters(self) -> list[int]:
        return sorted({line.latest_return.quarter for line in self.lines if line.latest_return})

    @property
    def basis(self) -> str:
        """The figures a split is made by, in words, for the carry-forward to keep."""
        at = ", ".join(f"Q{quarter}" for quarter in self.quarters) or "no return"
        return (
            f"Plan underspends for {self.year}: allocation in force less the latest forecast outturn, or actual "
            f"spend where higher (monitoring returns at {at}), less what other carry-forwards already claim"
        )


def commission_year_end(commission: Commission) -> list[YearEnd]:
    """Each financial year's pooled work-streams with their underspends, plan and ledger. Six queries, whatever
    the number of years, work-streams, returns or transactions."""
    years = list(commission.years.order_by("number"))
    streams = list(commission.work_streams.filter(pooled_share__isnull=False).order_by("position", "name"))
    allocations = {
        (row.financial_year_id, row.work_stream_id): row.amount
        for row in WorkStreamAllocation.objects.filter(financial_year__commission=commission).only(
            "financial_year_id", "work_stream_id", "amount"
        )
    }
    latest: dict[tuple[int, int], MonitoringReturn] = {}
    for monitoring in MonitoringReturn.objects.filter(financial_year__commission=commission).order_by("quarter", "pk"):
        latest[(monitoring.financial_year_id, monitoring.work_stream_id)] = monitoring  # the last quarter wins
    claims = funding_selectors.carried_forward_claims(commission)
    positions = funding_selectors.ledger_stream_positions(commission)
    result = []
    for year in years:
        lines = [
            UnderspendLine(
                work_stream=stream,
                allocation=allocations.get((year.pk, stream.pk)),
                latest_return=latest.get((year.pk, stream.pk)),
                claimed=claims.get((year.pk, stream.pk), ZERO),
                ledger=positions.get((year.pk, stream.pk)),
            )
            for stream in streams
            if stream.valid_to is None or (year.pk, stream.pk) in allocations
        ]
        result.append(YearEnd(year, lines, [later for later in years if later.number > year.number]))
    return result


def year_end_of(year: FinancialYear) -> YearEnd:
    return next(entry for entry in commission_year_end(year.commission) if entry.year.pk == year.pk)


def carry_forward_split(year_end: YearEnd, amount: Decimal) -> list[CarryForwardPartInput]:
    """`amount` split across the year's work-streams by their available underspends, by largest remainder, so the
    parts sum exactly to it and none exceeds its work-stream's underspend.

    The unit is £1 when the amount and every underspend are whole pounds (as the seeds' are), else 1p: a part
    rounded up to a whole pound could otherwise pass an underspend with pence.
    """
    amount = to_money(amount)
    lines = [line for line in year_end.lines if line.available > 0]
    available = sum((line.available for line in lines), ZERO)
    if amount <= 0:
        raise ValidationError({"amount": "A carry-forward must be more than £0."})
    if amount > available:
        raise ValidationError(
            {
                "amount": f"The work-streams have {format_pounds(available, pence=True)} of {year_end.year} "
                f"underspend left to carry forward; {format_pounds(amount, pence=True)} is more than that."
            }
        )
    weights = [line.available for line in lines]
    whole = all(value == value.to_integral_value() for value in [amount, *weights])
    parts = split(amount, weights, POUND if whole else PENNY)
    return [
        CarryForwardPartInput(
            work_stream=line.work_stream,
            amount=parts[index],
            underspend=line.available,
            took_rounding=index in parts.rounded,
        )
        for index, line in enumerate(lines)
    ]
