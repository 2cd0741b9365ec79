"""Work-stream allocations, overrides, monitoring and the reconciliation of stated figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocations import selectors, services
from allocations.models import (
    AllocationOverride,
    ImportedContribution,
    ImportedWorkStreamAllocation,
    MonitoringReturn,
    StatedTotal,
    TableImport,
    WorkStreamAllocation,
    YearBudget,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _year(commission, number):  # type: ignore[no-untyped-def]
    return commission.years.get(number=number)


def _amounts(allocations):  # type: ignore[no-untyped-def]
    return {a.work_stream.name: a.amount for a in allocations}


def test_the_2014_15_pool_splits_5_17_68_10_to_the_pound_and_sums_exactly(commission):
    """£1,502,449: the seed prints 75,122 / 255,416 / 1,021,665 / 150,245, which sum to £1,502,448.
    Largest remainder gives the lost pound to the 5% line (remainder .45): 75,123."""
    allocations = services.year_budget_set(financial_year=_year(commission, 2), amount=Decimal("1502449"), by=None)
    assert _amounts(allocations) == {
        "Workforce and Co-ordination": Decimal("75123"),
        "Early Support": Decimal("255416"),
        "Medium and High Risk Support": Decimal("1021665"),
        "Perpetrators": Decimal("150245"),
    }
    assert sum(a.amount for a in allocations) == Decimal("1502449")
    assert [a.work_stream.name for a in allocations if a.took_rounding] == [
        "Workforce and Co-ordination",
        "Perpetrators",
    ]
    # Not-pooled work-streams (Prevention) take no allocation.
    assert WorkStreamAllocation.objects.count() == 4


def test_the_2013_14_pool_of_1_502_548_gives_the_seed_year_one_allocations(commission):
    """£1,502,548 by 5/17/68/10 gives 75,127 / 255,433 / 1,021,733 / 150,255: the seed's Year 1 column."""
    allocations = services.year_budget_set(financial_year=_year(commission, 1), amount=Decimal("1502548"), by=None)
    assert list(_amounts(allocations).values()) == [
        Decimal("75127"),
        Decimal("255433"),
        Decimal("1021733"),
        Decimal("150255"),
    ]


# The commission is reused across examples on purpose: setting a year's budget again is how budgets change.
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.integers(min_value=0, max_value=50_000_000).map(Decimal))
def test_any_budget_splits_exactly_across_the_pooled_work_streams(commission, budget):
    """Whatever the budget, the four lines sum to it exactly and none is negative."""
    allocations = services.year_budget_set(financial_year=_year(commission, 3), amount=budget, by=None)
    assert sum(a.amount for a in allocations) == budget
    assert all(a.amount >= 0 for a in allocations)


def test_an_override_needs_a_reason_is_kept_in_history_and_shows_the_difference(commission, officer):
    allocations = services.year_budget_set(financial_year=_year(commission, 2), amount=Decimal("1502449"), by=None)
    line = allocations[0]
    with pytest.raises(ValidationError, match="Say why"):
        services.allocation_override(allocation=line, amount=Decimal("80000"), reason="  ", by=officer)
    assert not AllocationOverride.objects.exists()
    changed = services.allocation_override(
        allocation=line, amount=Decimal("80000"), reason="MARAC co-ordinator post", by=officer
    )
    assert changed.amount == Decimal("80000")
    assert changed.computed_amount == Decimal("75123")
    assert changed.difference_from_formula == Decimal("4877")  # 80,000 − 75,123
    assert changed.overridden_by == officer
    history = AllocationOverride.objects.get()
    assert (history.previous_amount, history.new_amount, history.reason) == (
        Decimal("75123"),
        Decimal("80000"),
        "MARAC co-ordinator post",
    )


def test_a_new_budget_keeps_overrides_and_moves_the_other_lines(commission, officer):
    year = _year(commission, 2)
    line = services.year_budget_set(financial_year=year, amount=Decimal("1502449"), by=None)[0]
    services.allocation_override(allocation=line, amount=Decimal("80000"), reason="Agreed by the board", by=officer)
    allocations = services.year_budget_set(financial_year=year, amount=Decimal("1000000"), by=None)
    assert _amounts(allocations)["Workforce and Co-ordination"] == Decimal("80000")
    assert allocations[0].computed_amount == Decimal("50000")  # 5% of £1,000,000
    assert _amounts(allocations)["Medium and High Risk Support"] == Decimal("680000")


def test_overriding_back_to_the_computed_amount_ends_the_override(commission, officer):
    line = services.year_budget_set(financial_year=_year(commission, 2), amount=Decimal("100"), by=None)[0]
    services.allocation_override(allocation=line, amount=Decimal("7"), reason="Trial", by=officer)
    restored = services.allocation_override(allocation=line, amount=Decimal("5"), reason="Trial over", by=officer)
    assert not restored.is_overridden
    assert AllocationOverride.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [(Decimal("-1"), "cannot be negative"), (Decimal("10.50"), "not a whole number"), (Decimal("0.001"), "penny")],
)
def test_bad_budgets_are_refused_and_nothing_is_written(commission, amount, message):
    with pytest.raises(ValidationError, match=message):
        services.year_budget_set(financial_year=_year(commission, 1), amount=amount, by=None)
    assert not YearBudget.objects.exists()
    assert not WorkStreamAllocation.objects.exists()


def test_a_commission_without_pooled_work_streams_cannot_take_a_budget():
    commission = factories.CommissionFactory()
    with pytest.raises(ValidationError, match="no pooled work-streams"):
        services.year_budget_set(financial_year=commission.years.first(), amount=Decimal("100"), by=None)
    assert not YearBudget.objects.exists()


def test_variance_is_allocation_minus_the_latest_forecast(commission, officer):
    """Perpetrators 2013/14: allocation £150,255; Q2 forecast £20,000, Q3 forecast £12,521 → variance £137,734."""
    year = _year(commission, 1)
    services.year_budget_set(financial_year=year, amount=Decimal("1502548"), by=None)
    perpetrators = commission.work_streams.get(name="Perpetrators")
    services.monitoring_return_record(
        financial_year=year, work_stream=perpetrators, quarter=2, forecast=Decimal("20000"), by=officer
    )
    services.monitoring_return_record(
        financial_year=year,
        work_stream=perpetrators,
        quarter=3,
        forecast=Decimal("12521"),
        actual=Decimal("4000"),
        by=officer,
    )
    (year_view,) = [y for y in selectors.commission_allocations(commission) if y.year == year]
    line = next(line for line in year_view.lines if line.work_stream == perpetrators)
    assert line.variance == Decimal("137734")
    assert line.actual == Decimal("4000")
    assert year_view.total_variance == Decimal("137734")


def test_a_quarter_is_recorded_once(commission):
    year, stream = _year(commission, 1), commission.work_streams.first()
    services.monitoring_return_record(
        financial_year=year, work_stream=stream, quarter=1, forecast=Decimal("1"), by=None
    )
    with pytest.raises(ValidationError, match="already recorded"):
        services.monitoring_return_record(
            financial_year=year, work_stream=stream, quarter=1, forecast=Decimal("2"), by=None
        )
    assert MonitoringReturn.objects.get().forecast == Decimal("1")


def test_monitoring_refuses_a_work_stream_of_another_commission(commission):
    other = factories.WorkStreamFactory()
    with pytest.raises(ValidationError, match="not a work-stream"):
        services.monitoring_return_record(
            financial_year=_year(commission, 1), work_stream=other, quarter=1, forecast=Decimal("1"), by=None
        )
    assert not MonitoringReturn.objects.exists()


# Reconciliation -------------------------------------------------------------------------------------------


def _table(commission, kind, title="Table", year=None):  # type: ignore[no-untyped-def]
    return TableImport.objects.create(
        commission=commission, kind=kind, title=title, file_sha256=title, financial_year=year
    )


def test_a_stated_total_that_differs_from_its_lines_is_listed(commission, partner_a, partner_b):
    """Seed 000: the district table states £100,000; its lines sum to more. Here 7,000 + 12,000 = 19,000 vs 18,000."""
    table = _table(commission, TableImport.Kind.CONTRIBUTIONS, "District contributions")
    ImportedContribution.objects.create(
        table_import=table, row_number=3, partner=partner_a, name_as_stated="A", amount=Decimal("7000")
    )
    ImportedContribution.objects.create(
        table_import=table, row_number=4, partner=partner_b, name_as_stated="B", amount=Decimal("12000")
    )
    StatedTotal.objects.create(
        table_import=table, column="amount", label="Total", row_number=2, amount=Decimal("18000")
    )
    report = selectors.commission_reconciliation(commission)
    (mismatch,) = report.mismatches
    assert (mismatch.stated, mismatch.computed, mismatch.difference) == (
        Decimal("18000"),
        Decimal("19000"),
        Decimal("-1000"),
    )
    assert mismatch.where == "District contributions, row 2 ('Total')"
    assert report.checked == 1


def test_matching_figures_are_checked_but_not_listed(commission, partner_a):
    table = _table(commission, TableImport.Kind.CONTRIBUTIONS)
    ImportedContribution.objects.create(
        table_import=table, row_number=2, partner=partner_a, name_as_stated="A", amount=Decimal("7000")
    )
    StatedTotal.objects.create(table_import=table, column="amount", label="Total", row_number=3, amount=Decimal("7000"))
    report = selectors.commission_reconciliation(commission)
    assert report.mismatches == []
    assert report.checked == 1


def test_seed_year_one_variance_column_is_checked_row_by_row(commission):
    """Seed 002 Year 1: Workforce 75,127 − 37,563 = 37,564, but the table states 30,217 (7,347 short);
    Medium & High 1,021,733 − 809,630 = 212,103 against 212,035; the forecast column sums to 1,047,002, not the
    stated 1,047,003."""
    year = _year(commission, 1)
    services.year_budget_set(financial_year=year, amount=Decimal("1502548"), by=None)
    table = _table(commission, TableImport.Kind.MONITORING, "Year 1 allocation and forecast", year)
    rows = [
        ("Workforce and Co-ordination", "75127", "37563", "30217"),
        ("Early Support", "255433", "187288", "68145"),
        ("Medium and High Risk Support", "1021733", "809630", "212035"),
        ("Perpetrators", "150255", "12521", "137724"),
    ]
    for row_number, (name, allocation, forecast, variance) in enumerate(rows, start=2):
        MonitoringReturn.objects.create(
            financial_year=year,
            work_stream=commission.work_streams.get(name=name),
            quarter=2,
            forecast=Decimal(forecast),
            stated_allocation=Decimal(allocation),
            stated_variance=Decimal(variance),
            table_import=table,
            row_number=row_number,
        )
    for column, amount in [("allocation", "1502548"), ("forecast", "1047003"), ("variance", "455447")]:
        StatedTotal.objects.create(
            table_import=table, column=column, label="Totals", row_number=6, amount=Decimal(amount)
        )
    report = selectors.commission_reconciliation(commission)
    found = {(m.where.split(" (")[-1].rstrip(")'"), m.what): (m.stated, m.computed) for m in report.mismatches}
    assert found[("Workforce and Co-ordination", "Variance")] == (Decimal("30217"), Decimal("37564"))
    assert found[("Medium and High Risk Support", "Variance")] == (Decimal("212035"), Decimal("212103"))
    assert found[("Perpetrators", "Variance")] == (Decimal("137724"), Decimal("137734"))
    assert ("Early Support", "Variance") not in found
    totals = {m.what: (m.stated, m.computed) for m in report.mismatches if m.what.startswith("Total")}
    assert totals["Total of forecast"] == (Decimal("1047003"), Decimal("1047002"))
    # 1,502,548 − 1,047,002 = 455,546 against the stated 455,447.
    assert totals["Total of variance"] == (Decimal("455447"), Decimal("455546"))
    assert "Total of allocation" not in totals  # 1,502,548 adds up


def test_stated_work_stream_lines_are_checked_against_the_live_split(commission):
    """Seed 002 Year 2: 75,122 stated for Workforce, where the exact split of £1,502,449 gives 75,123."""
    year = _year(commission, 2)
    services.year_budget_set(financial_year=year, amount=Decimal("1502449"), by=None)
    table = _table(commission, TableImport.Kind.WORK_STREAM_ALLOCATIONS, "Years 2 and 3 allocation")
    workforce = commission.work_streams.get(name="Workforce and Co-ordination")
    ImportedWorkStreamAllocation.objects.create(
        table_import=table,
        row_number=2,
        work_stream=workforce,
        financial_year=year,
        stated_share=Decimal("5"),
        amount=Decimal("75122"),
    )
    (mismatch,) = selectors.commission_reconciliation(commission).mismatches
    assert (mismatch.what, mismatch.stated, mismatch.computed) == ("Allocation", Decimal("75122"), Decimal("75123"))


def test_an_override_that_moves_money_shows_against_the_budget(commission, officer):
    line = services.year_budget_set(financial_year=_year(commission, 2), amount=Decimal("1000"), by=None)[0]
    services.allocation_override(allocation=line, amount=Decimal("60"), reason="Extra training", by=officer)
    (mismatch,) = selectors.commission_reconciliation(commission).mismatches
    assert (mismatch.stated, mismatch.computed) == (Decimal("1000"), Decimal("1010"))  # 50 became 60


# Posting the plan to the ledger ---------------------------------------------------------------------------


def _fund(commission, year, partner, amount):  # type: ignore[no-untyped-def]
    from commissioning import ledger

    ledger.pledge_accepted_post(partner=partner, financial_year=year, amount=Decimal(amount), by=None)


def test_planned_allocations_post_to_the_ledger_once(commission, partner_a, officer):
    """£1,502,449 pledged for 2014/15 and split 75,123 / 255,416 / 1,021,665 / 150,245: posting moves exactly that
    from the pool to the work-streams; posting again changes nothing."""
    from commissioning import ledger
    from commissioning.models import Account, LedgerTransaction

    year = _year(commission, 2)
    _fund(commission, year, partner_a, "1502449")
    services.year_budget_set(financial_year=year, amount=Decimal("1502449"), by=None)
    made = services.allocations_post_to_ledger(financial_year=year, by=officer)
    assert [tx.kind for tx in made] == [LedgerTransaction.Kind.ALLOCATION] * 4
    assert ledger.account_for(commission, Account.Kind.POOL, year=year).balance == 0
    assert services.allocations_post_to_ledger(financial_year=year, by=officer) == []
    workforce = commission.work_streams.get(name="Workforce and Co-ordination")
    account = ledger.account_for(commission, Account.Kind.WORK_STREAM, year=year, work_stream=workforce)
    assert account.balance == Decimal("-75123")


def test_posting_more_than_the_pool_holds_is_refused_and_nothing_is_posted(commission, partner_a):
    from commissioning.models import LedgerTransaction

    year = _year(commission, 2)
    _fund(commission, year, partner_a, "1000000")
    services.year_budget_set(financial_year=year, amount=Decimal("1502449"), by=None)
    with pytest.raises(ValidationError, match=r"pool holds £.* not yet allocated"):
        services.allocations_post_to_ledger(financial_year=year, by=None)
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ALLOCATION).exists()


def test_the_latest_monitoring_return_is_the_ledgers_forecast(commission):
    from commissioning import ledger
    from commissioning.models import Account

    year = _year(commission, 1)
    stream = commission.work_streams.get(name="Perpetrators")
    services.monitoring_return_record(
        financial_year=year, work_stream=stream, quarter=3, forecast=Decimal("12521"), by=None
    )
    services.monitoring_return_record(
        financial_year=year, work_stream=stream, quarter=2, forecast=Decimal("20000"), by=None
    )
    account = ledger.account_for(commission, Account.Kind.FORECAST, year=year, work_stream=stream)
    assert account.balance == Decimal("12521")  # quarter 2 came in late; quarter 3 is still the latest
    assert services.forecasts_post_to_ledger(financial_year=year, by=None) == []
