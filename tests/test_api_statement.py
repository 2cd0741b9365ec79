"""The API's `transactions`, and each commission's `statement` and `plan-versions`: who may use them, money as
strings, filters, refusals that write nothing, and query counts that do not grow with the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning import ledger
from commissioning.models import FundingPlanVersion
from reports.services import plan_version_freeze
from tests import factories
from tests.api_support import MONEY_KEYS, NOT_STAFF, REFUSED_WRITERS, STAFF, assert_money_strings
from tests.statement_support import build_book

pytestmark = pytest.mark.django_db

STATEMENT_MONEY = MONEY_KEYS | {
    "pledged",
    "invoiced",
    "received",
    "outstanding",
    "drawn",
    "carried_in_total",
    "income",
    "allocated",
    "carried_forward",
    "unallocated",
    "requested",
    "secured",
    "provisional",
    "plan",
    "shortfall",
    "arrears_total",
    "before",
    "after",
    "change",
}


@pytest.fixture
def book(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    return build_book(commission, partner_a, partner_b, officer)


@pytest.fixture
def version(book, officer):  # type: ignore[no-untyped-def]
    return plan_version_freeze(commission=book.commission, label="Initial approval", by=officer)


def _urls(commission, version):  # type: ignore[no-untyped-def]
    pk = commission.pk
    return [
        reverse("api:transaction-list"),
        reverse("api:transaction-detail", args=[commission.ledger_transactions.first().pk]),
        reverse("api:commission-statement", args=[pk]),
        reverse("api:commission-plan-versions", args=[pk]),
        reverse("api:commission-plan-version", args=[pk, version.number]),
        reverse("api:commission-plan-movements", args=[pk]) + f"?before={version.number}&after=current",
    ]


# Who may use them ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_transactions_statement_and_plan_versions(as_persona, persona, book, version):
    client = as_persona(persona)
    for url in _urls(book.commission, version):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", NOT_STAFF)
def test_partner_leads_and_outsiders_are_refused(as_persona, persona, book, version):
    client = as_persona(persona)
    for url in _urls(book.commission, version):
        assert client.get(url).status_code == 403, url


def test_anonymous_callers_are_asked_for_a_token(client, book, version):
    for url in _urls(book.commission, version):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("persona", "status"), REFUSED_WRITERS)
def test_only_officers_freeze_the_plan(as_persona, persona, status, book):
    url = reverse("api:commission-plan-versions", args=[book.commission.pk])
    response = as_persona(persona).post(url, {"label": "Mine"}, content_type="application/json")
    assert response.status_code == status
    assert not FundingPlanVersion.objects.exists()


def test_the_ledger_cannot_be_written_through_the_api(as_user, officer, book):
    url = reverse("api:transaction-list")
    assert as_user(officer).post(url, {}, content_type="application/json").status_code == 405
    detail = reverse("api:transaction-detail", args=[book.reversal.pk])
    # No one holds the delete permission, so DRF refuses before it would say the method is not allowed.
    assert as_user(officer).delete(detail).status_code == 403
    assert as_user(officer).patch(detail, {}, content_type="application/json").status_code == 405
    assert book.commission.ledger_transactions.filter(pk=book.reversal.pk).exists()


def test_another_commissions_statement_or_a_missing_one_is_404(as_user, auditor, book):
    assert as_user(auditor).get(reverse("api:commission-statement", args=[book.commission.pk + 99])).status_code == 404


# Transactions -------------------------------------------------------------------------------------------------


def test_a_transaction_reads_with_its_postings_source_and_reversal(as_user, auditor, book):
    data = as_user(auditor).get(reverse("api:transaction-detail", args=[book.reversed_pledge.pk])).json()
    assert (data["kind"], data["financial_year"], data["date"]) == ("pledge_accepted", "2014/15", "2013-11-12")
    assert data["reversed_by"] == book.reversal.number
    assert sorted(posting["amount"] for posting in data["postings"]) == ["-12500.00", "12500.00"]
    pledged = next(posting for posting in data["postings"] if posting["account"]["kind"] == "pledged")
    assert (pledged["account"]["partner"], pledged["account"]["financial_year"]) == (book.partner_b.pk, "2014/15")
    reversal = as_user(auditor).get(reverse("api:transaction-detail", args=[book.reversal.pk])).json()
    assert reversal["reverses"] == book.reversed_pledge.number
    opening = as_user(auditor).get(reverse("api:transaction-list"), {"kind": "reserve_opening"}).json()["results"][0]
    assert opening["source"] == {"type": "commissioning.reserve", "id": book.reserve.pk}
    assert_money_strings(data, STATEMENT_MONEY)


@pytest.mark.parametrize(
    ("params", "kinds"),
    [
        ({"financial_year": "2015/16"}, ["carry_forward", "pledge_accepted"]),
        ({"kind": "reversal"}, ["reversal"]),
        ({"financial_year": "2014/15", "kind": "reserve_drawdown"}, ["reserve_drawdown"]),
    ],
)
def test_transactions_filter_by_year_and_kind(as_user, manager, book, params, kinds):
    results = as_user(manager).get(reverse("api:transaction-list"), params).json()["results"]
    assert sorted(tx["kind"] for tx in results) == kinds


def test_transactions_filter_by_partner_work_stream_and_commission(as_user, manager, book):
    client, url = as_user(manager), reverse("api:transaction-list")
    other = factories.CommissionFactory()
    stranger = factories.MembershipFactory(commission=other).partner
    ledger.pledge_accepted_post(partner=stranger, financial_year=other.years.first(), amount=Decimal("5"), by=None)
    mine = client.get(url, {"commission": book.commission.pk}).json()
    assert mine["count"] == book.commission.ledger_transactions.count()
    a = client.get(url, {"partner": book.partner_a.pk}).json()["results"]
    assert (
        sorted(tx["kind"] for tx in a)
        == ["contribution_invoiced"] * 2 + ["contribution_received"] * 2 + ["pledge_accepted"] * 2
    )
    perpetrators = client.get(url, {"work_stream": book.streams["Perpetrators"].pk}).json()["results"]
    assert sorted(tx["kind"] for tx in perpetrators) == ["actual_spend", "allocation", "carry_forward", "forecast"]
    assert [tx["commission"] for tx in client.get(url, {"partner": stranger.pk}).json()["results"]] == [other.pk]


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"financial_year": "2013/15"}, "financial_year", "is not a financial year"),
        ({"kind": "gift"}, "kind", "'gift' is not a kind of transaction"),
        ({"partner": "A"}, "partner", "'A' is not an id"),
        ({"work_stream": "-1"}, "work_stream", "'-1' is not an id"),
    ],
)
def test_a_transaction_filter_that_makes_no_sense_is_a_400(as_user, auditor, book, params, field, says):
    response = as_user(auditor).get(reverse("api:transaction-list"), params)
    assert response.status_code == 400
    assert says in response.json()[field][0]


def test_transaction_list_queries_are_flat_in_the_number_of_transactions(
    as_user, auditor, book, django_assert_max_num_queries
):
    client, url = as_user(auditor), reverse("api:transaction-list")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    stream = book.streams["Prevention"]
    for _ in range(30):
        ledger.actual_spend_post(financial_year=book.years[0], work_stream=stream, amount=Decimal("1"), by=None)
    posted = book.commission.ledger_transactions.count()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).json()["results"]) == posted


# The statement --------------------------------------------------------------------------------------------------


def test_the_statement_reads_as_the_hand_checked_table(as_user, auditor, book):
    """See test_statement: 2013/14 income £19,000, allocated £19,000, variance £3,550; arrears £35,000."""
    data = as_user(auditor).get(reverse("api:commission-statement", args=[book.commission.pk])).json()
    assert assert_money_strings(data, STATEMENT_MONEY) > 50
    first = data["years"][0]
    assert first["financial_year"] == "2013/14"
    assert (first["income"], first["allocated"], first["variance"], first["unallocated"]) == (
        "19000.00",
        "19000.00",
        "3550.00",
        "0.00",
    )
    b = next(line for line in first["partners"] if line["partner"]["id"] == book.partner_b.pk)
    assert (b["pledged"], b["received"], b["outstanding"]) == ("12000.00", "5000.00", "7000.00")
    perpetrators = next(line for line in first["work_streams"] if line["work_stream"]["name"] == "Perpetrators")
    assert (perpetrators["forecast"], perpetrators["actual"], perpetrators["carried_forward"]) == (
        "500.00",
        "400.00",
        "1400.00",
    )
    assert first["position"] == {
        "requested": "0.00",
        "secured": "19000.00",
        "provisional": "0.00",
        "plan": None,
        "shortfall": None,
    }
    assert data["arrears_total"] == "35000.00"
    assert data["years"][2]["carried_in"] == [
        {"from_year": "2013/14", "amount": "2400.00", "secured_from": None, "note": ""}
    ]


def test_the_statement_narrows_to_a_year_or_says_why_not(as_user, auditor, book):
    url = reverse("api:commission-statement", args=[book.commission.pk])
    data = as_user(auditor).get(url, {"financial_year": "2014/15"}).json()
    assert [year["financial_year"] for year in data["years"]] == ["2014/15"]
    assert data["years"][0]["drawdowns"] == [
        {
            "reserve": {"id": book.reserve.pk, "name": "Crime and Disorder reserve"},
            "amount": "321000.00",
            "secured_from": None,
            "note": "",
        }
    ]
    response = as_user(auditor).get(url, {"financial_year": "2019/20"})
    assert response.status_code == 400
    assert "has no financial year 2019/20" in response.json()["financial_year"][0]
    assert as_user(auditor).get(url, {"financial_year": "19/20"}).status_code == 400


def test_statement_queries_do_not_grow_with_the_ledger(as_user, auditor, book, django_assert_max_num_queries):
    client, url = as_user(auditor), reverse("api:commission-statement", args=[book.commission.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(20):
        ledger.pledge_accepted_post(partner=book.partner_a, financial_year=book.years[2], amount=Decimal("1"), by=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# Plan versions ---------------------------------------------------------------------------------------------------


def test_officer_freezes_the_plan_and_reads_it_back(as_user, officer, auditor, book):
    url = reverse("api:commission-plan-versions", args=[book.commission.pk])
    body = {"label": "Initial approval", "decision_reference": "PCC036/18"}
    response = as_user(officer).post(url, body, content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert (data["number"], data["label"], data["decision_reference"], data["frozen_by"]) == (
        1,
        "Initial approval",
        "PCC036/18",
        officer.username,
    )
    assert data["snapshot_intact"] is True
    assert data["snapshot"]["position"]["secured"] == {
        "2013/14": "19000.00",
        "2014/15": "340000.00",
        "2015/16": "14400.00",
    }
    listed = as_user(auditor).get(url).json()
    assert [version["number"] for version in listed] == [1]
    assert "snapshot" not in listed[0]
    detail = as_user(auditor).get(reverse("api:commission-plan-version", args=[book.commission.pk, 1])).json()
    assert detail["snapshot_sha256"] == data["snapshot_sha256"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "label"),
        ({"label": "   "}, "label"),
        ({"label": "Fine", "decision_reference": "r" * 101}, "decision_reference"),
    ],
)
def test_a_freeze_without_a_label_is_a_400_and_writes_nothing(as_user, officer, book, body, field):
    url = reverse("api:commission-plan-versions", args=[book.commission.pk])
    response = as_user(officer).post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not FundingPlanVersion.objects.exists()


def test_a_missing_version_is_404(as_user, auditor, version):
    url = reverse("api:commission-plan-version", args=[version.commission_id, 2])
    assert as_user(auditor).get(url).status_code == 404


def test_movements_between_two_versions(as_user, auditor, officer, book, version):
    """£2,000 more drawn into 2015/16 after version 1: the reserve's line moves £321,000 → £323,000 in all."""
    ledger.reserve_drawdown_post(reserve=book.reserve, financial_year=book.years[2], amount=Decimal("2000"), by=officer)
    plan_version_freeze(commission=book.commission, label="After the drawdown", by=officer)
    url = reverse("api:commission-plan-movements", args=[book.commission.pk])
    data = as_user(auditor).get(url, {"before": "1", "after": "2"}).json()
    assert data["changed"] is True
    reserves = next(group for group in data["groups"] if group["key"] == "reserves")
    assert reserves["changes"] == [
        {
            "name": "Crime and Disorder reserve",
            "financial_year": "2015/16",
            "figure": "drawn",
            "before": "0.00",
            "after": "2000.00",
            "change": "2000.00",
        }
    ]
    assert reserves["totals"] == [{"figure": "drawn", "before": "321000.00", "after": "323000.00", "change": "2000.00"}]
    assert_money_strings(data, STATEMENT_MONEY)
    now = as_user(auditor).get(url, {"before": "2", "after": "current"}).json()
    assert now["changed"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [({"before": "1", "after": "1"}, "after"), ({"before": "5", "after": "current"}, "before"), ({}, "before")],
)
def test_movements_between_versions_that_do_not_exist_are_a_400(as_user, auditor, version, params, field):
    url = reverse("api:commission-plan-movements", args=[version.commission_id])
    response = as_user(auditor).get(url, params)
    assert response.status_code == 400
    assert field in response.json()
