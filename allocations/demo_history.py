"""The Lancashire demo's funding history (seeds 001 and 002), posted through the services an officer and a
decision-maker use: for the demo loader to call once the year budgets are set and the pledges posted.

- the Crime and Disorder reserve's £730,000 opening balance, posted in 2013/14;
- its two drawdowns, £321,000 into 2014/15 and £409,000 into 2015/16, proposed, approved by the Cabinet Member's
  decision of 12 November 2013, and posted;
- the 2013/14 underspend of £455,447 (the £0.455m the report states) carried forward to 2015/16: proposed, split
  across the work-streams by their computed underspends, and given outline approval by the same decision. It is
  left provisional: the County Treasurer confirms it nearer the year end.

It lives in allocations because the carry-forward's parts are worked out from allocations' plan figures (the
year's allocations and monitoring returns), and the core imports no other app.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allocations import year_end_services
from commissioning import funding_services
from commissioning.models import CarryForward, Commission, LedgerTransaction, ReserveDrawdown, User

DECISION = "Cabinet Member decision, 12 November 2013"
RESERVE = "Crime and Disorder reserve"
OPENING_YEAR = "2013/14"
DRAWDOWNS = (("2014/15", Decimal("321000")), ("2015/16", Decimal("409000")))
CARRY_FORWARD = ("2013/14", "2015/16", Decimal("455447"))


@dataclass(frozen=True)
class DemoFundingHistory:
    opening: LedgerTransaction
    drawdowns: list[ReserveDrawdown]
    carry_forward: CarryForward


def demo_funding_history(
    commission: Commission, by: User | None = None, *, approver: User | None = None, decision: Any = None
) -> DemoFundingHistory:
    """Post the seeds' reserve and carry-forward history into `commission` (see the module's docstring).

    `by` is the officer who records it (proposes and posts) and `approver` the finance approver who records the
    decision's approvals; None for either is the loader itself, which needs no permission. `decision` is the
    decision record (`reports.Decision`, decided and approved) that approves the drawdowns and the carry-forward;
    without one they are approved on the decision's reference as text (`DECISION`). Each step is its own
    service call, each one database transaction; run it inside one (as the loader does) to have all or nothing.
    """
    years = {year.label: year for year in commission.years.all()}
    reserve = commission.reserves.get(name=RESERVE)
    opening = funding_services.reserve_opening_balance_post(
        reserve=reserve, financial_year=years[OPENING_YEAR], by=by, date=years[OPENING_YEAR].starts_on
    )
    drawdowns = []
    for label, amount in DRAWDOWNS:
        year = years[label]
        drawdown = funding_services.reserve_drawdown_propose(
            reserve=reserve,
            financial_year=year,
            amount=amount,
            reason=f"Meet the gap in funding of {label}, year {year.number} of the joint commission.",
            by=by,
        )
        funding_services.reserve_drawdown_approve(
            drawdown=drawdown, decision_reference=DECISION, decision=decision, by=approver
        )
        drawdowns.append(funding_services.reserve_drawdown_post(drawdown=drawdown, by=by, date=year.starts_on))
    from_label, to_label, amount = CARRY_FORWARD
    carry = year_end_services.carry_forward_propose_from_year_end(
        from_year=years[from_label],
        to_year=years[to_label],
        amount=amount,
        reason=(
            "An in-year underspend in 2013/14 from a delayed start in commissioning, while funding was secured "
            "from partners; used to close the 2015/16 shortfall rather than seek more from directorates."
        ),
        by=by,
    )
    carry = funding_services.carry_forward_outline_approve(
        carry_forward=carry, decision_reference=DECISION, decision=decision, by=approver
    )
    return DemoFundingHistory(opening=opening, drawdowns=drawdowns, carry_forward=carry)
