"""The provider and contract pages: who may use them, what they show, what they write, what they refuse (writing
nothing), and how many queries they take."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import contract_services, ledger
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


@pytest.fixture
def years(commission):  # type: ignore[no-untyped-def]
    return list(commission.years.order_by("number"))


@pytest.fixture
def early(commission):  # type: ignore[no-untyped-def]
    return commission.work_streams.get(name="Early Support")


@pytest.fixture
def contract(commission, years, early, partner_a):  # type: ignore[no-untyped-def]
    """SafeNet's Early Support contract for partner A's district, £15,000 in 2013/14 and £60,000 in 2014/15, with
    2013/14 quarter 4 recorded: forecast £15,000, spent £3,750."""
    contract = factories.ContractFactory(
        commission=commission,
        provider=factories.ProviderFactory(name="SafeNet"),
        work_stream=early,
        title="Early Support: Burnley and Lancaster",
        reference="ES/01",
        districts=[partner_a],
        values={years[0]: Decimal("15000"), years[1]: Decimal("60000")},
    )
    contract_services.contract_spend_record(
        contract=contract,
        financial_year=years[0],
        quarter=4,
        forecast=Decimal("15000"),
        actual=Decimal("3750"),
        by=None,
    )
    return contract


def _written() -> tuple[int, ...]:
    return (
        Provider.objects.count(),
        Contract.objects.count(),
        ContractValue.objects.count(),
        ContractSpend.objects.count(),
        LedgerTransaction.objects.count(),
        Posting.objects.count(),
    )


def _read_urls(commission, contract):  # type: ignore[no-untyped-def]
    return [
        reverse("provider-list"),
        reverse("provider-detail", args=[contract.provider.pk]),
        reverse("contract-list", args=[commission.pk]),
        reverse("contract-list", args=[commission.pk]) + f"?work_stream={contract.work_stream.pk}",
        reverse("contract-detail", args=[commission.pk, contract.pk]),
    ]


def _write_urls(commission, contract):  # type: ignore[no-untyped-def]
    return [
        reverse("provider-create"),
        reverse("provider-end", args=[contract.provider.pk]),
        reverse("contract-create", args=[commission.pk]),
        reverse("contract-values", args=[commission.pk, contract.pk]),
        reverse("contract-spend-create", args=[commission.pk, contract.pk]),
        reverse("contract-end", args=[commission.pk, contract.pk]),
    ]


# Who may use the pages ---------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, commission, contract):
    for url in [*_read_urls(commission, contract), *_write_urls(commission, contract)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
        assert client.post(url, {"name": "x"}).status_code == 302, url


@pytest.mark.parametrize("persona", ["outsider", "lead_a", "lead_b"])
def test_outsiders_and_partner_leads_are_refused_every_page(request, as_user, persona, commission, contract):
    client = as_user(request.getfixturevalue(persona))
    before = _written()
    for url in [*_read_urls(commission, contract), *_write_urls(commission, contract)]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Intruder", "quarter": "1", "forecast": "1"}).status_code == 403, url
    assert _written() == before


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_readers_see_every_page_but_change_nothing(request, as_user, persona, commission, contract):
    client = as_user(request.getfixturevalue(persona))
    for url in _read_urls(commission, contract):
        assert client.get(url).status_code == 200, url
    before = _written()
    for url in _write_urls(commission, contract):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Reader", "on": "31/3/2015"}).status_code == 403, url
    assert _written() == before
    page = client.get(reverse("contract-detail", args=[commission.pk, contract.pk])).content.decode()
    assert "Record spend" not in page
    assert "Set the values per year" not in page


def test_officer_reaches_every_page(as_user, officer, commission, contract):
    client = as_user(officer)
    for url in [*_read_urls(commission, contract), *_write_urls(commission, contract)]:
        assert client.get(url).status_code == 200, url


def test_a_contract_of_another_commission_is_not_found(as_user, officer, contract):
    other = factories.CommissionFactory()
    client = as_user(officer)
    for name in ("contract-detail", "contract-values", "contract-spend-create", "contract-end"):
        assert client.get(reverse(name, args=[other.pk, contract.pk])).status_code == 404, name


def test_the_commission_pages_link_to_providers_and_contracts(as_user, auditor, commission):
    page = as_user(auditor).get(reverse("commission-detail", args=[commission.pk])).content.decode()
    assert reverse("contract-list", args=[commission.pk]) in page
    assert "Providers and contracts" in page


# What they show ------------------------------------------------------------------------------------------------


def test_contract_page_shows_values_districts_and_spend(as_user, auditor, commission, contract, partner_a):
    """Committed £15,000 + £60,000 = £75,000; 2013/14 variance £15,000 − £15,000 = £0; spent £3,750."""
    page = as_user(auditor).get(reverse("contract-detail", args=[commission.pk, contract.pk])).content.decode()
    for text in ("SafeNet", partner_a.name, "ES/01", "£15,000", "£60,000", "£75,000", "£3,750", "Q4"):
        assert text in page, text
    assert "#1 actual spend" in page
    assert "#2 forecast spend" in page


def test_contract_list_filters_by_work_stream_and_year(as_user, auditor, commission, years, contract):
    other_stream = commission.work_streams.get(name="Perpetrators")
    factories.ContractFactory(
        commission=commission,
        work_stream=other_stream,
        title="Perpetrator programme 2015",
        starts_on=dt.date(2015, 4, 1),
        ends_on=dt.date(2016, 3, 31),
    )
    client = as_user(auditor)
    url = reverse("contract-list", args=[commission.pk])
    everything = client.get(url).content.decode()
    assert "Early Support: Burnley and Lancaster" in everything
    assert "Perpetrator programme 2015" in everything
    by_stream = client.get(url, {"work_stream": other_stream.pk}).content.decode()
    assert "Early Support: Burnley and Lancaster" not in by_stream
    assert "Perpetrator programme 2015" in by_stream
    in_2014 = client.get(url, {"year": years[1].pk}).content.decode()
    assert "Early Support: Burnley and Lancaster" in in_2014
    assert "Perpetrator programme 2015" not in in_2014
    assert "Value 2014/15" in in_2014
    assert "£60,000" in in_2014
    wrong = client.get(url, {"year": "999999"})
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.content.decode()


def test_contract_list_sets_committed_against_the_budget_in_the_ledger(
    as_user, auditor, commission, years, early, partner_a, contract
):
    """The 2013/14 pool takes £20,000, of which £12,000 goes to Early Support; the contract commits £15,000:
    £12,000 − £15,000 = −£3,000 uncommitted, over-committed."""
    ledger.pledge_accepted_post(partner=partner_a, financial_year=years[0], amount=Decimal("20000"), by=None)
    ledger.allocation_post(financial_year=years[0], work_stream=early, amount=Decimal("12000"), by=None)
    page = as_user(auditor).get(reverse("contract-list", args=[commission.pk])).content.decode()
    for text in ("£12,000", "£15,000", "-£3,000", "over-committed", "£3,750"):
        assert text in page, text


def test_provider_pages_list_providers_and_their_contracts(as_user, auditor, contract):
    client = as_user(auditor)
    listing = client.get(reverse("provider-list")).content.decode()
    assert "SafeNet" in listing
    assert "Charity" not in listing  # the kind's label is "Registered charity"
    assert "Registered charity" in listing
    detail = client.get(reverse("provider-detail", args=[contract.provider.pk])).content.decode()
    assert "Early Support: Burnley and Lancaster" in detail
    assert "£75,000" in detail


# What the officer writes --------------------------------------------------------------------------------------


def test_officer_adds_a_provider(as_user, officer):
    response = as_user(officer).post(
        reverse("provider-create"),
        {"name": "Star Centre", "kind": "charity", "registered_number": "1100000", "contact_email": "a@example.org"},
    )
    provider = Provider.objects.get(name="Star Centre")
    assert response.status_code == 302
    assert response["Location"] == reverse("provider-detail", args=[provider.pk])
    assert (provider.kind, provider.registered_number) == ("charity", "1100000")


def test_a_provider_named_twice_is_refused_on_the_form(as_user, officer, contract):
    before = _written()
    response = as_user(officer).post(reverse("provider-create"), {"name": "safenet"})
    assert response.status_code == 200
    assert "There is already a provider called SafeNet" in response.content.decode()
    assert _written() == before


def test_officer_adds_a_contract_with_districts_and_values(as_user, officer, commission, years, early, partner_a):
    provider = factories.ProviderFactory(name="HARV")
    response = as_user(officer).post(
        reverse("contract-create", args=[commission.pk]),
        {
            "provider": provider.pk,
            "work_stream": early.pk,
            "title": "Early Support: Hyndburn and Ribble Valley",
            "reference": "ES/04",
            "districts": [partner_a.pk],
            "starts_on": "1/1/2014",
            "ends_on": "31 March 2015",
            f"value_{years[0].pk}": "£12,500",
            f"value_{years[1].pk}": "50,000.00",
            f"value_{years[2].pk}": "",
        },
    )
    contract = Contract.objects.get(reference="ES/04")
    assert response.status_code == 302
    assert response["Location"] == reverse("contract-detail", args=[commission.pk, contract.pk])
    assert list(contract.districts.all()) == [partner_a]
    assert dict(contract.values.values_list("financial_year__number", "value")) == {
        1: Decimal("12500.00"),
        2: Decimal("50000.00"),
    }
    assert (contract.starts_on, contract.ends_on, contract.created_by) == (
        dt.date(2014, 1, 1),
        dt.date(2015, 3, 31),
        officer,
    )


def test_a_contract_with_a_value_outside_its_dates_is_refused_and_nothing_written(
    as_user, officer, commission, years, early
):
    provider = factories.ProviderFactory(name="HARV")
    before = _written()
    response = as_user(officer).post(
        reverse("contract-create", args=[commission.pk]),
        {
            "provider": provider.pk,
            "work_stream": early.pk,
            "title": "Early Support: Hyndburn",
            "starts_on": "1/1/2014",
            "ends_on": "31/3/2015",
            f"value_{years[2].pk}": "1000",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "2015/16 (1 April 2015 to 31 March 2016) is outside it" in page
    assert _written() == before


def test_a_contract_form_with_bad_dates_and_money_is_refused(as_user, officer, commission, years, early):
    provider = factories.ProviderFactory()
    before = _written()
    response = as_user(officer).post(
        reverse("contract-create", args=[commission.pk]),
        {
            "provider": provider.pk,
            "work_stream": early.pk,
            "title": "x",
            "starts_on": "next week",
            "ends_on": "31/3/2015",
            f"value_{years[0].pk}": "12.345",
        },
    )
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert _written() == before


def test_officer_records_spend_and_it_is_posted(as_user, officer, commission, years, early, contract):
    """2014/15 quarter 1: forecast £58,000 and £14,000 paid. Early Support's 2014/15 spend in the ledger is
    £14,000 and its forecast £58,000."""
    response = as_user(officer).post(
        reverse("contract-spend-create", args=[commission.pk, contract.pk]),
        {"financial_year": years[1].pk, "quarter": "1", "forecast": "58,000", "actual": "14000"},
    )
    assert response.status_code == 302
    kinds = Account.Kind
    spend = ledger.account_for(commission, kinds.SPEND, year=years[1], work_stream=early).balance
    forecast = ledger.account_for(commission, kinds.FORECAST, year=years[1], work_stream=early).balance
    assert (spend, forecast) == (Decimal("14000.00"), Decimal("58000.00"))
    assert LedgerTransaction.objects.filter(posted_by=officer).count() == 2


def test_spend_outside_the_contracts_dates_is_refused_on_the_form(as_user, officer, commission, years, contract):
    before = _written()
    response = as_user(officer).post(
        reverse("contract-spend-create", args=[commission.pk, contract.pk]),
        {"financial_year": years[2].pk, "quarter": "1", "forecast": "1000", "actual": "100"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quarter 1 of 2015/16 (1 April 2015 to 30 June 2015) is outside" in page
    assert _written() == before


def test_negative_spend_is_refused_on_the_form(as_user, officer, commission, years, contract):
    before = _written()
    response = as_user(officer).post(
        reverse("contract-spend-create", args=[commission.pk, contract.pk]),
        {"financial_year": years[1].pk, "quarter": "2", "forecast": "-10", "actual": ""},
    )
    assert response.status_code == 200
    assert "The forecast cannot be negative; it is -£10.00." in response.content.decode()
    assert _written() == before


def test_officer_changes_the_values_per_year(as_user, officer, commission, years, contract):
    response = as_user(officer).post(
        reverse("contract-values", args=[commission.pk, contract.pk]),
        {f"value_{years[0].pk}": "14,000", f"value_{years[1].pk}": "60000"},
    )
    assert response.status_code == 302
    assert contract.values.get(financial_year=years[0]).value == Decimal("14000.00")
    # 2015/16 is after the contract's end: the form offers no field for it.
    page = as_user(officer).get(reverse("contract-values", args=[commission.pk, contract.pk])).content.decode()
    assert "Value in 2015/16" not in page


def test_officer_ends_a_contract_early_and_the_provider_after_it(as_user, officer, commission, years, contract):
    client = as_user(officer)
    refused = client.post(reverse("provider-end", args=[contract.provider.pk]), {"on": "30/6/2014"})
    assert refused.status_code == 200
    assert "has contracts that run after 30 June 2014" in refused.content.decode()
    client.post(reverse("contract-values", args=[commission.pk, contract.pk]), {f"value_{years[1].pk}": "15000"})
    ended = client.post(
        reverse("contract-end", args=[commission.pk, contract.pk]),
        {"ended_on": "30/6/2014", "reason": "Service moved to another provider."},
    )
    assert ended.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.ended_on, contract.ended_by) == ("ended", dt.date(2014, 6, 30), officer)
    assert client.post(reverse("provider-end", args=[contract.provider.pk]), {"on": "30/6/2014"}).status_code == 302
    contract.provider.refresh_from_db()
    assert contract.provider.valid_to == dt.date(2014, 6, 30)


# Queries ------------------------------------------------------------------------------------------------------


def _queries(client, url) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_contracts(commission, years, early, count, provider):  # type: ignore[no-untyped-def]
    districts = list(Partner.objects.filter(kind="district_council"))
    for _ in range(count):
        contract = factories.ContractFactory(
            commission=commission,
            provider=provider,
            work_stream=early,
            districts=districts,
            values={years[0]: Decimal("1000"), years[1]: Decimal("4000")},
        )
        for year, quarter in ((years[0], 4), (years[1], 1), (years[1], 2)):
            contract_services.contract_spend_record(
                contract=contract,
                financial_year=year,
                quarter=quarter,
                forecast=Decimal("4000"),
                actual=Decimal("500"),
                by=None,
            )


def test_pages_take_the_same_few_queries_whatever_the_number_of_contracts(
    as_user, auditor, commission, years, early, contract
):
    client = as_user(auditor)
    urls = [
        *_read_urls(commission, contract),
        reverse("contract-list", args=[commission.pk]) + f"?year={years[1].pk}",
    ]
    for url in urls:
        client.get(url)  # sessions, content types and permissions cached, as for any signed-in reader
    small = [_queries(client, url) for url in urls]
    _more_contracts(commission, years, early, 6, contract.provider)
    large = [_queries(client, url) for url in urls]
    assert small == large
    assert max(large) <= 20, dict(zip(urls, large, strict=True))
