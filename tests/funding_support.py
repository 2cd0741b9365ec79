"""The Lancashire funding plan built with factories and services, for the reserve, carry-forward and pool tests.

Seed 002's figures: year budgets of £1,502,548 (2013/14) and £1,502,449 (2014/15, 2015/16), split 5/17/68/10;
the 2013/14 forecasts at Q2 of £37,563 / £187,288 / £809,630 / £12,521; the Crime and Disorder reserve of £730,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allocations import services
from allocations.demo_history import demo_funding_history
from commissioning import ledger
from commissioning.models import Commission, FinancialYear, Reserve, WorkStream
from tests import factories

BUDGETS = {1: Decimal("1502548"), 2: Decimal("1502449"), 3: Decimal("1502449")}
# Seed 002's Year 1 table: work-stream, allocation (the split of £1,502,548), forecast at Q2.
YEAR_1 = {
    "Workforce and Co-ordination": (Decimal("75127"), Decimal("37563")),
    "Early Support": (Decimal("255433"), Decimal("187288")),
    "Medium and High Risk Support": (Decimal("1021733"), Decimal("809630")),
    "Perpetrators": (Decimal("150255"), Decimal("12521")),
}
DECISION = "Cabinet Member decision, 12 November 2013"


@dataclass
class Plan:
    commission: Commission
    years: dict[int, FinancialYear]
    streams: dict[str, WorkStream]
    reserve: Reserve

    def year(self, number: int) -> FinancialYear:
        return self.years[number]


def lancashire_plan(commission: Commission) -> Plan:
    """Budgets set and split, the Q2 returns of 2013/14 recorded, and the Crime and Disorder reserve."""
    years = {year.number: year for year in commission.years.order_by("number")}
    for number, amount in BUDGETS.items():
        services.year_budget_set(financial_year=years[number], amount=amount, by=None)
    streams = {stream.name: stream for stream in commission.work_streams.all()}
    for name, (_, forecast) in YEAR_1.items():
        services.monitoring_return_record(
            financial_year=years[1], work_stream=streams[name], quarter=2, forecast=forecast, by=None
        )
    reserve = factories.ReserveFactory(
        commission=commission, name="Crime and Disorder reserve", opening_balance=Decimal("730000.00")
    )
    return Plan(commission, years, streams, reserve)


def post_year_1_to_ledger(plan: Plan, partner) -> None:  # type: ignore[no-untyped-def]
    """The ledger side of 2013/14: one pledge covering the budget, each work-stream's allocation, its forecast."""
    year = plan.year(1)
    ledger.pledge_accepted_post(partner=partner, financial_year=year, amount=BUDGETS[1], by=None)
    for name, (allocation, forecast) in YEAR_1.items():
        ledger.allocation_post(financial_year=year, work_stream=plan.streams[name], amount=allocation, by=None)
        ledger.forecast_post(financial_year=year, work_stream=plan.streams[name], forecast=forecast, by=None)


@dataclass
class History:
    """The seeds' history in a factory-built commission, plus a Contingency reserve (£50,000, opening not posted)
    with a proposed £20,000 drawdown, so every transition has something to act on."""

    plan: Plan
    demo: Any
    contingency: Reserve
    proposed: Any


def seed_history(commission: Commission, partner_a, partner_b, officer, manager) -> History:  # type: ignore[no-untyped-def]
    """Budgets, the Q2 returns, pledges of £7,000 (A) and £12,000 (B) a year, and `demo_funding_history`."""
    plan = lancashire_plan(commission)
    for year in plan.years.values():
        ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("7000"), by=None)
        ledger.pledge_accepted_post(partner=partner_b, financial_year=year, amount=Decimal("12000"), by=None)
    demo = demo_funding_history(commission, by=officer, approver=manager)
    contingency = factories.ReserveFactory(
        commission=commission, name="Contingency reserve", opening_balance=Decimal("50000.00")
    )
    proposed = factories.ReserveDrawdownFactory(reserve=contingency, amount=Decimal("20000"))
    return History(plan, demo, contingency, proposed)
