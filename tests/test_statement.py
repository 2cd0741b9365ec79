"""The fund statement, arrears and a partner's own statement, read from the ledger: a hand-checked table, a
property against a recomputation from raw postings, and query counts that do not grow with the ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocations import services as allocation_services
from allocations.models import Formula
from commissioning import ledger, statement
from commissioning.models import Account, LedgerTransaction, Posting
from reports import selectors
from tests import factories
from tests.statement_support import build_book

pytestmark = pytest.mark.django_db

D = Decimal
Kind = LedgerTransaction.Kind


@pytest.fixture
def book(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    return build_book(commission, partner_a, partner_b, officer)


def _streams(year_statement):  # type: ignore[no-untyped-def]
    return {
        line.work_stream.name: (line.allocated, line.forecast, line.actual, line.carried_forward, line.variance)
        for line in year_statement.streams
    }


def _partners(year_statement):  # type: ignore[no-untyped-def]
    return {
        line.partner_id: (line.pledged, line.invoiced, line.received, line.outstanding)
        for line in year_statement.partners
    }


def test_the_statement_matches_the_table_worked_out_by_hand(book):
    """The postings of `build_book`, worked out by hand. Requested £19,000 a year; plans £18,000 (2013/14) and
    £345,000 (2014/15), none for 2015/16; £4,600 provisional into 2015/16.

    2013/14 income
    | partner | pledged | invoiced | received | outstanding |
    | A | 7,000 | 7,000 | 7,000 | 0 |
    | B | 12,000 | 12,000 | 2,000 + 3,000 = 5,000 | 12,000 − 5,000 = 7,000 |
    | total | 19,000 | 19,000 | 12,000 | 7,000 |
    No drawdown (the reserve's opening balance is not income of a year) and nothing carried in: income £19,000.

    2013/14 work-streams (variance = allocated − forecast)
    | work-stream | allocated | forecast | actual | carried forward | variance |
    | Workforce and Co-ordination | 950 | 950 | 0 | 0 | 0 |
    | Early Support | 3,230 | 2,000 | 0 | 1,000 | 1,230 |
    | Medium and High Risk Support | 12,920 | 12,000 | 6,000 | 0 | 920 |
    | Perpetrators | 1,900 | 500 | 400 | 1,400 | 1,400 |
    | total | 19,000 | 15,450 | 6,400 | 2,400 | 3,550 |
    Prevention is not pooled and has no postings, so it is not listed. Unallocated: 19,000 − 19,000 = 0.

    2014/15: A pledged 7,000, invoiced 7,000, received 3,000 (outstanding 4,000); B pledged 12,500 − 12,500
    (reversed) + 12,000 = 12,000, nothing invoiced or received (outstanding 12,000). Reserve £321,000 drawn.
    Income 19,000 + 321,000 = 340,000; Medium and High Risk allocated 200,000, forecast 0, variance 200,000;
    unallocated 340,000 − 200,000 = 140,000.

    2015/16: B pledged 12,000; £1,000 + £1,400 = £2,400 carried in from 2013/14; income 14,400; unallocated 14,400.

    Funding position (shortfall = plan − secured − provisional)
    | year | requested | secured | provisional | plan | shortfall |
    | 2013/14 | 19,000 | 19,000 | 0 | 18,000 | −1,000 (a surplus) |
    | 2014/15 | 19,000 | 340,000 | 0 | 345,000 | 5,000 |
    | 2015/16 | 19,000 | 14,400 | 4,600 | none | none |
    """
    y1, y2, y3 = book.years
    a, b = book.partner_a.pk, book.partner_b.pk
    fund = statement.fund_statement(
        book.commission,
        requested={y1.pk: D("19000"), y2.pk: D("19000"), y3.pk: D("19000")},
        plan={y1.pk: D("18000"), y2.pk: D("345000")},
        provisional={y3.pk: D("4600")},
    )
    first, second, third = fund.years
    assert [s.year for s in fund.years] == [y1, y2, y3]

    assert _partners(first) == {
        a: (D("7000"), D("7000"), D("7000"), D("0")),
        b: (D("12000"), D("12000"), D("5000"), D("7000")),
    }
    assert (first.pledged, first.invoiced, first.received, first.outstanding) == (
        D("19000"),
        D("19000"),
        D("12000"),
        D("7000"),
    )
    assert (first.drawdowns, first.carried_in, first.income) == ([], [], D("19000"))
    assert _streams(first) == {
        "Workforce and Co-ordination": (D("950"), D("950"), D("0"), D("0"), D("0")),
        "Early Support": (D("3230"), D("2000"), D("0"), D("1000"), D("1230")),
        "Medium and High Risk Support": (D("12920"), D("12000"), D("6000"), D("0"), D("920")),
        "Perpetrators": (D("1900"), D("500"), D("400"), D("1400"), D("1400")),
    }
    assert (first.allocated, first.forecast, first.actual, first.carried_forward, first.variance) == (
        D("19000"),
        D("15450"),
        D("6400"),
        D("2400"),
        D("3550"),
    )
    assert first.unallocated == D("0")

    assert _partners(second) == {
        a: (D("7000"), D("7000"), D("3000"), D("4000")),
        b: (D("12000"), D("0"), D("0"), D("12000")),
    }
    assert [(d.name, d.amount) for d in second.drawdowns] == [("Crime and Disorder reserve", D("321000"))]
    assert (second.income, second.allocated, second.variance, second.unallocated) == (
        D("340000"),
        D("200000"),
        D("200000"),
        D("140000"),
    )
    assert _streams(second)["Medium and High Risk Support"] == (D("200000"), D("0"), D("0"), D("0"), D("200000"))

    assert _partners(third) == {b: (D("12000"), D("0"), D("0"), D("12000"))}
    assert [(c.from_year, c.amount) for c in third.carried_in] == [(y1, D("2400"))]
    assert (third.income, third.allocated, third.unallocated) == (D("14400"), D("0"), D("14400"))

    positions = [
        (s.position.requested, s.position.secured, s.position.provisional, s.position.plan, s.position.shortfall)
        for s in fund.years
    ]
    assert positions == [
        (D("19000"), D("19000"), D("0"), D("18000"), D("-1000")),
        (D("19000"), D("340000"), D("0"), D("345000"), D("5000")),
        (D("19000"), D("14400"), D("4600"), None, None),
    ]


def test_each_years_unallocated_pool_is_the_balance_of_its_pool_account(book):
    """The statement computes the unallocated pool from its parts; the ledger's pool accounts agree."""
    fund = statement.fund_statement(book.commission)
    for year_statement in fund.years:
        pool = ledger.account_for(book.commission, Account.Kind.POOL, year=year_statement.year)
        assert year_statement.unallocated == -pool.balance


def test_arrears_list_each_partners_pledges_not_yet_received(book):
    """A: 2014/15 7,000 − 3,000 = 4,000. B: 2013/14 12,000 − 5,000 = 7,000; 2014/15 12,000; 2015/16 12,000;
    7,000 + 12,000 + 12,000 = 31,000. In all 4,000 + 31,000 = 35,000."""
    fund = statement.fund_statement(book.commission)
    y1, y2, y3 = book.years
    arrears = {partner.partner_id: partner for partner in fund.arrears}
    assert set(arrears) == {book.partner_a.pk, book.partner_b.pk}
    a, b = arrears[book.partner_a.pk], arrears[book.partner_b.pk]
    assert [(line.year, line.pledged, line.received, line.outstanding) for line in a.lines] == [
        (y2, D("7000"), D("3000"), D("4000"))
    ]
    assert a.outstanding == D("4000")
    assert [(line.year, line.outstanding) for line in b.lines] == [(y1, D("7000")), (y2, D("12000")), (y3, D("12000"))]
    assert b.outstanding == D("31000")
    assert fund.arrears_total == D("35000")


def test_a_partners_statement_goes_by_quarter_of_posting_date(book):
    """B, 2013/14: pledged £12,000 on 10 Apr 2013 (Q1), invoiced £12,000 on 1 May (Q1), paid £2,000 on 1 Oct (Q3)
    and £3,000 on 15 Jan 2014 (Q4). 2014/15: £12,500 pledged 12 Nov 2013, reversed 13 Nov 2013, £12,000 pledged
    13 Nov 2013, all before the year began: 12,500 − 12,500 + 12,000 = 12,000. 2015/16: £12,000 before the year.
    Over the three years pledged 36,000, invoiced 12,000, received 5,000, outstanding 31,000."""
    y1, y2, y3 = book.years
    mine = statement.partner_statement(book.commission, book.partner_b.pk)
    first, second, third = mine.years
    assert [(p.label, p.pledged, p.invoiced, p.received) for p in first.periods] == [
        ("Q1 (Apr–Jun)", D("12000"), D("12000"), D("0")),
        ("Q2 (Jul–Sep)", D("0"), D("0"), D("0")),
        ("Q3 (Oct–Dec)", D("0"), D("0"), D("2000")),
        ("Q4 (Jan–Mar)", D("0"), D("0"), D("3000")),
    ]
    assert (first.pledged, first.invoiced, first.received, first.outstanding) == (
        D("12000"),
        D("12000"),
        D("5000"),
        D("7000"),
    )
    assert [(p.label, p.pledged) for p in second.periods] == [
        ("Before the year", D("12000")),
        ("Q1 (Apr–Jun)", D("0")),
        ("Q2 (Jul–Sep)", D("0")),
        ("Q3 (Oct–Dec)", D("0")),
        ("Q4 (Jan–Mar)", D("0")),
    ]
    assert (third.pledged, third.received) == (D("12000"), D("0"))
    assert (mine.pledged, mine.invoiced, mine.received, mine.outstanding) == (
        D("36000"),
        D("12000"),
        D("5000"),
        D("31000"),
    )


def test_a_partners_statement_holds_only_its_own_figures(book):
    """A: pledged 7,000 (20 Mar 2013, before 2013/14) + 7,000 = 14,000; B's pledges appear nowhere."""
    mine = statement.partner_statement(book.commission, book.partner_a.pk)
    assert mine.partner_id == book.partner_a.pk
    assert (mine.pledged, mine.invoiced, mine.received) == (D("14000"), D("14000"), D("10000"))
    assert [(p.label, p.pledged) for p in mine.years[0].periods][0] == ("Before the year", D("7000"))
    assert mine.years[2].pledged == D("0")


def test_the_composed_statement_reads_requests_and_year_budgets(book, officer):
    """Requested comes from the contribution requests (a fixed formula: A £7,000 + B £12,000 = £19,000 a year),
    the plan from the year budgets (£18,000 for 2013/14 only); no carry-forward is outline approved."""
    formula = allocation_services.formula_create(
        commission=book.commission,
        name="Agreed shares",
        method=Formula.Method.FIXED,
        by=officer,
        participants=[
            allocation_services.ParticipantInput(partner=book.partner_a, fixed_amount=D("7000")),
            allocation_services.ParticipantInput(partner=book.partner_b, fixed_amount=D("12000")),
        ],
    )
    allocation_services.requests_draft(formula=formula, by=officer)
    allocation_services.year_budget_set(financial_year=book.years[0], amount=D("18000"), by=officer)
    fund = selectors.commission_fund_statement(book.commission)
    assert [(s.position.requested, s.position.plan, s.position.provisional) for s in fund.years] == [
        (D("19000"), D("18000"), D("0")),
        (D("19000"), None, D("0")),
        (D("19000"), None, D("0")),
    ]
    assert fund.years[0].position.shortfall == D("-1000")


def test_an_empty_ledger_gives_a_statement_of_noughts(commission):
    fund = statement.fund_statement(commission)
    assert [s.income for s in fund.years] == [D("0")] * 3
    assert all(s.partners == [] and s.allocated == 0 for s in fund.years)
    assert [line.work_stream.name for line in fund.years[0].streams] == [
        "Workforce and Co-ordination",
        "Early Support",
        "Medium and High Risk Support",
        "Perpetrators",
    ]
    assert fund.arrears == []


def _grow(commission, partner, times):  # type: ignore[no-untyped-def]
    year = commission.years.get(number=1)
    stream = commission.work_streams.get(name="Perpetrators")
    for _ in range(times):
        ledger.pledge_accepted_post(partner=partner, financial_year=year, amount=D("10"), by=None)
        ledger.allocation_post(financial_year=year, work_stream=stream, amount=D("10"), by=None)


def test_statement_queries_do_not_grow_with_the_ledger(commission, partner_a, django_assert_num_queries):
    """Three queries for the statement and two for a partner's, with 2 or 40 transactions."""
    for times in (1, 20):
        _grow(commission, partner_a, times)
        with django_assert_num_queries(3):
            statement.fund_statement(commission)
        with django_assert_num_queries(2):
            statement.partner_statement(commission, partner_a.pk)


# Property: the statement equals a recomputation from the raw postings -----------------------------------------


# (account kind, what the transaction was) → (figure, sign): the module docstring's table, written again.
RULES = {
    (Account.Kind.PLEDGED, Kind.PLEDGE_ACCEPTED): ("pledged", 1),
    (Account.Kind.INVOICED, Kind.CONTRIBUTION_INVOICED): ("invoiced", 1),
    (Account.Kind.INVOICED, Kind.CONTRIBUTION_RECEIVED): ("received", -1),
    (Account.Kind.RESERVE, Kind.RESERVE_DRAWDOWN): ("drawn", 1),
    (Account.Kind.POOL, Kind.CARRY_FORWARD): ("carried_in", -1),
    (Account.Kind.WORK_STREAM, Kind.ALLOCATION): ("allocated", -1),
    (Account.Kind.WORK_STREAM, Kind.CARRY_FORWARD): ("carried_forward", 1),
}


def _recompute(commission):  # type: ignore[no-untyped-def]
    """The statement's figures worked out in Python from every posting, one by one."""
    figures: dict[tuple, Decimal] = defaultdict(Decimal)
    periods: dict[tuple, Decimal] = defaultdict(Decimal)
    pool: dict[int, Decimal] = defaultdict(Decimal)
    postings = Posting.objects.filter(account__commission=commission).select_related(
        "account__financial_year", "transaction__reverses"
    )
    for posting in postings:
        account, tx = posting.account, posting.transaction
        kind = tx.reverses.kind if tx.reverses_id else tx.kind
        year = account.financial_year_id
        if account.kind == Account.Kind.POOL:
            pool[year] -= posting.amount
        if account.kind in (Account.Kind.FORECAST, Account.Kind.SPEND):
            figures[(account.kind, year, account.work_stream_id)] += posting.amount
        if (account.kind, kind) not in RULES:
            continue
        figure, sign = RULES[(account.kind, kind)]
        part = account.partner_id or account.reserve_id or account.work_stream_id or tx.financial_year_id
        key_year = tx.financial_year_id if figure == "drawn" else year
        figures[(figure, key_year, part)] += sign * posting.amount
        if account.partner_id:
            months = (tx.date.year - account.financial_year.start_year) * 12 + tx.date.month - 4
            period = 0 if months < 0 else 5 if months >= 12 else months // 3 + 1
            periods[(account.partner_id, year, period, figure)] += sign * posting.amount
    return figures, periods, pool


def _assert_statement_equals_recomputation(commission, partners):  # type: ignore[no-untyped-def]
    figures, periods, pool = _recompute(commission)
    fund = statement.fund_statement(commission)
    for ys in fund.years:
        y = ys.year.pk
        for line in ys.partners:
            assert (line.pledged, line.invoiced, line.received) == tuple(
                figures[(what, y, line.partner_id)] for what in ("pledged", "invoiced", "received")
            )
        listed = {line.partner_id for line in ys.partners}
        for what, year, partner_id in [k for k in figures if k[0] in {"pledged", "invoiced", "received"}]:
            if year == y and figures[(what, year, partner_id)]:
                assert partner_id in listed
        assert {d.reserve_id: d.amount for d in ys.drawdowns} == {
            k[2]: v for k, v in figures.items() if k[:2] == ("drawn", y) and v
        }
        assert {c.from_year.pk: c.amount for c in ys.carried_in} == {
            k[2]: v for k, v in figures.items() if k[:2] == ("carried_in", y) and v
        }
        for line in ys.streams:
            s = line.work_stream.pk
            assert (line.allocated, line.forecast, line.actual, line.carried_forward) == (
                figures[("allocated", y, s)],
                figures[(Account.Kind.FORECAST, y, s)],
                figures[(Account.Kind.SPEND, y, s)],
                figures[("carried_forward", y, s)],
            )
            assert line.variance == figures[("allocated", y, s)] - figures[(Account.Kind.FORECAST, y, s)]
        assert ys.unallocated == pool[y]
        assert ys.position.secured == ys.income
    for partner in partners:
        mine = statement.partner_statement(commission, partner.pk)
        for py in mine.years:
            for period in py.periods:
                key = (partner.pk, py.year.pk, period.number)
                assert (period.pledged, period.invoiced, period.received) == tuple(
                    periods[(*key, what)] for what in ("pledged", "invoiced", "received")
                )
            assert (
                sum((periods[k] for k in periods if k[:2] == (partner.pk, py.year.pk) and k[3] == "pledged"), D(0))
                == py.pledged
            )


OPERATIONS = ("pledge", "invoice", "receive", "open", "draw", "allocate", "forecast", "spend", "carry", "reverse")
# A carry-forward needs an underspend, which spend and forecasts keep taking away: ask for one more often.
WEIGHTED = (*OPERATIONS, "carry", "carry", "allocate")
steps = st.lists(
    st.tuples(
        st.sampled_from(WEIGHTED),
        st.integers(min_value=1, max_value=2_000_000).map(lambda pence: Decimal(pence).scaleb(-2)),
        st.integers(min_value=0, max_value=5),
        st.dates(min_value=date(2012, 1, 1), max_value=date(2017, 12, 31)),
        st.booleans(),
    ),
    max_size=30,
)


def _underspends(year, streams, most):  # type: ignore[no-untyped-def]
    """Each work-stream's underspend for the year, up to `most`: what a carry-forward may take."""
    return {
        stream: min(most, ledger.underspend(year, stream)) for stream in streams if ledger.underspend(year, stream) > 0
    }


def _attempt(commission, partners, reserve, op, amount, pick, day, flag):  # type: ignore[no-untyped-def]
    years = list(commission.years.order_by("number"))
    streams = list(commission.work_streams.filter(pooled_share__isnull=False).order_by("position"))
    year, partner, stream = years[pick % 3], partners[pick % 2], streams[pick % 4]
    calls = {
        "pledge": lambda: ledger.pledge_accepted_post(
            partner=partner, financial_year=year, amount=amount, by=None, date=day
        ),
        "invoice": lambda: ledger.contribution_invoiced_post(
            partner=partner, financial_year=year, amount=amount, by=None, date=day
        ),
        "receive": lambda: ledger.contribution_received_post(
            partner=partner, financial_year=year, amount=amount, by=None, overpayment=flag, date=day
        ),
        "open": lambda: ledger.reserve_opening_post(reserve=reserve, financial_year=years[0], by=None, date=day),
        "draw": lambda: ledger.reserve_drawdown_post(
            reserve=reserve, financial_year=year, amount=amount, by=None, date=day
        ),
        "allocate": lambda: ledger.allocation_post(
            financial_year=year, work_stream=stream, amount=amount, by=None, date=day
        ),
        "forecast": lambda: ledger.forecast_post(
            financial_year=year, work_stream=stream, forecast=amount, by=None, date=day
        ),
        "spend": lambda: ledger.actual_spend_post(
            financial_year=year, work_stream=stream, amount=amount, by=None, date=day
        ),
        "carry": lambda: ledger.carry_forward_post(
            from_year=year, to_year=years[2], parts=_underspends(year, streams, amount), by=None, date=day
        ),
        "reverse": lambda: ledger.transaction_reverse(
            original=LedgerTransaction.objects.filter(commission=commission, reversed_by__isnull=True)
            .exclude(kind=Kind.REVERSAL)
            .order_by("number")[pick : pick + 1]
            .get(),
            reason="property test",
            by=None,
        ),
    }
    try:
        calls[op]()
    except (ValidationError, LedgerTransaction.DoesNotExist):
        pass  # a refused call writes nothing, and the statement must still equal the postings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=steps)
def test_any_sequence_of_ledger_calls_gives_the_statement_its_raw_postings_give(
    commission, partner_a, partner_b, calls
):
    reserve = commission.reserves.first() or factories.ReserveFactory(commission=commission, opening_balance=D("50000"))
    for op, amount, pick, day, flag in calls:
        _attempt(commission, [partner_a, partner_b], reserve, op, amount, pick, day, flag)
    _assert_statement_equals_recomputation(commission, [partner_a, partner_b])
