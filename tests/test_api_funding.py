"""reserves (with drawdowns nested), carry-forwards, and each commission's pool and year-end under /api/v1/: who may
read and act, money as decimal strings, refusals as 400s that write nothing, and queries flat in the data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.year_end_services import carry_forward_propose_from_year_end
from commissioning import funding_services, ledger
from commissioning.models import (
    CarryForward,
    CarryForwardEvent,
    LedgerTransaction,
    ReserveDrawdown,
    ReserveDrawdownEvent,
)
from tests import factories
from tests.api_support import MONEY_KEYS, NOT_STAFF, REFUSED_WRITERS, STAFF, assert_money_strings
from tests.funding_support import DECISION, post_year_1_to_ledger, seed_history

pytestmark = pytest.mark.django_db

D = Decimal
FUNDING_MONEY = MONEY_KEYS | {
    "approved_not_posted",
    "available",
    "balance",
    "carried_out",
    "claimed",
    "contribution",
    "drawn",
    "from_reductions",
    "from_reserve",
    "holds",
    "income",
    "ledger_underspend",
    "opening_balance",
    "overspend",
    "plan_underspend",
    "proposed",
    "reductions_limit",
    "reserve_available",
    "spend",
    "total_available",
    "total_claimed",
    "total_ledger_underspend",
    "total_plan_underspend",
    "underspend",
    "unmet",
}


@pytest.fixture
def history(commission, partner_a, partner_b, officer, manager):  # type: ignore[no-untyped-def]
    return seed_history(commission, partner_a, partner_b, officer, manager)


def _post(client, url, body=None):  # type: ignore[no-untyped-def]
    return client.post(url, body or {}, content_type="application/json")


def _snapshot() -> tuple:
    return (
        list(ReserveDrawdown.objects.order_by("pk").values_list("pk", "status", "decision_reference")),
        list(CarryForward.objects.order_by("pk").values_list("pk", "status", "decision_reference")),
        ReserveDrawdownEvent.objects.count(),
        CarryForwardEvent.objects.count(),
        LedgerTransaction.objects.count(),
    )


def _reads(history):  # type: ignore[no-untyped-def]
    reserve, commission = history.plan.reserve, history.plan.commission
    drawdown = history.demo.drawdowns[0]
    return [
        reverse("api:reserve-list"),
        reverse("api:reserve-detail", args=[reserve.pk]),
        reverse("api:drawdown-list", args=[reserve.pk]),
        reverse("api:drawdown-detail", args=[reserve.pk, drawdown.pk]),
        reverse("api:carry-forward-list"),
        reverse("api:carry-forward-detail", args=[history.demo.carry_forward.pk]),
        reverse("api:commission-pool", args=[commission.pk]),
        reverse("api:commission-year-end", args=[commission.pk]),
    ]


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_every_resource_with_money_as_strings(as_persona, persona, history):
    client = as_persona(persona)
    for url in _reads(history):
        response = client.get(url)
        assert response.status_code == 200, url
        assert assert_money_strings(response.json(), FUNDING_MONEY) > 0, url


@pytest.mark.parametrize("persona", NOT_STAFF)
def test_partner_leads_and_outsiders_are_refused(as_persona, persona, history):
    for url in _reads(history):
        assert as_persona(persona).get(url).status_code == 403, url


def test_anonymous_callers_get_401(client, history):
    for url in _reads(history):
        assert client.get(url).status_code == 401, url


def test_a_reserve_shows_its_ledger_balance_and_drawdowns(as_persona, history):
    """730,000 opened, 321,000 + 409,000 drawn: it holds 0.00."""
    data = as_persona("auditor").get(reverse("api:reserve-detail", args=[history.plan.reserve.pk])).json()
    assert {key: data[key] for key in ("opening_balance", "holds", "drawn", "available", "opening_posted")} == {
        "opening_balance": "730000.00",
        "holds": "0.00",
        "drawn": "730000.00",
        "available": "0.00",
        "opening_posted": True,
    }
    assert [(d["financial_year"], d["amount"], d["status"], d["decision_reference"]) for d in data["drawdowns"]] == [
        ("2014/15", "321000.00", "posted", DECISION),
        ("2015/16", "409000.00", "posted", DECISION),
    ]
    assert [event["action"] for event in data["drawdowns"][0]["history"]] == ["proposed", "approved", "posted"]


def test_the_carry_forward_is_provisional_with_its_parts(as_persona, history):
    data = as_persona("manager").get(reverse("api:carry-forward-detail", args=[history.demo.carry_forward.pk])).json()
    assert (data["status"], data["provisional"], data["amount"], data["decision_reference"]) == (
        "outline_approved",
        True,
        "455447.00",
        DECISION,
    )
    assert [part["amount"] for part in data["parts"]] == ["37556.00", "68130.00", "212057.00", "137704.00"]
    year_end = as_persona("manager").get(reverse("api:commission-year-end", args=[history.plan.commission.pk])).json()
    assert year_end["provisional"][2] == {"financial_year": "2015/16", "amount": "455447.00"}
    assert year_end["years"][0]["total_plan_underspend"] == "455546.00"
    assert year_end["years"][0]["total_available"] == "99.00"


def test_the_pool_shows_each_years_income_and_each_partners_share(as_persona, history, partner_a):
    """2014/15 income: 7,000 + 12,000 + 321,000 = 340,000; A's share 340,000 × 7/19 = 125,263.16."""
    data = as_persona("officer").get(reverse("api:commission-pool", args=[history.plan.commission.pk])).json()
    assert data["rules_set"] is False
    assert data["rules"]["overspend_order"] == ["underspends", "reserve", "reductions"]
    year = data["years"][1]
    assert (year["financial_year"], year["income"], year["overspend"]) == ("2014/15", "340000.00", "0.00")
    assert year["partners"][0]["partner"]["id"] == partner_a.pk
    assert (year["partners"][0]["income"], year["partners"][0]["percent"]) == ("125263.16", "36.84")


# Writes ---------------------------------------------------------------------------------------------------


def test_a_drawdown_goes_through_its_transitions(as_user, officer, manager, history):
    contingency = history.contingency
    officer_client, manager_client = as_user(officer), as_user(manager)
    assert _post(officer_client, reverse("api:reserve-post-opening", args=[contingency.pk])).status_code == 201
    response = _post(
        officer_client,
        reverse("api:drawdown-list", args=[contingency.pk]),
        {"financial_year": "2015/16", "amount": "10000.00", "reason": "The IDVA contract"},
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    approve = reverse("api:drawdown-approve", args=[contingency.pk, pk])
    assert _post(officer_client, approve, {"decision_reference": "PCC036/18"}).status_code == 403
    response = _post(manager_client, approve, {"decision_reference": "PCC036/18"})
    assert response.json()["status"] == "approved"
    post = reverse("api:drawdown-post-to-ledger", args=[contingency.pk, pk])
    assert _post(manager_client, post).status_code == 403
    response = _post(officer_client, post)
    assert (response.status_code, response.json()["status"]) == (200, "posted")
    assert response.json()["transaction"] == LedgerTransaction.objects.latest("number").number
    assert officer_client.post(reverse("api:drawdown-detail", args=[contingency.pk, pk])).status_code == 405


@pytest.mark.parametrize(("persona", "code"), REFUSED_WRITERS)
def test_only_officers_propose_drawdowns_and_carry_forwards(as_persona, persona, code, history):
    before = _snapshot()
    client = as_persona(persona)
    response = _post(
        client,
        reverse("api:drawdown-list", args=[history.contingency.pk]),
        {"financial_year": "2015/16", "amount": "1.00", "reason": "x"},
    )
    assert response.status_code == code
    response = _post(
        client,
        reverse("api:carry-forward-list"),
        {
            "commission": history.plan.commission.pk,
            "from_year": "2013/14",
            "to_year": "2014/15",
            "amount": "99.00",
            "reason": "x",
        },
    )
    assert response.status_code == code
    assert _snapshot() == before


@pytest.mark.parametrize(("persona", "code"), [*REFUSED_WRITERS[2:], ("officer", 403), ("auditor", 403)])
def test_only_finance_approvers_approve_confirm_or_reject(as_persona, persona, code, history):
    carry, drawdown = history.demo.carry_forward, history.proposed
    before = _snapshot()
    client = as_persona(persona)
    for url, body in (
        (reverse("api:drawdown-approve", args=[history.contingency.pk, drawdown.pk]), {"decision_reference": "D"}),
        (reverse("api:drawdown-reject", args=[history.contingency.pk, drawdown.pk]), {"reason": "No"}),
        (reverse("api:carry-forward-confirm", args=[carry.pk]), {}),
        (reverse("api:carry-forward-reject", args=[carry.pk]), {"reason": "No"}),
    ):
        assert _post(client, url, body).status_code == code, url
    assert _snapshot() == before


def test_a_carry_forward_is_proposed_approved_and_confirmed(as_user, officer, manager, partner_a, history):
    """£99 is left of 2013/14 (455,546 − 455,447): proposed to 2014/15, approved in outline; then with 2013/14 in
    the ledger the £455,447 one is confirmed and posted."""
    officer_client, manager_client = as_user(officer), as_user(manager)
    response = _post(
        officer_client,
        reverse("api:carry-forward-list"),
        {
            "commission": history.plan.commission.pk,
            "from_year": "2013/14",
            "to_year": "2014/15",
            "amount": "99.00",
            "reason": "What is left",
        },
    )
    assert response.status_code == 201
    small = response.json()
    assert sum(D(part["amount"]) for part in small["parts"]) == D("99")
    response = _post(
        manager_client, reverse("api:carry-forward-outline-approve", args=[small["id"]]), {"decision_reference": "D2"}
    )
    assert (response.json()["status"], response.json()["provisional"]) == ("outline_approved", True)
    assert (
        _post(manager_client, reverse("api:carry-forward-lapse", args=[small["id"]]), {"reason": "x"}).status_code
        == 403
    )
    response = _post(officer_client, reverse("api:carry-forward-lapse", args=[small["id"]]), {"reason": "Year closed"})
    assert response.json()["status"] == "lapsed"

    big = history.demo.carry_forward
    refused = _post(manager_client, reverse("api:carry-forward-confirm", args=[big.pk]), {})
    assert refused.status_code == 400
    assert "underspent -£37,563.00 in 2013/14" in str(refused.json())
    post_year_1_to_ledger(history.plan, partner_a)
    response = _post(
        manager_client, reverse("api:carry-forward-confirm", args=[big.pk]), {"reference": "County Treasurer"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["provisional"]) == ("confirmed", False)
    assert response.json()["confirmation_reference"] == "County Treasurer"


def test_explicit_parts_are_checked(as_user, officer, history):
    perpetrators = history.plan.streams["Perpetrators"]
    before = _snapshot()
    body = {
        "commission": history.plan.commission.pk,
        "from_year": "2013/14",
        "to_year": "2015/16",
        "amount": "31.00",
        "reason": "x",
        "parts": [{"work_stream": perpetrators.pk, "amount": "31.00"}],
    }
    response = _post(as_user(officer), reverse("api:carry-forward-list"), body)
    # Perpetrators underspent 137,734 and 137,704 of it is claimed: 30 left.
    assert response.status_code == 400
    assert "has £30.00 of its 2013/14 underspend left" in str(response.json())
    assert _snapshot() == before
    body["amount"] = body["parts"][0]["amount"] = "30.00"
    assert _post(as_user(officer), reverse("api:carry-forward-list"), body).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"financial_year": "2015/16", "amount": 100, "reason": "x"}, "amount"),
        ({"financial_year": "2015/16", "amount": "100.001", "reason": "x"}, "amount"),
        ({"financial_year": "2019/20", "amount": "100.00", "reason": "x"}, "financial_year"),
        ({"financial_year": "2015/16", "amount": "100.00", "reason": ""}, "reason"),
        ({"financial_year": "2015/16", "amount": "50000.01", "reason": "x"}, "amount"),
    ],
)
def test_bad_drawdowns_get_a_400_naming_the_field_and_write_nothing(as_user, officer, history, body, field):
    before = _snapshot()
    response = _post(as_user(officer), reverse("api:drawdown-list", args=[history.contingency.pk]), body)
    assert response.status_code == 400
    assert field in response.json()
    assert _snapshot() == before


def test_a_drawdown_is_reached_only_through_its_own_reserve(as_user, officer, history):
    other = factories.ReserveFactory(commission=history.plan.commission, name="Other reserve")
    url = reverse("api:drawdown-detail", args=[other.pk, history.proposed.pk])
    assert as_user(officer).get(url).status_code == 404
    assert as_user(officer).get(reverse("api:drawdown-list", args=[999999])).status_code == 404


def test_lists_filter_by_commission(as_user, auditor, history):
    other = factories.CommissionFactory()
    factories.ReserveFactory(commission=other)
    client = as_user(auditor)
    ours = client.get(reverse("api:reserve-list"), {"commission": history.plan.commission.pk}).json()
    assert {row["name"] for row in ours["results"]} == {"Crime and Disorder reserve", "Contingency reserve"}
    assert client.get(reverse("api:carry-forward-list"), {"commission": other.pk}).json()["count"] == 0


def test_list_queries_do_not_grow_with_the_rows(as_user, officer, manager, history, django_assert_max_num_queries):
    client = as_user(officer)
    urls = _reads(history)
    counts = {}
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(30) as captured:
            client.get(url)
        counts[url] = len(captured)
    commission = history.plan.commission
    for _ in range(3):
        drawdown = factories.ReserveDrawdownFactory(reserve=history.contingency, amount=D("1000"))
        funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference="D", by=manager)
        reserve = factories.ReserveFactory(commission=commission)
        factories.ReserveDrawdownFactory(reserve=reserve, amount=D("5"))
    year_2, year_3 = commission.years.get(number=2), commission.years.get(number=3)
    for stream in commission.work_streams.filter(pooled_share__isnull=False):
        ledger.allocation_post(financial_year=year_2, work_stream=stream, amount=D("100"), by=None)
    for amount in ("3", "4"):
        carry = carry_forward_propose_from_year_end(
            from_year=history.plan.year(1), to_year=year_3, amount=D(amount), reason="More", by=officer
        )
        funding_services.carry_forward_outline_approve(carry_forward=carry, decision_reference="D", by=manager)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)
