"""providers and contracts under /api/v1/: who may read and write them, money as decimal strings, refusals as 400s
that name the figures and write nothing, spend that reaches the ledger, and list queries that do not grow."""

from __future__ import annotations

import datetime as dt
import json
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
from tests import factories
from tests.api_support import NOT_STAFF, REFUSED_WRITERS, STAFF, assert_money_strings

pytestmark = pytest.mark.django_db

MONEY = frozenset(
    {"value", "committed", "spent", "forecast", "actual", "variance", "allocated", "uncommitted"}
    | {"ledger_forecast", "ledger_actual"}
)


@pytest.fixture
def years(commission):  # type: ignore[no-untyped-def]
    return list(commission.years.order_by("number"))


@pytest.fixture
def early(commission):  # type: ignore[no-untyped-def]
    return commission.work_streams.get(name="Early Support")


@pytest.fixture
def contract(commission, years, early, partner_a):  # type: ignore[no-untyped-def]
    """SafeNet, £15,000 in 2013/14 and £60,000 in 2014/15; 2013/14 Q4 recorded: forecast £15,000, spent £3,750."""
    contract = factories.ContractFactory(
        commission=commission,
        provider=factories.ProviderFactory(name="SafeNet"),
        work_stream=early,
        title="Early Support: Burnley and Lancaster",
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
        Provider.objects.filter(valid_to__isnull=False).count(),
        Contract.objects.filter(status="ended").count(),
    )


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def _reads(commission, contract):  # type: ignore[no-untyped-def]
    return [
        reverse("api:provider-list"),
        reverse("api:provider-detail", args=[contract.provider.pk]),
        reverse("api:contract-list"),
        reverse("api:contract-detail", args=[contract.pk]),
        reverse("api:contract-commitments") + f"?commission={commission.pk}",
    ]


def _writes(commission, contract, early, partner_a):  # type: ignore[no-untyped-def]
    """Each write endpoint with a body the officer may send, and the status it answers."""
    return [
        (reverse("api:provider-list"), {"name": "Star Centre", "kind": "charity"}, 201),
        (
            reverse("api:contract-list"),
            {
                "commission": commission.pk,
                "provider": contract.provider.pk,
                "work_stream": early.pk,
                "title": "Early Support: Preston",
                "districts": [partner_a.pk],
                "starts_on": "2014-01-01",
                "ends_on": "2015-03-31",
                "values": [{"financial_year": "2014/15", "value": "40000.00"}],
            },
            201,
        ),
        (
            reverse("api:contract-values", args=[contract.pk]),
            {"values": [{"financial_year": "2013/14", "value": "14000.00"}]},
            200,
        ),
        (
            reverse("api:contract-spend", args=[contract.pk]),
            {"financial_year": "2014/15", "quarter": 1, "forecast": "58000.00", "actual": "14000.00"},
            201,
        ),
        (
            reverse("api:contract-end", args=[contract.pk]),
            {"ended_on": "2015-03-31", "reason": "Last day of the agreement, noted early."},
            200,
        ),
        (
            reverse("api:provider-end", args=[factories.ProviderFactory(name="Old provider").pk]),
            {"on": "2014-03-31"},
            200,
        ),
    ]


# Who may read and write ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_providers_and_contracts_with_money_as_strings(as_persona, persona, commission, contract):
    client = as_persona(persona)
    checked = 0
    for url in _reads(commission, contract):
        response = client.get(url)
        assert response.status_code == 200, url
        checked += assert_money_strings(response.json(), MONEY)
    assert checked > 10


@pytest.mark.parametrize("persona", NOT_STAFF)
def test_partner_leads_and_outsiders_are_refused(as_persona, persona, commission, contract):
    client = as_persona(persona)
    for url in _reads(commission, contract):
        assert client.get(url).status_code == 403, url


def test_anonymous_callers_get_401(client, commission, contract):
    for url in _reads(commission, contract):
        assert client.get(url).status_code == 401, url


@pytest.mark.parametrize(("persona", "refused"), REFUSED_WRITERS)
def test_only_officers_write_and_a_refused_write_changes_nothing(
    as_persona, persona, refused, commission, contract, early, partner_a
):
    writes = _writes(commission, contract, early, partner_a)
    client = as_persona(persona)
    before = _written()
    for url, body, _ in writes:
        assert _post(client, url, body).status_code == refused, url
    assert _written() == before


def test_officer_writes_through_every_endpoint(as_user, officer, commission, contract, early, partner_a):
    client = as_user(officer)
    for url, body, expected in _writes(commission, contract, early, partner_a):
        response = _post(client, url, body)
        assert response.status_code == expected, (url, response.content)
        assert_money_strings(response.json(), MONEY)


# What they say and write -------------------------------------------------------------------------------------


def test_contract_detail_shows_values_and_the_quarters_with_their_transactions(as_user, auditor, contract):
    """2013/14: value £15,000, forecast £15,000, variance £15,000 − £15,000 = £0.00; spent £3,750."""
    data = as_user(auditor).get(reverse("api:contract-detail", args=[contract.pk])).json()
    assert data["committed"] == "75000.00"
    assert data["spent"] == "3750.00"
    assert [row["name"] for row in data["districts"]] == [contract.districts.get().name]
    assert data["values"] == [
        {"financial_year": "2013/14", "value": "15000.00"},
        {"financial_year": "2014/15", "value": "60000.00"},
    ]
    first = data["years"][0]
    assert (first["financial_year"], first["value"], first["forecast"], first["variance"], first["actual"]) == (
        "2013/14",
        "15000.00",
        "15000.00",
        "0.00",
        "3750.00",
    )
    assert [tx["kind"] for tx in first["quarters"][0]["transactions"]] == ["actual_spend", "forecast"]
    assert [year["financial_year"] for year in data["years"]] == ["2013/14", "2014/15"]


def test_spend_recorded_through_the_api_reaches_the_ledger(as_user, officer, commission, years, early, contract):
    """2014/15 quarter 1: forecast £58,000 and £14,000 paid; Early Support's ledger shows the same."""
    response = _post(
        as_user(officer),
        reverse("api:contract-spend", args=[contract.pk]),
        {"financial_year": "2014/15", "quarter": 1, "forecast": "58000.00", "actual": "14000.00"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["forecast"], body["actual"]) == ("58000.00", "14000.00")
    assert [tx["kind"] for tx in body["transactions"]] == ["actual_spend", "forecast"]
    kinds = Account.Kind
    assert ledger.account_for(commission, kinds.SPEND, year=years[1], work_stream=early).balance == Decimal("14000")
    assert ledger.account_for(commission, kinds.FORECAST, year=years[1], work_stream=early).balance == Decimal("58000")


@pytest.mark.parametrize(
    ("endpoint", "body", "message"),
    [
        (
            "spend",
            {"financial_year": "2013/14", "quarter": 2, "forecast": "1000.00"},
            "Quarter 2 of 2013/14 (1 July 2013 to 30 September 2013) is outside",
        ),
        ("spend", {"financial_year": "2016/17", "quarter": 1, "forecast": "1000.00"}, "has no financial year 2016/17"),
        ("spend", {"financial_year": "2014/15", "quarter": 1, "forecast": "-1.00"}, "The amount cannot be negative."),
        ("spend", {"financial_year": "2014/15", "quarter": 1, "forecast": 1000}, "not a JSON number"),
        (
            "spend",
            {"financial_year": "2014/15", "quarter": 1, "forecast": "1000.00", "actual": "1500.00"},
            "more than the forecast outturn of £1,000.00",
        ),
        (
            "spend",
            {"financial_year": "2013/14", "quarter": 4, "forecast": "1000.00"},
            "Quarter 4 of 2013/14 is already recorded",
        ),
        ("spend", {"financial_year": "2014/15", "quarter": 5, "forecast": "1000.00"}, "less than or equal to 4"),
        (
            "values",
            {"values": [{"financial_year": "2015/16", "value": "1000.00"}]},
            "2015/16 (1 April 2015 to 31 March 2016) is outside it",
        ),
        ("values", {"values": [{"financial_year": "2019/20", "value": "1.00"}]}, "has no financial year 2019/20"),
        ("values", {"values": [{"financial_year": "2013/14", "value": "-1.00"}]}, "The amount cannot be negative."),
        (
            "values",
            {
                "values": [
                    {"financial_year": "2013/14", "value": "1.00"},
                    {"financial_year": "2013/14", "value": "2.00"},
                ]
            },
            "2013/14 is given twice",
        ),
        ("end", {"ended_on": "2013-12-31", "reason": "x"}, "it cannot end early on 31 December 2013"),
        ("end", {"ended_on": "2014-03-31", "reason": "x"}, "has a value after 31 March 2014 (£60,000 for 2014/15)"),
    ],
)
def test_nonsense_is_a_400_that_names_the_figures_and_writes_nothing(
    as_user, officer, contract, endpoint, body, message
):
    before = _written()
    response = _post(as_user(officer), reverse(f"api:contract-{endpoint}", args=[contract.pk]), body)
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json(), ensure_ascii=False), response.content
    assert _written() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"work_stream": "other"}, "is not a work-stream of"),
        ({"work_stream": "Prevention"}, "Prevention is not pooled"),
        ({"districts": "host"}, "A contract serves district councils; these are not"),
        ({"ends_on": "2016-06-30"}, "falls outside it"),
        ({"values": [{"financial_year": "2016/17", "value": "1.00"}]}, "has no financial year 2016/17"),
        ({"values": [{"financial_year": "2015/16", "value": "1.00"}]}, "is outside it, so it can have no value"),
        ({"values": [{"financial_year": "2014/15", "value": "-5.00"}]}, "The amount cannot be negative."),
    ],
)
def test_a_nonsense_contract_is_refused_and_nothing_written(
    as_user, officer, commission, early, partner_a, contract, change, message
):
    body = {
        "commission": commission.pk,
        "provider": contract.provider.pk,
        "work_stream": early.pk,
        "title": "Early Support: Preston",
        "districts": [partner_a.pk],
        "starts_on": "2014-01-01",
        "ends_on": "2015-03-31",
    }
    if change.get("work_stream") == "other":
        change = {"work_stream": factories.WorkStreamFactory(pooled_share=Decimal("100")).pk}
    elif "work_stream" in change:
        change = {"work_stream": commission.work_streams.get(name=change["work_stream"]).pk}
    if change.get("districts") == "host":
        change = {"districts": [commission.host_id]}
    body.update(change)
    before = _written()
    response = _post(as_user(officer), reverse("api:contract-list"), body)
    assert response.status_code == 400, response.content
    assert message in response.content.decode(), response.content
    assert _written() == before


def test_providers_are_refused_twice_and_not_ended_while_a_contract_runs(as_user, officer, contract):
    client = as_user(officer)
    before = _written()
    twice = _post(client, reverse("api:provider-list"), {"name": "SAFENET"})
    assert twice.status_code == 400
    assert "There is already a provider called SafeNet" in twice.content.decode()
    running = _post(client, reverse("api:provider-end", args=[contract.provider.pk]), {"on": "2014-06-30"})
    assert running.status_code == 400
    assert "has contracts that run after 30 June 2014" in running.content.decode()
    assert _written() == before


def test_contracts_filter_by_commission_work_stream_provider_and_year(as_user, auditor, commission, contract):
    perpetrators = commission.work_streams.get(name="Perpetrators")
    later = factories.ContractFactory(
        commission=commission, work_stream=perpetrators, starts_on=dt.date(2015, 4, 1), ends_on=dt.date(2016, 3, 31)
    )
    other = factories.ContractFactory()
    client = as_user(auditor)

    def ids(**params):  # type: ignore[no-untyped-def]
        return {row["id"] for row in client.get(reverse("api:contract-list"), params).json()["results"]}

    assert ids() == {contract.pk, later.pk, other.pk}
    assert ids(commission=commission.pk) == {contract.pk, later.pk}
    assert ids(work_stream=perpetrators.pk) == {later.pk}
    assert ids(provider=contract.provider.pk) == {contract.pk}
    assert ids(commission=commission.pk, financial_year="2015/16") == {later.pk}
    assert ids(commission=commission.pk, financial_year="2014/15") == {contract.pk}
    assert client.get(reverse("api:contract-list"), {"financial_year": "2014/16"}).status_code == 400
    assert client.get(reverse("api:contract-list"), {"provider": "x"}).status_code == 400


def test_commitments_set_contracts_against_the_ledger(as_user, auditor, commission, years, early, partner_a, contract):
    """2013/14: £12,000 allocated to Early Support, £15,000 committed: −£3,000 uncommitted. Forecast £15,000 and
    spend £3,750 roll up from the contract and equal the ledger's."""
    ledger.pledge_accepted_post(partner=partner_a, financial_year=years[0], amount=Decimal("20000"), by=None)
    ledger.allocation_post(financial_year=years[0], work_stream=early, amount=Decimal("12000"), by=None)
    client = as_user(auditor)
    data = client.get(reverse("api:contract-commitments"), {"commission": commission.pk}).json()
    first = data[0]
    line = next(line for line in first["lines"] if line["work_stream"]["name"] == "Early Support")
    assert (line["allocated"], line["committed"], line["uncommitted"]) == ("12000.00", "15000.00", "-3000.00")
    assert (
        (line["forecast"], line["actual"])
        == (line["ledger_forecast"], line["ledger_actual"])
        == (
            "15000.00",
            "3750.00",
        )
    )
    assert (first["allocated"], first["committed"]) == ("12000.00", "15000.00")
    assert client.get(reverse("api:contract-commitments")).status_code == 400
    assert client.get(reverse("api:contract-commitments"), {"commission": 999999}).status_code == 404


def test_lists_take_the_same_queries_however_many_contracts(as_user, auditor, commission, years, early, contract):
    client = as_user(auditor)
    urls = [*_reads(commission, contract), reverse("api:contract-list") + "?financial_year=2014/15"]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured))
        return result

    counts()
    small = counts()
    for _ in range(5):
        more = factories.ContractFactory(
            commission=commission,
            provider=contract.provider,
            work_stream=early,
            districts=list(contract.districts.all()),
            values={years[0]: Decimal("1000")},
        )
        contract_services.contract_spend_record(
            contract=more, financial_year=years[0], quarter=4, forecast=Decimal("1000"), actual=Decimal("100"), by=None
        )
    assert counts() == small
    assert max(small) <= 12, dict(zip(urls, small, strict=True))
