"""A small commission's ledger, posted through the ledger's services, whose fund statement is worked out by hand in
`test_statement.py`. Shared by the statement, page and API tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import time_machine

from commissioning import ledger
from commissioning.models import Commission, FinancialYear, LedgerTransaction, Reserve, User, WorkStream
from partners.models import Partner
from tests import factories


@dataclass
class Book:
    commission: Commission
    partner_a: Partner
    partner_b: Partner
    reserve: Reserve
    years: list[FinancialYear]
    streams: dict[str, WorkStream]
    reversed_pledge: LedgerTransaction
    reversal: LedgerTransaction


def build_book(commission: Commission, partner_a: Partner, partner_b: Partner, by: User | None) -> Book:
    """The postings of `test_statement.test_the_statement_matches_the_table_worked_out_by_hand`, in words:

    2013/14: A pledges £7,000 (20 Mar 2013), is invoiced (1 May) and pays £7,000 (15 Jul); B pledges £12,000
    (10 Apr), is invoiced £12,000 (1 May) and pays £2,000 (1 Oct) and £3,000 (15 Jan 2014). The reserve opens at
    £730,000. The pool's £19,000 is allocated 5/17/68/10: £950, £3,230, £12,920, £1,900; forecasts £950, £2,000,
    £12,000, £500; spend £6,000 (Medium and High Risk) and £400 (Perpetrators); £1,000 (Early Support) and
    £1,400 (Perpetrators) carried forward to 2015/16.
    2014/15: A pledges £7,000 (12 Nov 2013), is invoiced £7,000 (1 May 2014) and pays £3,000 (30 Jun 2014);
    B pledges £12,500 (12 Nov 2013) by mistake, reversed on 13 Nov 2013, and pledges £12,000 (13 Nov 2013);
    £321,000 drawn from the reserve (1 Apr 2014); £200,000 allocated to Medium and High Risk Support.
    2015/16: B pledges £12,000 (13 Nov 2013).
    """
    y1, y2, y3 = years = list(commission.years.order_by("number"))
    streams = {stream.name: stream for stream in commission.work_streams.all()}
    workforce, early = streams["Workforce and Co-ordination"], streams["Early Support"]
    medium, perpetrators = streams["Medium and High Risk Support"], streams["Perpetrators"]
    reserve = factories.ReserveFactory(commission=commission, name="Crime and Disorder reserve")

    def pledge(partner: Partner, year: FinancialYear, amount: str, day: date) -> LedgerTransaction:
        return ledger.pledge_accepted_post(
            partner=partner, financial_year=year, amount=Decimal(amount), by=by, date=day
        )

    def invoice(partner: Partner, year: FinancialYear, amount: str, day: date) -> None:
        ledger.contribution_invoiced_post(partner=partner, financial_year=year, amount=Decimal(amount), by=by, date=day)

    def receive(partner: Partner, year: FinancialYear, amount: str, day: date) -> None:
        ledger.contribution_received_post(partner=partner, financial_year=year, amount=Decimal(amount), by=by, date=day)

    pledge(partner_a, y1, "7000", date(2013, 3, 20))
    pledge(partner_b, y1, "12000", date(2013, 4, 10))
    ledger.reserve_opening_post(reserve=reserve, financial_year=y1, by=by, date=date(2013, 4, 1))
    invoice(partner_a, y1, "7000", date(2013, 5, 1))
    invoice(partner_b, y1, "12000", date(2013, 5, 1))
    receive(partner_a, y1, "7000", date(2013, 7, 15))
    receive(partner_b, y1, "2000", date(2013, 10, 1))
    receive(partner_b, y1, "3000", date(2014, 1, 15))
    for stream, allocated, forecast in (
        (workforce, "950", "950"),
        (early, "3230", "2000"),
        (medium, "12920", "12000"),
        (perpetrators, "1900", "500"),
    ):
        ledger.allocation_post(
            financial_year=y1, work_stream=stream, amount=Decimal(allocated), by=by, date=date(2013, 6, 1)
        )
        ledger.forecast_post(
            financial_year=y1, work_stream=stream, forecast=Decimal(forecast), by=by, date=date(2013, 12, 31)
        )
    ledger.actual_spend_post(
        financial_year=y1, work_stream=medium, amount=Decimal("6000"), by=by, date=date(2014, 3, 31)
    )
    ledger.actual_spend_post(
        financial_year=y1, work_stream=perpetrators, amount=Decimal("400"), by=by, date=date(2014, 3, 31)
    )
    ledger.carry_forward_post(
        from_year=y1,
        to_year=y3,
        parts={early: Decimal("1000"), perpetrators: Decimal("1400")},
        by=by,
        source_reference="Outline approval, 12 November 2013",
        date=date(2014, 3, 31),
    )
    pledge(partner_a, y2, "7000", date(2013, 11, 12))
    mistake = pledge(partner_b, y2, "12500", date(2013, 11, 12))
    with time_machine.travel("2013-11-13 10:00 +0000", tick=False):
        reversal = ledger.transaction_reverse(original=mistake, reason="Pledged £12,000, not £12,500", by=by)
    pledge(partner_b, y2, "12000", date(2013, 11, 13))
    ledger.reserve_drawdown_post(
        reserve=reserve,
        financial_year=y2,
        amount=Decimal("321000"),
        by=by,
        source_reference="Cabinet member decision, November 2013",
        date=date(2014, 4, 1),
    )
    ledger.allocation_post(
        financial_year=y2, work_stream=medium, amount=Decimal("200000"), by=by, date=date(2014, 4, 1)
    )
    invoice(partner_a, y2, "7000", date(2014, 5, 1))
    receive(partner_a, y2, "3000", date(2014, 6, 30))
    pledge(partner_b, y3, "12000", date(2013, 11, 13))
    return Book(commission, partner_a, partner_b, reserve, years, streams, mistake, reversal)
