"""The pool from the ledger: each year's work-streams under the pool rules, each partner's share of the pool's
income, spend and balance, and the few queries they take."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning import funding_selectors, funding_services, ledger
from commissioning.models import Account
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def year_1(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """2013/14: A pledges £7,000 and B £12,000; £1,000 is drawn from a reserve; Perpetrators and Early Support
    get £10,000 each; Perpetrators forecasts £12,000 (£2,000 over) and has spent £3,000; Early Support forecasts
    £9,500 (£500 under)."""
    year = commission.years.get(number=1)
    streams = {stream.name: stream for stream in commission.work_streams.all()}
    reserve = factories.ReserveFactory(commission=commission, name="Crime and Disorder reserve")
    ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=D("7000"), by=None)
    ledger.pledge_accepted_post(partner=partner_b, financial_year=year, amount=D("12000"), by=None)
    mistake = ledger.pledge_accepted_post(partner=partner_b, financial_year=year, amount=D("5000"), by=None)
    ledger.transaction_reverse(original=mistake, reason="Posted twice", by=None)
    funding_services.reserve_opening_balance_post(reserve=reserve, by=None)
    ledger.reserve_drawdown_post(reserve=reserve, financial_year=year, amount=D("1000"), by=None)
    for name, allocation, forecast in (("Perpetrators", "10000", "12000"), ("Early Support", "10000", "9500")):
        ledger.allocation_post(financial_year=year, work_stream=streams[name], amount=D(allocation), by=None)
        ledger.forecast_post(financial_year=year, work_stream=streams[name], forecast=D(forecast), by=None)
    ledger.actual_spend_post(financial_year=year, work_stream=streams["Perpetrators"], amount=D("3000"), by=None)
    return {"year": year, "streams": streams, "reserve": reserve}


def test_each_partner_shares_the_years_income_spend_and_balance_pro_rata(commission, partner_a, partner_b, year_1):
    """Contributions 7,000 and 12,000 (the reversed £5,000 nets off): 36.84% and 63.16%.
    Income 7,000 + 12,000 + 1,000 = 20,000 → 7,368.42 / 12,631.58 (20,000 × 7/19 = 7,368.421…, 12/19 = 12,631.578…,
    the last penny to the larger remainder). Spend 3,000 → 1,105.26 / 1,894.74. Balance 20,000 − 3,000 = 17,000 →
    6,263.16 / 10,736.84 (6,263.157… has the larger remainder). Each column sums to the pool's figure."""
    shares = funding_selectors.partner_pool_shares(commission, year_1["year"])
    rows = [(s.partner, s.contribution, s.percent, s.income, s.spend, s.balance) for s in shares]
    assert rows == [
        (partner_a, D("7000"), D("36.84"), D("7368.42"), D("1105.26"), D("6263.16")),
        (partner_b, D("12000"), D("63.16"), D("12631.58"), D("1894.74"), D("10736.84")),
    ]
    figures = funding_selectors.pool_year_figures(commission, [year_1["year"]])[year_1["year"].pk]
    assert (figures.pledged, figures.drawdowns, figures.income, figures.spend, figures.balance) == (
        D("19000"),
        D("1000"),
        D("20000"),
        D("3000"),
        D("17000"),
    )
    # The balance is what the year's accounts hold: pool not yet allocated, budgets not spent, less spend.
    accounts = Account.objects.filter(commission=commission, financial_year=year_1["year"])
    raw = -sum(ledger.balance_of(a) for a in accounts.filter(kind__in=["pool", "work_stream"]))
    raw -= sum(ledger.balance_of(a) for a in accounts.filter(kind="spend"))
    assert figures.balance == raw


def test_a_year_nobody_contributed_to_has_no_shares(commission, year_1):
    assert funding_selectors.partner_pool_shares(commission, commission.years.get(number=2)) == []


def test_the_pool_rules_meet_the_years_overspend(commission, partner_a, partner_b, year_1):
    """Perpetrators is £2,000 over (12,000 forecast on 10,000); Early Support £500 under. With no reserve named and
    reductions capped at £500: 500 from underspends, 500 from reductions, and 2,000 − 1,000 = 1,000 shared 7:12 →
    368.42 / 631.58 (1,000 × 12/19 = 631.578… takes the last penny)."""
    factories.PoolRulesFactory(commission=commission, reductions_limit=D("500"))
    (pool_year, *later) = funding_selectors.pool_years(commission)
    assert pool_year.overspend == D("2000")
    assert pool_year.underspend_total == D("500")
    outcome = pool_year.outcome
    assert outcome.from_underspends == {year_1["streams"]["Early Support"]: D("500")}
    assert (outcome.from_reserve, outcome.from_reductions, outcome.unmet) == (D("0"), D("500"), D("0"))
    assert outcome.partner_shares == {partner_a: D("368.42"), partner_b: D("631.58")}
    assert [year.overspend for year in later] == [D("0"), D("0")]

    statement = funding_selectors.partner_pool_statement(commission, partner_b)
    assert [(row.year.label, row.risk_share) for row in statement] == [
        ("2013/14", D("631.58")),
        ("2014/15", D("0")),
        ("2015/16", D("0")),
    ]
    assert statement[0].share.income == D("12631.58")


def test_the_named_reserve_is_used_year_by_year(commission, partner_a, year_1):
    """The reserve holds 730,000 − 1,000 = 729,000, less a £728,500 drawdown approved and not posted: £500 free.
    The year's £2,000 overspend takes £500 of underspends, then the reserve's £500, and the rest, £1,000, falls to
    the partners (A alone would bear up to its 7,000; B too)."""
    drawdown = factories.ReserveDrawdownFactory(reserve=year_1["reserve"], amount=D("728500"))
    funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference="Decision", by=None)
    factories.PoolRulesFactory(commission=commission, reserve=year_1["reserve"])
    pool_year = funding_selectors.pool_years(commission)[0]
    assert pool_year.reserve_available == D("500")
    assert pool_year.outcome.from_reserve == D("500")
    assert pool_year.outcome.shared_by_partners == D("1000")


def test_pool_reads_take_the_same_queries_however_many_transactions(commission, partner_a, partner_b, year_1):
    factories.PoolRulesFactory(commission=commission, reserve=year_1["reserve"])

    def count() -> tuple[int, int, int]:
        counts = []
        for read in (
            lambda: funding_selectors.partner_pool_shares(commission, year_1["year"]),
            lambda: funding_selectors.pool_years(commission),
            lambda: funding_selectors.partner_pool_statement(commission, partner_a),
        ):
            with CaptureQueriesContext(connection) as queries:
                read()
            counts.append(len(queries))
        return tuple(counts)  # type: ignore[return-value]

    before = count()
    assert before[0] <= 4
    for number in (2, 3):
        year = commission.years.get(number=number)
        for partner in (partner_a, partner_b):
            ledger.pledge_accepted_post(partner=partner, financial_year=year, amount=D("1000"), by=None)
        for stream in commission.work_streams.filter(pooled_share__isnull=False):
            ledger.allocation_post(financial_year=year, work_stream=stream, amount=D("100"), by=None)
            ledger.forecast_post(financial_year=year, work_stream=stream, forecast=D("150"), by=None)
    assert count() == before
