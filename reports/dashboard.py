"""A commission's dashboard: where the fund stands, on one page for a manager.

Nothing here works a figure out afresh. The funding position, arrears and work-streams are the fund statement's
(`reports.selectors.commission_fund_statement`, the figures of the fund statement page); the returns are the
returns dashboard's (`partners.selectors.returns_dashboard`); the reserves are `funding_selectors.reserve_positions`.
This module only brings them together and adds the totals across years, each a sum of the lines shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from commissioning.funding_selectors import ReservePosition, reserve_positions
from commissioning.models import Commission
from commissioning.money import ZERO
from commissioning.statement import FundStatement, YearStatement
from partners.models import RequestLetter
from partners.selectors import ReturnRow, ReturnsDashboard, returns_dashboard
from reports.models import Decision, DecisionSignOff, SignOffRole
from reports.selectors import commission_fund_statement


def _total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


@dataclass(frozen=True)
class PositionTotals:
    """The funding position over all the commission's years: each figure the sum of the years' figures.

    `plan` and `shortfall` sum only the years with a plan; `years_without_plan` counts the others, so the page can
    say the total plan leaves them out."""

    plan: Decimal
    requested: Decimal
    secured: Decimal
    provisional: Decimal
    shortfall: Decimal
    years_without_plan: int

    @property
    def surplus(self) -> Decimal | None:
        return -self.shortfall if self.shortfall < 0 else None


@dataclass(frozen=True)
class AwaitingSignOff:
    """A decision submitted for sign-off, and the roles its template requires that have not signed yet."""

    decision: Decision
    waiting: list[SignOffRole]


@dataclass(frozen=True)
class ReserveTotals:
    opening_balance: Decimal
    drawn: Decimal
    holds: Decimal
    approved_not_posted: Decimal
    proposed: Decimal
    available: Decimal


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows, as it stands on `on`."""

    commission: Commission
    on: date
    fund: FundStatement
    returns: ReturnsDashboard
    reserves: list[ReservePosition]
    awaiting_sign_off: list[AwaitingSignOff]

    @property
    def years(self) -> list[YearStatement]:
        return self.fund.years

    @property
    def position_totals(self) -> PositionTotals:
        positions = [year.position for year in self.fund.years]
        planned = [position for position in positions if position.plan is not None]
        return PositionTotals(
            plan=_total(position.plan for position in planned if position.plan is not None),
            requested=_total(position.requested for position in positions),
            secured=_total(position.secured for position in positions),
            provisional=_total(position.provisional for position in positions),
            shortfall=_total(position.shortfall for position in planned if position.shortfall is not None),
            years_without_plan=len(positions) - len(planned),
        )

    @property
    def outstanding_returns(self) -> list[ReturnRow]:
        """Letters still waiting for the partner's reply (issued, opened or queried), overdue ones first."""
        rows = [row for row in self.returns.rows if row.letter.status in RequestLetter.AWAITING_REPLY]
        return sorted(rows, key=lambda row: (not row.overdue, -row.days_overdue, row.letter.partner_name))

    @property
    def outstanding_requested(self) -> Decimal:
        return _total(row.requested for row in self.outstanding_returns)

    @property
    def overdue_returns(self) -> list[ReturnRow]:
        return self.returns.chase_list

    @property
    def overdue_requested(self) -> Decimal:
        return _total(row.requested for row in self.overdue_returns)

    @property
    def reserve_totals(self) -> ReserveTotals:
        return ReserveTotals(
            opening_balance=_total(line.reserve.opening_balance for line in self.reserves),
            drawn=_total(line.drawn for line in self.reserves),
            holds=_total(line.holds for line in self.reserves),
            approved_not_posted=_total(line.approved_not_posted for line in self.reserves),
            proposed=_total(line.proposed for line in self.reserves),
            available=_total(line.available for line in self.reserves),
        )


def decisions_awaiting_sign_off(commission: Commission) -> list[AwaitingSignOff]:
    """The commission's decisions submitted for sign-off, oldest submission first, each with the roles still to
    sign. Two queries (the decisions with their templates, and their sign-offs)."""
    decisions = (
        Decision.objects.filter(commission=commission, status=Decision.Status.SUBMITTED)
        .select_related("template")
        .prefetch_related(Prefetch("sign_offs", queryset=DecisionSignOff.objects.only("decision", "role")))
        .order_by("submitted_at", "pk")
    )
    result = []
    for decision in decisions:
        signed = {sign_off.role for sign_off in decision.sign_offs.all()}  # type: ignore[attr-defined]
        result.append(AwaitingSignOff(decision, [role for role in decision.template.roles if role.value not in signed]))
    return result


def commission_dashboard(commission: Commission, *, on: date | None = None) -> Dashboard:
    """The commission's dashboard as it stands on `on` (today unless given): the fund statement (funding position,
    arrears, work-streams), the returns dashboard, the reserves and the decisions awaiting sign-off.

    A fixed number of queries however many partners, letters, transactions, reserves or decisions there are: the
    statement's five (six when a drawdown or carry-forward takes effect after `on`), the returns dashboard's
    seven, the reserves' one and the decisions' two.
    """
    on = on or timezone.localdate()
    return Dashboard(
        commission=commission,
        on=on,
        fund=commission_fund_statement(commission, on=on),
        returns=returns_dashboard(commission, today=on),
        reserves=reserve_positions(commission),
        awaiting_sign_off=decisions_awaiting_sign_off(commission),
    )
