"""The fund statement, transactions, plan-version and partner-statement pages: who may use them, what they show,
what they refuse, and how many queries they take."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.services import year_budget_set
from commissioning import ledger, ledger_views
from commissioning.models import FundingPlanVersion
from reports.services import plan_version_freeze
from tests import factories
from tests.statement_support import build_book

pytestmark = pytest.mark.django_db

STAFF = ("officer", "manager", "auditor")
REFUSED = ("lead_a", "lead_b", "outsider")


@pytest.fixture
def book(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    return build_book(commission, partner_a, partner_b, officer)


@pytest.fixture
def version(book, officer):  # type: ignore[no-untyped-def]
    return plan_version_freeze(commission=book.commission, label="Initial approval", by=officer)


def _read_urls(commission, version):  # type: ignore[no-untyped-def]
    pk = commission.pk
    return [
        reverse("fund-statement", args=[pk]),
        reverse("transaction-list", args=[pk]),
        reverse("plan-version-list", args=[pk]),
        reverse("plan-version-detail", args=[pk, version.number]),
        reverse("plan-movements", args=[pk]) + f"?before={version.number}&after=current",
    ]


def _text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text with tags and runs of white space taken out, to look for phrases in."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# Who may see what --------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, book, version):
    for url in [*_read_urls(book.commission, version), reverse("plan-version-freeze", args=[book.commission.pk])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", REFUSED)
def test_partner_leads_and_outsiders_are_refused_the_commission_pages(as_persona, persona, book, version):
    client = as_persona(persona)
    for url in [*_read_urls(book.commission, version), reverse("plan-version-freeze", args=[book.commission.pk])]:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_every_page(as_persona, persona, book, version):
    client = as_persona(persona)
    for url in _read_urls(book.commission, version):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_only_officers_freeze_the_plan(as_persona, persona, book):
    url = reverse("plan-version-freeze", args=[book.commission.pk])
    client = as_persona(persona)
    assert client.get(url).status_code == 403
    assert client.post(url, {"label": "Mine"}).status_code == 403
    assert not FundingPlanVersion.objects.exists()
    assert "Freeze the plan" not in client.get(reverse("plan-version-list", args=[book.commission.pk])).content.decode()


def test_pages_of_a_missing_commission_or_version_are_not_found(as_user, officer, book, version):
    assert as_user(officer).get(reverse("fund-statement", args=[book.commission.pk + 99])).status_code == 404
    assert as_user(officer).get(reverse("transaction-list", args=[book.commission.pk + 99])).status_code == 404
    assert as_user(officer).get(reverse("plan-version-detail", args=[book.commission.pk, 99])).status_code == 404


def test_the_commission_pages_link_to_the_statement_transactions_and_plan_versions(as_user, auditor, commission):
    page = as_user(auditor).get(reverse("commission-detail", args=[commission.pk])).content.decode()
    for name, text in (
        ("fund-statement", "Fund statement"),
        ("transaction-list", "Transactions"),
        ("plan-version-list", "Plan versions"),
    ):
        assert f'href="{reverse(name, args=[commission.pk])}">{text}</a>' in page


# The fund statement ---------------------------------------------------------------------------------------------


def test_the_statement_page_shows_the_hand_checked_figures(as_user, manager, book):
    """See test_statement for the arithmetic: 2013/14 income £19,000, variance £3,550; arrears £35,000."""
    response = as_user(manager).get(reverse("fund-statement", args=[book.commission.pk]), {"year": "2013"})
    assert response.status_code == 200
    text = _text(response)
    assert "Income by source, 2013/14" in text
    assert "Income of the year £19,000 £19,000 £12,000 £7,000" in text
    assert "Totals (sums of the lines) £19,000 £15,450 £3,550 £6,400 £2,400" in text
    assert "Total outstanding £35,000" in text
    assert "2014/15 Not set £0 £340,000 £0 –" in text
    response = as_user(manager).get(reverse("fund-statement", args=[book.commission.pk]), {"year": "2014"})
    text = _text(response)
    assert "Drawn from Crime and Disorder reserve £321,000" in text
    assert "Balance: the pool not yet allocated £140,000" in text
    text = _text(as_user(manager).get(reverse("fund-statement", args=[book.commission.pk]), {"year": "2015"}))
    assert "Carried forward from 2013/14 £2,400" in text


def test_the_statement_shows_a_surplus_as_one(as_user, officer, book):
    """2013/14: plan £18,000 − secured £19,000 − provisional £0 = −£1,000, a surplus of £1,000."""
    year_budget_set(financial_year=book.years[0], amount=Decimal("18000"), by=officer)
    text = _text(as_user(officer).get(reverse("fund-statement", args=[book.commission.pk])))
    assert "2013/14 £18,000 £0 £19,000 £0 Surplus of £1,000" in text


def test_an_unknown_year_on_the_statement_is_an_error_summary(as_user, auditor, book):
    response = as_user(auditor).get(reverse("fund-statement", args=[book.commission.pk]), {"year": "2020"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Select one of the commission&#x27;s financial years" in page
    assert "Income by source" not in page


def test_statement_page_queries_do_not_grow_with_the_ledger(
    as_user, auditor, commission, partner_a, django_assert_max_num_queries
):
    client = as_user(auditor)
    url = reverse("fund-statement", args=[commission.pk])
    client.get(url)
    year, stream = commission.years.get(number=1), commission.work_streams.get(name="Perpetrators")
    counts = []
    for times in (1, 25):
        for _ in range(times):
            ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("10"), by=None)
            ledger.allocation_post(financial_year=year, work_stream=stream, amount=Decimal("10"), by=None)
        with django_assert_max_num_queries(15) as captured:
            assert client.get(url, {"year": "2013"}).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# Transactions ---------------------------------------------------------------------------------------------------


def test_the_transaction_list_shows_each_transaction_with_its_postings_and_source(as_user, auditor, book):
    response = as_user(auditor).get(reverse("transaction-list", args=[book.commission.pk]))
    text = _text(response)
    assert f"{book.commission.ledger_transactions.count()} transactions." in text
    assert f"Reversed by number {book.reversal.number}" in text
    assert f"Reverses number {book.reversed_pledge.number}" in text
    assert f"Pledged, not yet invoiced: {book.partner_b.name}, 2014/15: credit £12,500" in text
    assert "Reference: Cabinet member decision, November 2013" in text
    # The reserve's opening balance names the reserve as its source, linked to it in the admin.
    reserve_url = reverse("admin:commissioning_reserve_change", args=[book.reserve.pk])
    assert f'<a class="govuk-link" href="{reserve_url}">Reserve {book.reserve.pk}</a>' in response.content.decode()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # 2015/16: B's pledge, and the carry-forward from 2013/14 that posts into 2015/16's pool.
        ({"year": "2015"}, {"pledge_accepted": 1, "carry_forward": 1}),
        ({"kind": "reversal"}, {"reversal": 1}),
        # Perpetrators: its allocation, forecast, spend and the carry-forward of its underspend.
        ({"work_stream": "perpetrators"}, {"allocation": 1, "forecast": 1, "actual_spend": 1, "carry_forward": 1}),
        # A: pledges (2013/14, 2014/15), invoices and receipts of both years.
        ({"partner": "a"}, {"pledge_accepted": 2, "contribution_invoiced": 2, "contribution_received": 2}),
        ({"partner": "a", "year": "2014", "kind": "contribution_received"}, {"contribution_received": 1}),
    ],
)
def test_transactions_filter_by_year_kind_partner_and_work_stream(as_user, officer, book, filters, expected):
    params = dict(filters)
    if params.get("partner") == "a":
        params["partner"] = str(book.partner_a.pk)
    if params.get("work_stream") == "perpetrators":
        params["work_stream"] = str(book.streams["Perpetrators"].pk)
    response = as_user(officer).get(reverse("transaction-list", args=[book.commission.pk]), params)
    assert response.status_code == 200
    shown = [tx.kind for tx in response.context["page"]]
    assert {kind: shown.count(kind) for kind in set(shown)} == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "1999"}, "Select a financial year from the list"),
        ({"kind": "gift"}, "Select a kind of transaction from the list"),
        ({"partner": "not-a-partner"}, "Select a partner from the list"),
        ({"work_stream": "99999"}, "Select a work-stream from the list"),
    ],
)
def test_a_filter_that_names_nothing_in_the_commission_is_an_error(as_user, officer, book, params, message):
    response = as_user(officer).get(reverse("transaction-list", args=[book.commission.pk]), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert response.context["page"] is None


def test_another_commissions_partner_is_not_a_filter_choice(as_user, officer, book):
    stranger = factories.PartnerFactory()
    response = as_user(officer).get(
        reverse("transaction-list", args=[book.commission.pk]), {"partner": str(stranger.pk)}
    )
    assert "Select a partner from the list" in response.content.decode()


def test_transactions_come_a_page_at_a_time_keeping_the_filters(as_user, officer, book, monkeypatch):
    monkeypatch.setattr(ledger_views, "PAGE_SIZE", 2)
    url = reverse("transaction-list", args=[book.commission.pk])
    response = as_user(officer).get(url, {"kind": "pledge_accepted", "page": "2"})
    numbers = [tx.number for tx in response.context["page"]]
    assert len(numbers) == 2
    everything = list(
        book.commission.ledger_transactions.filter(kind="pledge_accepted").order_by("-number").values_list("number")
    )
    assert numbers == [number for (number,) in everything[2:4]]
    page = response.content.decode()
    assert 'href="?kind=pledge_accepted&amp;page=3"' in page
    assert 'aria-current="page">2</a>' in page
    # A page past the end shows the last page rather than an error.
    assert as_user(officer).get(url, {"page": "999"}).context["page"].number > 1


def test_transaction_page_queries_are_flat_in_the_number_of_transactions(
    as_user, auditor, book, django_assert_max_num_queries
):
    client = as_user(auditor)
    url = reverse("transaction-list", args=[book.commission.pk])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    year, stream = book.years[0], book.streams["Prevention"]
    for _ in range(30):
        ledger.actual_spend_post(financial_year=year, work_stream=stream, amount=Decimal("1"), by=None)
    ledger.reserve_opening_post(
        reserve=factories.ReserveFactory(commission=book.commission), financial_year=year, by=None
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# Plan versions ---------------------------------------------------------------------------------------------------


def test_officer_freezes_the_plan_and_sees_it(as_user, officer, book):
    url = reverse("plan-version-freeze", args=[book.commission.pk])
    response = as_user(officer).post(url, {"label": "Initial approval", "decision_reference": "PCC036/18"})
    version = FundingPlanVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plan-version-detail", args=[book.commission.pk, 1])
    assert (version.label, version.decision_reference, version.frozen_by) == ("Initial approval", "PCC036/18", officer)
    page = as_user(officer).get(response["Location"])
    text = _text(page)
    assert version.snapshot_sha256 in text
    assert "Drawn down £0 £321,000 £0 £321,000" in text
    assert "altered" not in text


def test_a_freeze_without_a_label_shows_an_error_and_writes_nothing(as_user, officer, book):
    response = as_user(officer).post(reverse("plan-version-freeze", args=[book.commission.pk]), {"label": "  "})
    assert response.status_code == 200
    assert "Enter a label for the version" in response.content.decode()
    assert not FundingPlanVersion.objects.exists()


def test_a_version_whose_figures_were_altered_says_so(as_user, auditor, version):
    FundingPlanVersion.objects.filter(pk=version.pk).update(snapshot={**version.snapshot, "years": []})
    page = as_user(auditor).get(reverse("plan-version-detail", args=[version.commission_id, version.number]))
    assert "no longer match the SHA-256" in page.content.decode()


def test_movements_between_two_versions_and_to_the_plan_as_it_stands(as_user, manager, officer, book, version):
    """Version 1 is the book; then £2,000 more is drawn into 2015/16 and version 2 frozen."""
    ledger.reserve_drawdown_post(reserve=book.reserve, financial_year=book.years[2], amount=Decimal("2000"), by=officer)
    plan_version_freeze(commission=book.commission, label="After the drawdown", by=officer)
    url = reverse("plan-movements", args=[book.commission.pk])
    text = _text(as_user(manager).get(url, {"before": "1", "after": "2"}))
    assert "From Version 1: Initial approval to Version 2: After the drawdown" in text
    assert "Crime and Disorder reserve 2015/16 Drawn down £0 £2,000 £2,000" in text
    assert "Total drawn down, all years £321,000 £323,000 £2,000" in text
    assert "Secured 2015/16 £14,400 £16,400 £2,000" in text
    text = _text(as_user(manager).get(url, {"before": "2", "after": "current"}))
    assert "From Version 2: After the drawdown to The plan as it stands now" in text
    assert "No figure changed between these two plans." in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"before": "1", "after": "1"}, "Select a different version from the first"),
        ({"before": "7", "after": "current"}, "Select a version"),
        ({"after": "current"}, "Select the version to compare from"),
    ],
)
def test_movements_between_versions_that_cannot_be_compared_show_an_error(as_user, auditor, version, params, message):
    response = as_user(auditor).get(reverse("plan-movements", args=[version.commission_id]), params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["movements"] is None


# A partner's own statement ---------------------------------------------------------------------------------------


def _statement_url(partner, commission):  # type: ignore[no-untyped-def]
    return reverse("partner-statement", args=[partner.pk, commission.pk])


def test_a_partner_lead_reads_their_own_statement_and_nothing_of_another_partner(as_user, lead_b, book):
    response = as_user(lead_b).get(_statement_url(book.partner_b, book.commission))
    assert response.status_code == 200
    text = _text(response)
    assert "Outstanding (pledged, not yet received) £31,000" in text
    assert "Q3 (Oct–Dec) £0 £0 £2,000" in text
    assert book.partner_a.name not in text
    assert "£14,000" not in text  # A's total pledged


def test_a_partner_lead_cannot_see_another_partners_statement(as_user, lead_a, book):
    assert as_user(lead_a).get(_statement_url(book.partner_b, book.commission)).status_code == 404


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_any_partners_statement(as_persona, persona, book):
    assert as_persona(persona).get(_statement_url(book.partner_a, book.commission)).status_code == 200


def test_outsiders_are_refused_and_anonymous_visitors_sent_to_sign_in(as_persona, book):
    assert as_persona("outsider").get(_statement_url(book.partner_a, book.commission)).status_code == 403
    response = as_persona("anonymous").get(_statement_url(book.partner_a, book.commission))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_statement_for_a_commission_the_partner_is_not_in_is_not_found(as_user, lead_a, officer, book):
    other = factories.CommissionFactory()
    assert as_user(lead_a).get(_statement_url(book.partner_a, other)).status_code == 404
    assert as_user(officer).get(_statement_url(book.partner_a, other)).status_code == 404


def test_the_partner_page_links_to_the_partners_own_statement(as_user, lead_a, book):
    page = as_user(lead_a).get(reverse("partner-detail", args=[book.partner_a.pk])).content.decode()
    assert f'href="{_statement_url(book.partner_a, book.commission)}"' in page


def test_partner_statement_queries_do_not_grow_with_the_ledger(
    as_user, lead_a, commission, partner_a, django_assert_max_num_queries
):
    client = as_user(lead_a)
    url = _statement_url(partner_a, commission)
    year = commission.years.get(number=1)
    counts = []
    for times in (1, 20):
        for _ in range(times):
            ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("10"), by=None)
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
