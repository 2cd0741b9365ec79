"""The long lists sort by their column headers and keep their filters and pages: transactions, decisions,
contribution requests and the returns dashboard. An unknown sort is ignored; sorting costs no extra query."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commissioning import ledger_views
from reports import decision_views
from reports.models import Decision
from tests.api_support import build_letters
from tests.decision_support import cabinet_template, draft, submitted
from tests.statement_support import build_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    return build_book(commission, partner_a, partner_b, officer)


def _queries(client, url, params, django_assert_max_num_queries) -> int:  # type: ignore[no-untyped-def]
    client.get(url, params)  # warm the session and permission caches
    with django_assert_max_num_queries(100) as counted:
        assert client.get(url, params).status_code == 200
    return len(counted.captured_queries)


# Transactions ------------------------------------------------------------------------------------------------------


def test_transactions_sort_by_number_either_way(as_user, auditor, book):
    url = reverse("transaction-list", args=[book.commission.pk])
    client = as_user(auditor)
    default = [tx.number for tx in client.get(url).context["page"]]
    assert default == sorted(default, reverse=True)
    response = client.get(url, {"sort": "number"})
    ascending = [tx.number for tx in response.context["page"]]
    assert ascending == sorted(default)
    page = response.content.decode()
    assert 'aria-sort="ascending"' in page
    assert 'href="?sort=-number"' in page  # a second click reverses


def test_transactions_sort_by_date_then_number(as_user, auditor, book):
    url = reverse("transaction-list", args=[book.commission.pk])
    shown = [(tx.date, tx.number) for tx in as_user(auditor).get(url, {"sort": "date"}).context["page"]]
    assert shown == sorted(shown)


@pytest.mark.parametrize("value", ["digest", "-posted_by__password", "", "__class__"])
def test_an_unknown_transaction_sort_is_ignored(as_user, auditor, book, value):
    url = reverse("transaction-list", args=[book.commission.pk])
    client = as_user(auditor)
    default = [tx.number for tx in client.get(url).context["page"]]
    response = client.get(url, {"sort": value})
    assert response.status_code == 200
    assert [tx.number for tx in response.context["page"]] == default


def test_transaction_filter_sort_and_page_compose(as_user, officer, book, monkeypatch):
    monkeypatch.setattr(ledger_views, "PAGE_SIZE", 2)
    url = reverse("transaction-list", args=[book.commission.pk])
    params = {"kind": "pledge_accepted", "sort": "number", "page": "2"}
    response = as_user(officer).get(url, params)
    pledges = sorted(
        book.commission.ledger_transactions.filter(kind="pledge_accepted").values_list("number", flat=True)
    )
    assert [tx.number for tx in response.context["page"]] == pledges[2:4]
    page = response.content.decode()
    assert 'href="?kind=pledge_accepted&amp;sort=number&amp;page=3"' in page  # the next page keeps both
    assert 'href="?kind=pledge_accepted&amp;sort=-number"' in page  # a header keeps the filter, drops the page
    assert '<input type="hidden" name="sort" value="number">' in page  # filtering keeps the order


def test_transactions_filter_by_number_or_words(as_user, officer, book):
    url = reverse("transaction-list", args=[book.commission.pk])
    client = as_user(officer)
    assert [tx.number for tx in client.get(url, {"q": "3"}).context["page"]] == [3]
    reversal = book.reversal
    found = [tx.number for tx in client.get(url, {"q": reversal.narrative[:12].upper()}).context["page"]]
    assert reversal.number in found
    assert client.get(url, {"q": "no such words anywhere"}).context["page"].paginator.count == 0


def test_sorting_transactions_costs_no_extra_query(as_user, auditor, book, django_assert_max_num_queries):
    url = reverse("transaction-list", args=[book.commission.pk])
    client = as_user(auditor)
    default = _queries(client, url, {}, django_assert_max_num_queries)
    for sort in ("number", "-date", "kind"):
        assert (
            _queries(client, url, {"sort": sort, "kind": "pledge_accepted"}, django_assert_max_num_queries) <= default
        )


# Decisions ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def decisions(commission):  # type: ignore[no-untyped-def]
    template = cabinet_template(commission)
    pcc = cabinet_template(commission, name="PCC decision report", kind="pcc", reference_pattern="PCC{number:03d}/{yy}")
    return [
        draft(template, recommendations=0, title="Carry forward the underspend"),
        submitted(template, title="Approve the reserve drawdown"),
        draft(pcc, recommendations=0, title="Broker the PCC contribution"),
    ]


def test_decisions_sort_by_title_either_way(as_user, manager, commission, decisions):
    url = reverse("decision-list", args=[commission.pk])
    client = as_user(manager)
    titles = [d.title for d in client.get(url, {"sort": "title"}).context["page"]]
    assert titles == ["Approve the reserve drawdown", "Broker the PCC contribution", "Carry forward the underspend"]
    assert [d.title for d in client.get(url, {"sort": "-title"}).context["page"]] == titles[::-1]


def test_an_unknown_decision_sort_is_ignored(as_user, manager, commission, decisions):
    url = reverse("decision-list", args=[commission.pk])
    client = as_user(manager)
    default = [d.pk for d in client.get(url).context["page"]]
    assert [d.pk for d in client.get(url, {"sort": "created_by__password"}).context["page"]] == default


def test_decisions_filter_by_status_kind_and_words(as_user, manager, commission, decisions):
    url = reverse("decision-list", args=[commission.pk])
    client = as_user(manager)
    assert [d.title for d in client.get(url, {"status": "submitted"}).context["page"]] == [
        "Approve the reserve drawdown"
    ]
    assert [d.reference for d in client.get(url, {"kind": "pcc"}).context["page"]] == ["PCC001/13"]
    assert [d.title for d in client.get(url, {"q": "UNDERSPEND"}).context["page"]] == ["Carry forward the underspend"]
    response = client.get(url, {"status": "published"})
    assert response.context["page"].paginator.count == 0
    assert "No decision matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "lost"}, "Select a status from the list"),
        ({"kind": "parish"}, "Select a kind of report from the list"),
        ({"q": "x" * 101}, "Reference or words must be 100 characters or fewer"),
    ],
)
def test_a_bad_decision_filter_is_an_error(as_user, manager, commission, decisions, params, message):
    response = as_user(manager).get(reverse("decision-list", args=[commission.pk]), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert response.context["page"] is None


def test_decision_filter_sort_and_page_compose(as_user, manager, commission, decisions, monkeypatch):
    monkeypatch.setattr(decision_views, "PAGE_SIZE", 1)
    url = reverse("decision-list", args=[commission.pk])
    response = as_user(manager).get(url, {"kind": "cabinet_member", "sort": "title", "page": "2"})
    assert [d.title for d in response.context["page"]] == ["Carry forward the underspend"]
    assert response.context["page"].paginator.num_pages == 2
    page = response.content.decode()
    assert 'href="?kind=cabinet_member&amp;sort=title&amp;page=1"' in page
    assert 'href="?kind=cabinet_member&amp;sort=-title"' in page


def test_decision_list_queries_do_not_grow_with_decisions_or_sorting(
    as_user, manager, commission, decisions, django_assert_max_num_queries
):
    url = reverse("decision-list", args=[commission.pk])
    client = as_user(manager)
    before = _queries(client, url, {}, django_assert_max_num_queries)
    template = Decision.objects.filter(commission=commission).first().template
    for n in range(5):
        draft(template, recommendations=0, title=f"More {n}")
    assert _queries(client, url, {}, django_assert_max_num_queries) <= before
    assert _queries(client, url, {"sort": "-due", "status": "draft"}, django_assert_max_num_queries) <= before


# Contribution requests and the returns dashboard -------------------------------------------------------------------


def test_requests_sort_by_amount_within_each_year(as_user, officer, world):
    url = reverse("request-list", args=[world.commission.pk])
    client = as_user(officer)
    years = client.get(url, {"sort": "-amount"}).context["years"]
    assert [year.number for year, _, _ in years] == [1, 2, 3]
    for _, rows, _ in years:
        assert [r.partner_id for r in rows] == [world.partner_b.pk, world.partner_a.pk]  # £12,000 then £7,000
    ascending = client.get(url, {"sort": "amount"}).context["years"]
    assert [r.partner_id for r in ascending[0][1]] == [world.partner_a.pk, world.partner_b.pk]


def test_an_unknown_request_sort_is_ignored_and_sorting_costs_no_query(
    as_user, officer, world, django_assert_max_num_queries
):
    url = reverse("request-list", args=[world.commission.pk])
    client = as_user(officer)
    default = [[r.pk for r in rows] for _, rows, _ in client.get(url).context["years"]]
    assert [[r.pk for r in rows] for _, rows, _ in client.get(url, {"sort": "nonsense"}).context["years"]] == default
    before = _queries(client, url, {}, django_assert_max_num_queries)
    assert _queries(client, url, {"sort": "-status"}, django_assert_max_num_queries) <= before


def test_the_returns_dashboard_sorts_its_letters(as_user, officer, world, django_assert_max_num_queries):
    build_letters(world, officer)
    url = reverse("returns-dashboard", args=[world.commission.pk])
    client = as_user(officer)
    asked = [row.letter.partner_id for row in client.get(url, {"sort": "-asked"}).context["rows"]]
    assert asked == [world.partner_b.pk, world.partner_a.pk]
    pledged = [row.letter.partner_id for row in client.get(url, {"sort": "-pledged"}).context["rows"]]
    assert pledged == [world.partner_a.pk, world.partner_b.pk]  # A's £21,000 accepted; B's not yet
    default = [row.letter.pk for row in client.get(url).context["rows"]]
    assert [row.letter.pk for row in client.get(url, {"sort": "letter_pdf"}).context["rows"]] == default
    assert 'aria-sort="descending"' in client.get(url, {"sort": "-asked"}).content.decode()
    before = _queries(client, url, {}, django_assert_max_num_queries)
    assert _queries(client, url, {"sort": "-deadline"}, django_assert_max_num_queries) <= before
