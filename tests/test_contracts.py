"""Providers and contracts: what the services write, how contract spend rolls up to the work-stream in the ledger,
what they refuse (naming the figures, writing nothing), the selectors' figures and query counts, and seed 004's
Early Support providers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commissioning import contract_selectors, contract_services, demo_providers, ledger
from commissioning.models import (
    Account,
    Contract,
    ContractSpend,
    ContractValue,
    LedgerTransaction,
    Posting,
    Provider,
)
from partners.models import Partner
from tests import factories

pytestmark = pytest.mark.django_db

Kind = LedgerTransaction.Kind


@pytest.fixture
def years(commission):  # type: ignore[no-untyped-def]
    return list(commission.years.order_by("number"))


@pytest.fixture
def early(commission):  # type: ignore[no-untyped-def]
    return commission.work_streams.get(name="Early Support")


@pytest.fixture
def safenet(commission, early, partner_a):  # type: ignore[no-untyped-def]
    """SafeNet's contract as seed 004 dates it: 1 January 2014 to 31 March 2015, serving partner A's district."""
    provider = factories.ProviderFactory(name="SafeNet")
    return factories.ContractFactory(
        commission=commission, provider=provider, work_stream=early, title="Early Support: A", districts=[partner_a]
    )


@pytest.fixture
def harv(commission, early, partner_b):  # type: ignore[no-untyped-def]
    provider = factories.ProviderFactory(name="HARV")
    return factories.ContractFactory(
        commission=commission, provider=provider, work_stream=early, title="Early Support: B", districts=[partner_b]
    )


def _record(contract, year, quarter, forecast, actual=None):  # type: ignore[no-untyped-def]
    return contract_services.contract_spend_record(
        contract=contract,
        financial_year=year,
        quarter=quarter,
        forecast=Decimal(forecast),
        actual=None if actual is None else Decimal(actual),
        by=None,
    )


def _ledger(commission, kind, year, stream):  # type: ignore[no-untyped-def]
    return ledger.account_for(commission, kind, year=year, work_stream=stream).balance


def _written() -> tuple[int, ...]:
    return (
        Provider.objects.count(),
        Contract.objects.count(),
        ContractValue.objects.count(),
        ContractSpend.objects.count(),
        LedgerTransaction.objects.count(),
        Posting.objects.count(),
    )


# Roll-up to the work-stream ---------------------------------------------------------------------------------


def test_spend_on_two_contracts_rolls_up_to_their_work_stream(commission, years, early, safenet, harv, officer):
    """2013/14 quarter 4: SafeNet forecasts £30,000 and spent £7,500; HARV forecasts £20,000 and spent £5,000.
    Early Support's spend in the ledger is £7,500 + £5,000 = £12,500 and its forecast £30,000 + £20,000 = £50,000."""
    year = years[0]
    first = _record(safenet, year, 4, "30000", "7500")
    second = _record(harv, year, 4, "20000", "5000")
    assert _ledger(commission, Account.Kind.SPEND, year, early) == Decimal("12500.00")
    assert _ledger(commission, Account.Kind.FORECAST, year, early) == Decimal("50000.00")
    assert ledger.account_for(commission, Account.Kind.CASH).balance == Decimal("-12500.00")
    for record in (first, second):
        kinds = sorted(
            LedgerTransaction.objects.filter(source_id=record.pk, source_type__model="contractspend").values_list(
                "kind", flat=True
            )
        )
        assert kinds == [Kind.ACTUAL_SPEND, Kind.FORECAST]
    # The second forecast posting moves the memorandum by HARV's part only: £50,000 − £30,000 = £20,000.
    forecast_tx = LedgerTransaction.objects.filter(kind=Kind.FORECAST).order_by("number")
    assert [p.amount for p in forecast_tx.last().postings.order_by("amount")] == [
        Decimal("-20000.00"),
        Decimal("20000.00"),
    ]
    for tx in LedgerTransaction.objects.all():
        assert sum(p.amount for p in tx.postings.all()) == 0
        assert tx.financial_year == year


def test_a_later_quarter_replaces_the_contracts_forecast_and_adds_its_spend(commission, years, early, safenet):
    """2014/15: Q1 forecast £28,000, spent £7,000; Q2 forecast £26,000, spent £6,500. The year's forecast is the
    latest, £26,000 (not £28,000 + £26,000); spend is £7,000 + £6,500 = £13,500. 2013/14 is untouched."""
    _record(safenet, years[0], 4, "30000", "7500")
    _record(safenet, years[1], 1, "28000", "7000")
    _record(safenet, years[1], 2, "26000", "6500")
    assert _ledger(commission, Account.Kind.FORECAST, years[1], early) == Decimal("26000.00")
    assert _ledger(commission, Account.Kind.SPEND, years[1], early) == Decimal("13500.00")
    assert _ledger(commission, Account.Kind.FORECAST, years[0], early) == Decimal("30000.00")
    assert _ledger(commission, Account.Kind.SPEND, years[0], early) == Decimal("7500.00")


def test_an_earlier_quarter_typed_late_does_not_replace_the_latest_forecast(commission, years, early, safenet):
    """Q3 (£24,000) is typed before Q2 (£27,000): the year's forecast stays Q3's £24,000, and Q2 posts no forecast."""
    _record(safenet, years[1], 3, "24000", "6000")
    late = _record(safenet, years[1], 2, "27000", "6000")
    assert _ledger(commission, Account.Kind.FORECAST, years[1], early) == Decimal("24000.00")
    assert _ledger(commission, Account.Kind.SPEND, years[1], early) == Decimal("12000.00")
    assert list(LedgerTransaction.objects.filter(source_id=late.pk).values_list("kind", flat=True)) == [
        Kind.ACTUAL_SPEND
    ]


def test_a_quarter_with_no_actual_posts_only_the_forecast(commission, years, early, safenet):
    record = _record(safenet, years[0], 4, "30000")
    assert record.actual is None
    assert list(LedgerTransaction.objects.values_list("kind", flat=True)) == [Kind.FORECAST]
    zero = _record(safenet, years[1], 1, "30000", "0")
    assert list(LedgerTransaction.objects.filter(source_id=zero.pk).values_list("kind", flat=True)) == [Kind.FORECAST]


def test_the_ledger_holds_exactly_the_contracts_roll_up(commission, years, early, safenet, harv):
    _record(safenet, years[0], 4, "30000", "7500")
    _record(harv, years[0], 4, "20000", "5000")
    _record(safenet, years[1], 1, "28000", "7000")
    rollup = contract_selectors.contract_spend_rollup(commission)
    assert rollup == {
        (early.pk, years[0].pk): (Decimal("50000.00"), Decimal("12500.00")),
        (early.pk, years[1].pk): (Decimal("28000.00"), Decimal("7000.00")),
    }
    for row in contract_selectors.commitments(commission):
        for line in row.lines:
            assert line.ledger_agrees, (row.year, line.work_stream)


def test_a_ledger_refusal_writes_no_spend_record(monkeypatch, years, safenet):
    """The record, its spend posting and its forecast posting are one transaction: if the ledger refuses the
    forecast, the record and the spend already posted are not kept."""

    def refuse(**kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError("The ledger refused the forecast.")

    monkeypatch.setattr(ledger, "forecast_post", refuse)
    before = _written()
    with pytest.raises(ValidationError, match="refused the forecast"):
        _record(safenet, years[0], 4, "30000", "7500")
    assert _written() == before


# Refusals: nothing written ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year_number", "quarter", "forecast", "actual", "message"),
    [
        (
            1,
            3,
            "1000",
            "100",
            r"Quarter 3 of 2013/14 \(1 October 2013 to 31 December 2013\) is outside Early Support: A, which runs "
            r"from 1 January 2014 to 31 March 2015\.",
        ),
        (
            3,
            1,
            "1000",
            "100",
            r"Quarter 1 of 2015/16 \(1 April 2015 to 30 June 2015\) is outside Early Support: A",
        ),
        (1, 4, "-5", None, r"The forecast cannot be negative; it is -£5\.00\."),
        (1, 4, "1000", "-0.01", r"The actual spend cannot be negative; it is -£0\.01\."),
        (1, 4, "1000.001", None, r"fraction of a penny"),
        (
            1,
            4,
            "7000",
            "7500",
            r"Actual spend on Early Support: A in 2013/14 to the end of quarter 4 is £7,500\.00 \(£0\.00 before and "
            r"£7,500\.00 in the quarter\), more than the forecast outturn of £7,000\.00\.",
        ),
    ],
)
def test_nonsense_spend_is_refused_naming_the_figures(years, safenet, year_number, quarter, forecast, actual, message):
    before = _written()
    with pytest.raises(ValidationError, match=message):
        _record(safenet, years[year_number - 1], quarter, forecast, actual)
    assert _written() == before


def test_actual_to_date_counts_the_earlier_quarters(years, safenet):
    """Q1 spent £6,000 and Q2 £5,000: to the end of Q2 that is £11,000, more than a £10,000 forecast."""
    _record(safenet, years[1], 1, "24000", "6000")
    before = _written()
    with pytest.raises(ValidationError, match=r"is £11,000\.00 \(£6,000\.00 before and £5,000\.00 in the quarter\)"):
        _record(safenet, years[1], 2, "10000", "5000")
    assert _written() == before


def test_a_quarter_is_recorded_once(years, safenet):
    _record(safenet, years[0], 4, "30000", "7500")
    before = _written()
    with pytest.raises(ValidationError, match="Quarter 4 of 2013/14 is already recorded for Early Support: A"):
        _record(safenet, years[0], 4, "30000", "100")
    assert _written() == before


def test_spend_in_a_year_of_another_commission_is_refused(safenet):
    other_year = factories.CommissionFactory().years.get(number=1)
    before = _written()
    with pytest.raises(ValidationError, match=r"2013/14 is not a year of Joint commission \d+, the contract's"):
        _record(safenet, other_year, 4, "1000")
    assert _written() == before


def test_a_contract_ended_early_takes_no_spend_after_its_last_day(years, safenet, officer):
    contract_services.contract_end(
        contract=safenet, ended_on=dt.date(2014, 6, 30), reason="Provider left the consortium.", by=officer
    )
    _record(safenet, years[1], 1, "7000", "7000")  # April to June 2014 is still inside
    before = _written()
    with pytest.raises(ValidationError, match=r"runs from 1 January 2014 to 30 June 2014"):
        _record(safenet, years[1], 2, "7000", "0")
    assert _written() == before


# Contracts and their values ---------------------------------------------------------------------------------


def _create(commission, early, **changes):  # type: ignore[no-untyped-def]
    arguments = {
        "commission": commission,
        "work_stream": early,
        "title": "Early Support: Preston",
        "starts_on": dt.date(2014, 1, 1),
        "ends_on": dt.date(2015, 3, 31),
        "by": None,
    }
    arguments.update(changes)
    if "provider" not in arguments:
        arguments["provider"] = factories.ProviderFactory()
    return contract_services.contract_create(**arguments)


def test_a_contract_is_created_with_its_districts_and_values(commission, years, early, partner_a, partner_b, officer):
    contract = _create(
        commission,
        early,
        districts=[partner_a, partner_b],
        reference="ES/01",
        values={years[0]: Decimal("15000"), years[1]: Decimal("60000")},
        by=officer,
    )
    assert set(contract.districts.all()) == {partner_a, partner_b}
    assert dict(contract.values.values_list("financial_year__number", "value")) == {
        1: Decimal("15000.00"),
        2: Decimal("60000.00"),
    }
    assert contract.created_by == officer
    assert contract.status == Contract.Status.ACTIVE
    assert not LedgerTransaction.objects.exists()  # a value commits; it posts nothing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"work_stream": "other"}, r"Early Support is not a work-stream of Joint commission \d+\."),
        ({"work_stream": "Prevention"}, r"Prevention is not pooled: the pool pays no contract under it\."),
        ({"ends_on": dt.date(2013, 12, 31)}, r"cannot end \(31 December 2013\) before it starts \(1 January 2014\)"),
        (
            {"ends_on": dt.date(2016, 6, 30)},
            r"runs from 1 April 2013 to 31 March 2016; a contract from 1 January 2014 to 30 June 2016 falls outside",
        ),
        ({"districts": "county"}, r"A contract serves district councils; these are not: .* \(county council\)\."),
        ({"values": {3: "1000"}}, r"2015/16 \(1 April 2015 to 31 March 2016\) is outside it, so it can have no value"),
        ({"values": {1: "-1"}}, r"The value for 2013/14 cannot be negative; it is -£1\.00\."),
        ({"values": "other"}, r"2013/14 is not a year of Joint commission \d+ \(2013/14 to 2015/16\)"),
        ({"provider": "ended"}, r"ended on 30 June 2014, before the contract would end \(31 March 2015\)"),
    ],
)
def test_nonsense_contracts_are_refused_and_nothing_is_written(commission, years, early, change, message):
    change = dict(change)
    if change.get("work_stream") == "other":
        change["work_stream"] = factories.WorkStreamFactory(name="Early Support", pooled_share=Decimal("17"))
    elif "work_stream" in change:
        change["work_stream"] = commission.work_streams.get(name=change["work_stream"])
    if change.get("districts") == "county":
        change["districts"] = [commission.host]
    if change.get("values") == "other":
        change["values"] = {factories.CommissionFactory().years.get(number=1): Decimal("1000")}
    elif "values" in change:
        change["values"] = {years[number - 1]: Decimal(value) for number, value in change["values"].items()}
    if change.get("provider") == "ended":
        change["provider"] = factories.ProviderFactory(valid_to=dt.date(2014, 6, 30))
    change.setdefault("provider", factories.ProviderFactory())
    before = _written()
    with pytest.raises(ValidationError, match=message):
        _create(commission, early, **change)
    assert _written() == before


def test_a_reference_is_used_once_in_a_commission(commission, early):
    _create(commission, early, reference="ES/01")
    provider = factories.ProviderFactory()
    before = _written()
    with pytest.raises(ValidationError, match=r"already has a contract with the reference es/01"):
        _create(commission, early, reference="es/01", provider=provider)
    assert _written() == before
    _create(commission, early)  # no reference: any number of them
    _create(commission, early)


def test_values_are_set_and_changed_per_year(years, safenet, officer):
    contract_services.contract_values_set(contract=safenet, values={years[0]: Decimal("15000")}, by=officer)
    contract_services.contract_values_set(
        contract=safenet, values={years[0]: Decimal("14000"), years[1]: Decimal("0")}, by=officer
    )
    assert dict(safenet.values.values_list("financial_year__number", "value")) == {
        1: Decimal("14000.00"),
        2: Decimal("0.00"),
    }
    before = _written()
    with pytest.raises(ValidationError, match=r"2015/16 .* is outside it"):
        contract_services.contract_values_set(
            contract=safenet, values={years[0]: Decimal("1"), years[2]: Decimal("1")}, by=officer
        )
    assert _written() == before
    assert safenet.values.get(financial_year=years[0]).value == Decimal("14000.00")  # the valid year was not kept


def test_ending_a_contract_is_a_transition_that_stamps_who_when_and_why(years, safenet, officer):
    contract_services.contract_values_set(contract=safenet, values={years[1]: Decimal("60000")}, by=officer)
    with pytest.raises(
        ValidationError, match=r"runs from 1 January 2014 to 31 March 2015; it cannot end early on 30 Nov"
    ):
        contract_services.contract_end(contract=safenet, ended_on=dt.date(2013, 11, 30), reason="x", by=officer)
    with pytest.raises(ValidationError, match=r"has a value after 31 March 2014 \(£60,000 for 2014/15\)"):
        contract_services.contract_end(contract=safenet, ended_on=dt.date(2014, 3, 31), reason="x", by=officer)
    with pytest.raises(ValidationError, match="Say why"):
        contract_services.contract_end(contract=safenet, ended_on=dt.date(2014, 9, 30), reason=" ", by=officer)
    ended = contract_services.contract_end(
        contract=safenet, ended_on=dt.date(2014, 9, 30), reason="Merged into HARV.", by=officer
    )
    assert (ended.status, ended.ended_on, ended.ended_by, ended.end_reason) == (
        Contract.Status.ENDED,
        dt.date(2014, 9, 30),
        officer,
        "Merged into HARV.",
    )
    assert ended.ended_at is not None
    with pytest.raises(ValidationError, match="has already ended, on 30 September 2014"):
        contract_services.contract_end(contract=safenet, ended_on=dt.date(2014, 9, 30), reason="x", by=officer)
    with pytest.raises(ValidationError, match=r"2015/16 .* is outside it"):
        contract_services.contract_values_set(contract=safenet, values={years[2]: Decimal("1")}, by=officer)


def test_ending_early_is_refused_with_spend_recorded_after_the_day(years, safenet, officer):
    _record(safenet, years[1], 3, "30000", "6000")
    with pytest.raises(ValidationError, match=r"has spend recorded after 30 June 2014: 2014/15 quarter 3"):
        contract_services.contract_end(contract=safenet, ended_on=dt.date(2014, 6, 30), reason="x", by=officer)


# Providers --------------------------------------------------------------------------------------------------


def test_provider_names_are_unique_whatever_their_capitals(officer):
    contract_services.provider_create(name="Star Centre", kind="charity", by=officer)
    before = _written()
    with pytest.raises(ValidationError, match="There is already a provider called Star Centre"):
        contract_services.provider_create(name="  star   centre ", by=officer)
    assert _written() == before


def test_a_provider_is_ended_not_deleted_and_not_while_a_contract_runs(safenet, officer):
    provider = safenet.provider
    with pytest.raises(ValidationError, match=r"SafeNet has contracts that run after 30 June 2014: Early Support: A "):
        contract_services.provider_end(provider=provider, on=dt.date(2014, 6, 30), by=officer)
    contract_services.provider_end(provider=provider, on=dt.date(2015, 3, 31), by=officer)
    provider.refresh_from_db()
    assert provider.valid_to == dt.date(2015, 3, 31)
    with pytest.raises(ValidationError, match="already ended on 31 March 2015"):
        contract_services.provider_end(provider=provider, on=dt.date(2015, 4, 30), by=officer)


# Committed against allocated --------------------------------------------------------------------------------


def test_committed_is_set_against_the_budget_in_the_ledger(commission, years, early, partner_a, safenet, harv):
    """The 2013/14 pool takes £300,000 and allocates £255,416 to Early Support. SafeNet commits £60,000 and HARV
    £200,000: £260,000 committed, so £255,416 − £260,000 = −£4,584 uncommitted (over-committed)."""
    ledger.pledge_accepted_post(partner=partner_a, financial_year=years[0], amount=Decimal("300000"), by=None)
    ledger.allocation_post(financial_year=years[0], work_stream=early, amount=Decimal("255416"), by=None)
    contract_services.contract_values_set(contract=safenet, values={years[0]: Decimal("60000")}, by=None)
    contract_services.contract_values_set(contract=harv, values={years[0]: Decimal("200000")}, by=None)
    first = contract_selectors.commitments(commission)[0]
    line = next(line for line in first.lines if line.work_stream == early)
    assert (line.allocated, line.committed, line.uncommitted) == (
        Decimal("255416.00"),
        Decimal("260000.00"),
        Decimal("-4584.00"),
    )
    assert line.over_committed
    assert line.contract_count == 2
    assert (first.allocated, first.committed) == (Decimal("255416.00"), Decimal("260000.00"))
    # The four pooled work-streams are there; Prevention, not pooled and without contracts, is not.
    assert [line.work_stream.name for line in first.lines] == [
        "Workforce and Co-ordination",
        "Early Support",
        "Medium and High Risk Support",
        "Perpetrators",
    ]


def _queries(function, *args) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        function(*args)
    return len(captured)


def _grow(commission, years, early, count):  # type: ignore[no-untyped-def]
    for _ in range(count):
        contract = factories.ContractFactory(
            commission=commission,
            work_stream=early,
            districts=list(Partner.objects.filter(kind="district_council")),
            values={years[0]: Decimal("1000"), years[1]: Decimal("4000")},
        )
        _record(contract, years[0], 4, "1000", "250")
        _record(contract, years[1], 1, "4000", "1000")


def test_selectors_take_the_same_few_queries_whatever_the_number_of_contracts(commission, years, early, partner_a):
    _grow(commission, years, early, 1)
    contract = Contract.objects.first()

    def read_all() -> None:
        for contract in contract_selectors.contract_list().filter(commission=commission):
            list(contract.districts.all()), list(contract.values.all())
        for contract in contract_selectors.contracts_running_in(contract_selectors.contract_list(), years[1]):
            list(contract.districts.all())

    contract_selectors.contract_detail(contract)  # fills the content-type cache, as any earlier request would
    small = (
        _queries(contract_selectors.commitments, commission),
        _queries(read_all),
        _queries(contract_selectors.contract_detail, contract),
        _queries(lambda: list(contract_selectors.provider_list())),
    )
    _grow(commission, years, early, 5)
    large = (
        _queries(contract_selectors.commitments, commission),
        _queries(read_all),
        _queries(contract_selectors.contract_detail, contract),
        _queries(lambda: list(contract_selectors.provider_list())),
    )
    assert small == large
    commitments, lists, detail, providers = large
    assert commitments <= 6
    assert lists <= 6
    assert detail <= 5
    assert providers == 1


# Any sequence of spend keeps the ledger equal to the roll-up ------------------------------------------------

quarters = st.lists(
    st.tuples(
        st.sampled_from(["safenet", "harv"]),
        st.sampled_from([(0, 4), (1, 1), (1, 2), (1, 3), (1, 4)]),
        st.integers(min_value=0, max_value=50_000),
        st.one_of(st.none(), st.integers(min_value=0, max_value=20_000)),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=quarters)
def test_any_sequence_of_spend_keeps_the_ledger_equal_to_the_contracts(commission, years, early, safenet, harv, steps):
    contracts = {"safenet": safenet, "harv": harv}
    with transaction.atomic():
        for name, (year_index, quarter), forecast, actual in steps:
            try:
                _record(
                    contracts[name], years[year_index], quarter, str(forecast), None if actual is None else str(actual)
                )
            except ValidationError:
                pass  # refused, and nothing written: the sums below must still hold
        latest: dict[tuple[int, int], tuple[int, Decimal]] = {}
        actual_sum: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
        for record in ContractSpend.objects.all():
            key = (record.contract_id, record.financial_year_id)
            if key not in latest or record.quarter > latest[key][0]:
                latest[key] = (record.quarter, record.forecast)
            actual_sum[record.financial_year_id] += record.actual or 0
        for year in years:
            forecast = sum((f for (_, y), (_, f) in latest.items() if y == year.pk), Decimal("0"))
            assert _ledger(commission, Account.Kind.FORECAST, year, early) == forecast
            assert _ledger(commission, Account.Kind.SPEND, year, early) == actual_sum[year.pk]
        for tx in LedgerTransaction.objects.prefetch_related("postings"):
            assert sum(p.amount for p in tx.postings.all()) == 0
        transaction.set_rollback(True)


# Seed 004's Early Support providers ------------------------------------------------------------------------

LANCASHIRE_DISTRICTS = [
    "Burnley Borough Council",
    "Chorley Council",
    "Fylde Borough Council",
    "Hyndburn Borough Council",
    "Lancaster City Council",
    "Pendle Borough Council",
    "Preston City Council",
    "Ribble Valley Borough Council",
    "Rossendale Borough Council",
    "South Ribble Borough Council",
    "West Lancashire Borough Council",
    "Wyre Council",
]


@pytest.fixture
def lancashire_districts(commission):  # type: ignore[no-untyped-def]
    return [
        factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name)).partner
        for name in LANCASHIRE_DISTRICTS
    ]


def test_demo_providers_transcribe_seed_004(commission, early, lancashire_districts, officer):
    contracts = demo_providers.demo_providers(commission, by=officer)
    served = {
        contract.provider.name: sorted(contract.districts.values_list("name", flat=True)) for contract in contracts
    }
    assert served == {
        "SafeNet": ["Burnley Borough Council", "Lancaster City Council"],
        "Preston Domestic Violence Services": ["Chorley Council", "Preston City Council"],
        "Fylde Coast Women's Aid": ["Fylde Borough Council", "Wyre Council"],
        "HARV": ["Hyndburn Borough Council", "Ribble Valley Borough Council"],
        "Star Centre": ["Rossendale Borough Council"],
        "Progress Care": ["South Ribble Borough Council"],
        "Liberty Centre": ["West Lancashire Borough Council"],
    }
    assert [contract.provider.name for contract in contracts][:2] == ["SafeNet", "Preston Domestic Violence Services"]
    for contract in contracts:
        assert contract.work_stream == early
        assert (contract.starts_on, contract.ends_on) == (dt.date(2014, 1, 1), dt.date(2015, 3, 31))
        assert contract.reference == ""
        assert "no value per year is recorded" in contract.note
        assert "Seed 004" in contract.note
        assert contract.provider.kind == ""  # the seed does not say
    assert contracts[0].title == "Early Support, children and young people: Burnley and Lancaster"
    assert not ContractValue.objects.exists()  # the seed states no values
    # Eleven of the twelve districts are served; the seed names no provider for Pendle.
    covered = set(Partner.objects.filter(contracts_serving__isnull=False).values_list("name", flat=True))
    assert set(LANCASHIRE_DISTRICTS) - covered == {"Pendle Borough Council"}


def test_demo_providers_can_run_again_and_change_nothing(commission, lancashire_districts):
    demo_providers.demo_providers(commission)
    before = _written()
    again = demo_providers.demo_providers(commission)
    assert _written() == before
    assert len(again) == 7


def test_demo_providers_say_which_districts_are_missing(commission):
    factories.PartnerFactory(name="Burnley Borough Council")
    with pytest.raises(ValidationError, match=r"not partners here: Chorley Council, Fylde Borough Council"):
        demo_providers.demo_providers(commission)
    assert not Provider.objects.exists()
